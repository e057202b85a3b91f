"""Exports of exactly what the list shows: every page of the current filters and search, in the
order and the reading script on screen. CSV for Excel (UTF-8 with BOM, CRLF) and XLSX.

Both are streamed in constant memory: the keys of the matching measures are read once, in the
list's order (integers, small even at the cap, and whatever the order: relevance, newest, source),
then the measures a batch at a time, each batch with its own related rows, and each batch is sent
before the next is read. The first bytes leave at once, and a worker's memory does not grow with
the size of the export.

An export never ends without saying how: past ``EXPORT_MAX_ROWS`` matches its last line says
where it stops and how to narrow it (and the ``X-Export-Truncated`` header says so too); an error
after the first bytes have gone is logged and written as the last line, so that a cut file never
looks complete.
"""
import array
import csv
import logging
import re
import time
import zipfile

from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl.utils.cell import get_column_letter

from catalogue import liveness
from catalogue.reading import DEFAULT, SCRIPTS, _convert, convert, current
from catalogue.search import backend_for

from .models import Measure
from .validity import status_label

logger = logging.getLogger(__name__)

# Measures read per query (with one query per related table): enough that the queries cost
# little beside writing the rows, few enough that a batch's objects stay small.
BATCH_SIZE = 1000

# OWASP's CSV injection: a spreadsheet reads a cell as a formula when it opens with one of these,
# also in their full-width forms (some spreadsheets fold them to ASCII), and also behind
# characters it skips or that do not show: white space, zero-width characters, a byte-order mark.
FORMULA_START = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
SKIPPED_BEFORE_FORMULA = " \t\r\n\u200b\u200c\u200d\u2060\ufeff"


def max_rows():
    return settings.EXPORT_MAX_ROWS


def formula_risk(value):
    """Whether a spreadsheet could take this cell for a formula."""
    if not isinstance(value, str):
        return False
    return value.startswith(("\t", "\r")) or value.lstrip(SKIPPED_BEFORE_FORMULA).startswith(FORMULA_START)


def columns():
    return [_("编号"), _("序号"), _("标题"), _("正文"), _("来源文件"), _("文号"), _("类别"), _("指导部门"),
            _("推广范围"), _("试点地区/区域"), _("链接"), _("效力")]


class Export:
    """One export, planned before the response starts: the keys of the measures it writes, in
    order, how many match in all, and every text it writes in the request's language and
    reading script (the rows are written after the request's language and script are reset)."""

    def __init__(self, request, queryset, fmt):
        self.request = request
        self.fmt = fmt
        self.cap = max_rows()
        # One query of keys, in the list's order; the cap's worth and one more tells whether
        # there are more, and only then are they counted.
        keys = queryset.prefetch_related(None).values_list("pk", flat=True)[: self.cap + 1]
        self.keys = array.array("q", keys.iterator(chunk_size=10 * BATCH_SIZE))
        self.total = len(self.keys)
        if self.total > self.cap:
            self.total = max(queryset.order_by().count(), self.cap + 1)
            del self.keys[self.cap:]
        self.written = 0
        self.script = current.get()
        self.columns = columns()
        self.sheet_name = _("举措")
        self.truncated_note = _(
            "导出到此为止：符合条件的举措共 %(total)s 项，本文件只含前 %(shown)s 项（导出上限）。"
            "请加筛选条件或搜索词缩小范围，分几次导出。"
        ) % {"total": self.total, "shown": len(self.keys)}
        self._failure_note = _(
            "导出中途出错，文件不完整：只写出了前 %(written)s 项（共 %(expected)s 项）。请稍后重试。"
        )

    @property
    def truncated(self):
        return self.total > len(self.keys)

    @property
    def truncation_header(self):
        return f"{len(self.keys)} of {self.total}" if self.truncated else None

    def failed(self):
        """Log the error being handled; the note that ends the file instead of its last rows."""
        logger.exception("export (%s) failed after %d of %d rows; the file ends with an error line",
                         self.fmt, self.written, len(self.keys))
        return self._failure_note % {"written": self.written, "expected": len(self.keys)}

    def batches(self):
        """The rows, a list per batch of measures."""
        backend = backend_for(Measure)
        related = Measure.objects.with_related().order_by()
        row = self._row_maker()
        for start in range(0, len(self.keys), BATCH_SIZE):
            keys = self.keys[start:start + BATCH_SIZE].tolist()
            found = {m.pk: m for m in backend.by_keys(related, keys)}
            rows = []
            for pk in keys:
                if pk in found:  # a measure deleted since the keys were read is left out
                    rows.append(row(found[pk]))
                    liveness.progressed()
            yield rows
            self.written += len(rows)

    def _row_maker(self):
        script = self.script
        # Every link is the same but for the key: reversed once, not once a row.
        sentinel = str(2**62)
        before, after = self.request.build_absolute_uri(reverse("measures:detail", args=[sentinel])).split(sentinel)
        config = SCRIPTS.get(script, SCRIPTS[DEFAULT])[1]
        # A measure's own title and text are converted once per export, not through the reading
        # script's cache: they would fill it with texts nobody asks for again, pushing out the
        # names that every page shows (names below go through it, as on the pages).
        uncached = _convert.__wrapped__

        def own(text):
            return uncached(config, text) if config and text else text

        def shown(value):
            return convert(value, script)

        statuses = {}  # a document's status today, read once per export

        def status(document):
            if document.pk not in statuses:
                statuses[document.pk] = shown(status_label(document))
            return statuses[document.pk]

        def row(m):
            return [
                m.pk, m.number or "", own(m.title), own(m.text), shown(m.document.title),
                shown(m.document.number), shown(m.category.name) if m.category_id else "",
                "、".join(shown(d.name) for d in m.ordered_departments), shown(m.scope_label),
                "、".join(shown(r.name) for r in m.scope_regions), f"{before}{m.pk}{after}", status(m.document),
            ]

        return row


