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
import datetime
import logging
import re
import time
import zipfile
from functools import cached_property
from urllib.parse import quote

from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils.cell import get_column_letter

from catalogue import liveness
from catalogue.reading import DEFAULT, SCRIPTS, _convert, convert, current
from catalogue.search import backend_for

from .models import Measure
from .selectors import EXPORT_ZONE, data_version
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


# The columns, and their widths in characters in the workbook. No database key: a reader knows a
# measure by its number in its source, its citation and its address. 标题 is the source's own,
# verbatim, beside a 地区 column: in a table the region stands next to it, and a title prefixed
# with its region (Measure.display_title, for where a title stands alone) would neither sort nor
# match the source.
COLUMNS = [
    ("序号", 6), ("标题", 36), ("文号", 18), ("发文日期", 12), ("类别", 22), ("指导部门", 22), ("推广范围", 14),
    ("地区", 20), ("效力", 10), ("正文", 80), ("链接", 36), ("引用", 48),
]
DATE_COLUMN, LINK_COLUMN = 3, 10


def columns():
    return [_(name) for name, _width in COLUMNS]


def export_date():
    """Now, in Beijing: the date a file is named after, whatever the server's zone."""
    return timezone.localtime(timezone.now(), EXPORT_ZONE)


_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s]+')


def file_names(filters, extension, prefix=None, when=None, ascii_prefix="measures"):
    """(the file's name, an ASCII name for clients that cannot read the other): what it holds and
    when, 举措_科学技术部_全国_2026-12-03.xlsx, the filters' labels joined by "_", the date Beijing's."""
    day = (when or export_date()).strftime("%Y-%m-%d")
    parts = [_UNSAFE_IN_NAME.sub("-", f.short).strip("-.")[:40] for f in filters]
    name = "_".join([prefix or _("举措"), *[p for p in parts if p], day])
    plain = "_".join([ascii_prefix, *[f.ascii[:40] for f in filters if f.ascii], day])
    return f"{name}.{extension}", f"{plain}.{extension}"


def content_disposition(filters, extension, prefix=None, ascii_prefix="measures"):
    """``attachment`` with both names: RFC 6266's ``filename*`` (RFC 5987, UTF-8) and the ASCII one."""
    name, plain = file_names(filters, extension, prefix, ascii_prefix=ascii_prefix)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


class Export:
    """One export, planned before the response starts: the keys of the measures it writes, in
    order, how many match in all, and every text it writes in the request's language and
    reading script (the rows are written after the request's language and script are reset)."""

    def __init__(self, request, queryset, fmt, filters=()):
        self.request = request
        self.fmt = fmt
        self.filters = list(filters)
        self.started = export_date()
        self.version = data_version()
        self.documents = {}  # the source documents of the rows written, for the notes sheet
        self.written_keys = array.array("q")  # the rows' measures, in order (their links)
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
        self.notes_name = _("说明")
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
            rows, shown = [], []
            for pk in keys:
                if pk in found:  # a measure deleted since the keys were read is left out
                    rows.append(row(found[pk]))
                    shown.append(pk)
                    self.documents.setdefault(found[pk].document_id, found[pk].document)
                    liveness.progressed()
            self.written_keys.extend(shown)  # a batch that fails is not written: nor are its links
            yield rows
            self.written += len(rows)

    def _row_maker(self):
        script = self.script
        # Every link is the same but for the key: reversed once, not once a row.
        before, after = self.link_parts
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
                m.number or "", own(m.title), shown(m.document.number),
                m.document.date or shown(m.document.date_as_written),
                shown(m.category.name) if m.category_id else "",
                "、".join(shown(d.name) for d in m.ordered_departments), shown(m.scope_label),
                "、".join(shown(r.name) for r in m.scope_regions), status(m.document), own(m.text),
                f"{before}{m.pk}{after}", own(m.citation),
            ]

        return row

    @cached_property
    def link_parts(self):
        # Every link is the same but for the key: reversed once, not once a row.
        sentinel = str(2**62)
        return self.request.build_absolute_uri(reverse("measures:detail", args=[sentinel])).split(sentinel)

    def link(self, pk):
        before, after = self.link_parts
        return f"{before}{pk}{after}"

    def notes(self):
        """The notes sheet's rows: what the file holds, when it was made, from which data, and the
        source documents of its measures."""
        rows = [[_("导出时间"), self.started.strftime("%Y-%m-%d %H:%M") + _("（北京时间）")],
                [_("数据版本"), self.version.label]]
        if self.filters:
            rows += [[_("筛选条件") + "：" + f.kind, f.label] for f in self.filters]
        else:
            rows.append([_("筛选条件"), _("无（全部举措）")])
        rows.append([_("举措数"), self.truncated_note if self.truncated else str(len(self.written_keys))])
        rows += [[], [_("来源文件"), _("标题"), _("文号"), _("发文日期"), _("链接")]]
        for document in sorted(self.documents.values(), key=lambda d: d.position):
            rows.append(["", convert(document.title, self.script), convert(document.number, self.script),
                         document.date or document.date_as_written or "",
                         self.request.build_absolute_uri(document.get_absolute_url())])
        return rows


