"""Exports of exactly what the list shows: every page of the current filters and search, in the
order and the reading script on screen. CSV for Excel (UTF-8 with BOM, CRLF) and XLSX."""
import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from catalogue.reading import convert, current

MAX_ROWS = 100_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def columns():
    return [_("编号"), _("序号"), _("标题"), _("正文"), _("来源文件"), _("文号"), _("类别"), _("指导部门"),
            _("推广范围"), _("试点地区/区域"), _("链接")]


def rows(request, measures, script):
    def shown(value):
        return convert(value, script)

    for m in measures[:MAX_ROWS]:
        yield [
            m.pk, m.number or "", shown(m.title), shown(m.text), shown(m.document.title),
            shown(m.document.number), shown(m.category.name) if m.category_id else "",
            "、".join(shown(d.name) for d in m.ordered_departments), shown(m.scope_label),
            "、".join(shown(r.name) for r in m.scope_regions), request.build_absolute_uri(m.get_absolute_url()),
        ]


def _cell(value):
    # A cell Excel would read as a formula is shown as text instead (CSV injection).
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def as_csv(request, measures):
    writer = csv.writer(_Echo())
    # The rows are produced while the response streams, after the request's reading script has
    # been reset: take it now.
    script = current.get()

    def lines():
        yield "\ufeff"  # the BOM that makes Excel read UTF-8
        yield writer.writerow(columns())
        for row in rows(request, measures, script):
            yield writer.writerow([_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="measures.csv"'
    return response


def as_xlsx(request, measures):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("举措"))
    sheet.append(columns())
    for row in rows(request, measures, current.get()):
        sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="measures.xlsx"'
    return response


FORMATS = {"csv": as_csv, "xlsx": as_xlsx}