def _streamed(export, content, content_type, filename):
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if export.truncated:
        response["X-Export-Truncated"] = export.truncation_header
    return response


# --- CSV ----------------------------------------------------------------------------------------

def _csv_cell(value):
    # A cell a spreadsheet would read as a formula is made text by a leading apostrophe.
    return "'" + value if formula_risk(value) else value


class _Echo:
    def write(self, value):
        return value


def as_csv(request, queryset):
    export = Export(request, queryset, "csv")
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(export.columns)  # the BOM makes Excel read UTF-8
        try:
            for rows in export.batches():
                yield "".join(writer.writerow([_csv_cell(v) for v in row]) for row in rows)
        except Exception:
            yield writer.writerow([export.failed()])
            return
        if export.truncated:
            yield writer.writerow([export.truncated_note])

    return _streamed(export, lines(), "text/csv; charset=utf-8", "measures.csv")


# --- XLSX ---------------------------------------------------------------------------------------
#
# Written as it is sent: the package's fixed parts, then the sheet's rows through a deflating zip
# entry, a batch at a time, into a buffer emptied into the response after each batch (zipfile
# writes to an unseekable file, sizes after each entry's data). openpyxl's write-only mode keeps
# memory flat too, but zips its sheet only when the workbook is saved: nothing could be sent
# before the whole sheet was written, minutes for 100,000 measures in a converted script, longer
# than proxies wait for a first byte. The streaming zip writers on PyPI would add a dependency for
# what zipfile does. Every text cell is an inline string (t="inlineStr"), which a spreadsheet
# shows as written and never evaluates: no apostrophe is needed, and the text stays exact.

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = _HEAD + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_PACKAGE_RELS = _HEAD + (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = _HEAD + (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = _HEAD + (
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = _HEAD + f'<worksheet xmlns="{_MAIN}"><sheetData>'
_SHEET_END = "</sheetData></worksheet>"


def _workbook(sheet_name):
    return _HEAD + (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{_xml_text(sheet_name)}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )


# XML escapes, and the spreadsheet's own for characters XML cannot carry (_xHHHH_): a literal
# "_x0041_" in a text is written "_x005F_x0041_" so that it is not read as an escape. A carriage
# return is written as a reference, which XML parsers keep instead of folding it into a newline.
_XML_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("\r"): "&#13;"}
_XML_ESCAPES.update({c: f"_x{c:04X}_" for c in [*range(0x20), 0xFFFE, 0xFFFF] if c not in (0x9, 0xA, 0xD)})
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _xml_text(value):
    if "_x" in value:
        value = _LITERAL_ESCAPE.sub("_x005F", value)
    return value.translate(_XML_ESCAPES)


_LETTERS = [get_column_letter(i) for i in range(1, 27)]


def _xml_row(number, values):
    cells = []
    for letter, value in zip(_LETTERS, values, strict=False):
        if isinstance(value, int) and not isinstance(value, bool):
            cells.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
        elif value != "" and value is not None:
            cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">'
                         f"{_xml_text(str(value))}</t></is></c>")
    return f'<row r="{number}">{"".join(cells)}</row>'


class _Buffer:
    """What the zip writes, until the response takes it. No ``seek`` or ``tell``: zipfile then
    writes each entry's sizes after its data, never going back."""

    def __init__(self):
        self._chunks = []

    def write(self, data):
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def as_xlsx(request, queryset):
    export = Export(request, queryset, "xlsx")

    def parts():
        buffer = _Buffer()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
            package.writestr("[Content_Types].xml", _CONTENT_TYPES)
            package.writestr("_rels/.rels", _PACKAGE_RELS)
            package.writestr("xl/workbook.xml", _workbook(export.sheet_name))
            package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            package.writestr("xl/styles.xml", _STYLES)
            entry = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=time.localtime()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            with package.open(entry, "w") as sheet:
                sheet.write((_SHEET_START + _xml_row(1, export.columns)).encode())
                yield buffer.take()
                number = 1
                try:
                    for rows in export.batches():
                        sheet.write("".join(_xml_row(number + i, row) for i, row in enumerate(rows, 1)).encode())
                        number += len(rows)
                        chunk = buffer.take()
                        if chunk:
                            yield chunk
                except Exception:
                    last = export.failed()
                else:
                    last = export.truncated_note if export.truncated else None
                if last is not None:
                    sheet.write(_xml_row(number + 1, [last]).encode())
                sheet.write(_SHEET_END.encode())
        yield buffer.take()

    return _streamed(export, parts(), XLSX_TYPE, "measures.xlsx")


FORMATS = {"csv": as_csv, "xlsx": as_xlsx}