def _streamed(export, content, content_type, extension):
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(export.filters, extension)
    if export.truncated:
        response["X-Export-Truncated"] = export.truncation_header
    return response


# --- CSV ----------------------------------------------------------------------------------------

def _csv_cell(value):
    # A cell a spreadsheet would read as a formula is made text by a leading apostrophe.
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "'" + value if formula_risk(value) else value


class _Echo:
    def write(self, value):
        return value


def as_csv(request, queryset, filters=()):
    export = Export(request, queryset, "csv", filters)
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

    return _streamed(export, lines(), "text/csv; charset=utf-8", "csv")


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

_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CONTENT_TYPES = _HEAD + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_WORKSHEET_TYPE}"/>'
    f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{_WORKSHEET_TYPE}"/>'
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
    f'<Relationship Id="rId2" Type="{_REL}/worksheet" Target="worksheets/sheet2.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Cell styles (cellXfs, by index): 0 plain; 1 text, wrapped, top-aligned; 2 the bold header;
# 3 a date (yyyy-mm-dd); 4 a link (blue, underlined).
PLAIN, WRAPPED, HEADER, DATE, LINK = range(5)
_STYLES = _HEAD + (
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font>'
    '<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyAlignment="1">'
    '<alignment vertical="top"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_LAST_COLUMN = get_column_letter(len(COLUMNS))
_NOTES_WIDTHS = [18, 60, 20, 12, 40]


def _sheet_start(widths, frozen_header):
    # A frozen first row, the columns' widths; the rows follow.
    pane = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>') if frozen_header else ""
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    selected = ' tabSelected="1"' if frozen_header else ""
    return _HEAD + (f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView{selected} '
                    f'workbookViewId="0">{pane}</sheetView></sheetViews><cols>{cols}</cols><sheetData>')


def _workbook(sheet_name, notes_name, last_row):
    # Written last, once the data's extent is known: the autofilter's range is also a defined
    # name, as spreadsheets write it.
    quoted = _xml_text(sheet_name.replace("'", "''"))
    return _HEAD + (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{_xml_text(sheet_name)}" sheetId="1" r:id="rId1"/>'
        f'<sheet name="{_xml_text(notes_name)}" sheetId="2" r:id="rId2"/>'
        "</sheets><definedNames>"
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        f"'{quoted}'!$A$1:${_LAST_COLUMN}${last_row}</definedName>"
        "</definedNames></workbook>"
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
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _xml_row(number, values, styles=None):
    """A row; ``styles`` gives each column's cell style (PLAIN for all when None)."""
    cells = []
    for i, (letter, value) in enumerate(zip(_LETTERS, values, strict=False)):
        style = styles[i] if styles else PLAIN
        s = f' s="{style}"' if style else ""
        if isinstance(value, datetime.date):
            cells.append(f'<c r="{letter}{number}" s="{DATE}"><v>{(value - _EXCEL_EPOCH).days}</v></c>')
        elif isinstance(value, int) and not isinstance(value, bool):
            cells.append(f'<c r="{letter}{number}"{s}><v>{value}</v></c>')
        elif value != "" and value is not None:
            cells.append(f'<c r="{letter}{number}"{s} t="inlineStr"><is><t xml:space="preserve">'
                         f"{_xml_text(str(value))}</t></is></c>")
    return f'<row r="{number}">{"".join(cells)}</row>'


_DATA_STYLES = [PLAIN if i == 0 else LINK if i == LINK_COLUMN else WRAPPED for i in range(len(COLUMNS))]
_HEADER_STYLES = [HEADER] * len(COLUMNS)
_LINK_LETTER = get_column_letter(LINK_COLUMN + 1)
_LINKS_PER_CHUNK = 5000


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


def as_xlsx(request, queryset, filters=()):
    """The workbook: the measures (a bold frozen header, widths, wrapped text, an autofilter, each
    measure's address a link), then a notes sheet (filters, time, data version, sources).

    The rows stream as before. Their links are hyperlink relationships, not HYPERLINK formulas:
    the workbook keeps no formula at all. A sheet lists its hyperlinks after its rows, and their
    targets sit in a part of their own, so both are written after the rows, from the keys of the
    measures written (an array of integers, as the keys read before the rows already are); the
    workbook part, which names the autofilter's range, is written last."""
    export = Export(request, queryset, "xlsx", filters)

    def entry(name):
        info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def parts():
        buffer = _Buffer()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
            package.writestr("[Content_Types].xml", _CONTENT_TYPES)
            package.writestr("_rels/.rels", _PACKAGE_RELS)
            package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            package.writestr("xl/styles.xml", _STYLES)
            widths = [width for _name, width in COLUMNS]
            with package.open(entry("xl/worksheets/sheet1.xml"), "w") as sheet:
                sheet.write((_sheet_start(widths, True) + _xml_row(1, export.columns, _HEADER_STYLES)).encode())
                yield buffer.take()
                number = 1
                try:
                    for rows in export.batches():
                        sheet.write("".join(_xml_row(number + i, row, _DATA_STYLES)
                                            for i, row in enumerate(rows, 1)).encode())
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
                sheet.write(f'</sheetData><autoFilter ref="A1:{_LAST_COLUMN}{number}"/>'.encode())
                if export.written_keys:
                    sheet.write(b"<hyperlinks>")
                    for start in range(0, len(export.written_keys), _LINKS_PER_CHUNK):
                        sheet.write("".join(
                            f'<hyperlink ref="{_LINK_LETTER}{row}" r:id="rId{row}"/>'
                            for row in range(start + 2, min(start + _LINKS_PER_CHUNK, len(export.written_keys)) + 2)
                        ).encode())
                    sheet.write(b"</hyperlinks>")
                sheet.write(b"</worksheet>")
            yield buffer.take()
            with package.open(entry("xl/worksheets/_rels/sheet1.xml.rels"), "w") as links:
                links.write((_HEAD + f'<Relationships xmlns="{_PKG_REL}">').encode())
                keys = export.written_keys
                for start in range(0, len(keys), _LINKS_PER_CHUNK):
                    links.write("".join(
                        f'<Relationship Id="rId{start + i + 2}" Type="{_REL}/hyperlink" '
                        f'Target="{_xml_text(export.link(pk))}" TargetMode="External"/>'
                        for i, pk in enumerate(keys[start:start + _LINKS_PER_CHUNK])
                    ).encode())
                    yield buffer.take()
                links.write(b"</Relationships>")
            notes = export.notes()
            header_rows = {i for i, row in enumerate(notes, 1) if row and row[0] == _("来源文件")}
            package.writestr(entry("xl/worksheets/sheet2.xml"), _sheet_start(_NOTES_WIDTHS, False) + "".join(
                _xml_row(i, row, [HEADER if i in header_rows or j == 0 else WRAPPED for j in range(len(row))])
                for i, row in enumerate(notes, 1)) + "</sheetData></worksheet>")
            package.writestr(entry("xl/workbook.xml"), _workbook(export.sheet_name, export.notes_name, number))
        yield buffer.take()

    return _streamed(export, parts(), XLSX_TYPE, "xlsx")


FORMATS = {"csv": as_csv, "xlsx": as_xlsx}
