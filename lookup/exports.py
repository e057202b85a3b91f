"""A comparison as a spreadsheet: each compared measure once, whether every place shares it, and a
column per place with the reason it applies there (empty where it does not).

The measure list's exporter (``measures.exports``) writes its own fixed columns for a filtered
list, streamed for up to 100,000 rows; a comparison has at most four places' groups of 200
measures and columns of its own, so it is written here, whole, with openpyxl.
"""
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from catalogue.reading import convert

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Text stays text: a cell opening with "=" is not made a formula, and characters a
        # spreadsheet cannot hold (control characters, which no source text carries) are dropped.
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    return cell


def comparison_xlsx(request, comparison):
    """The compared measures, shared first, as an XLSX download, in the reading script on screen."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("比较"))
    places = comparison.places
    sheet.append([_cell(sheet, v) for v in [
        _("比较"), _("编号"), _("序号"), _("标题"), _("正文"), _("来源文件"), _("文号"), _("推广范围"),
        _("试点地区/区域"), _("链接"),
        *(_("%(place)s：适用依据") % {"place": convert(place.compare_label)} for place in places)]])
    measures = {m.pk: m for section in comparison.sections() for m in section.measures or ()}
    shared = {pk for section in comparison.shared for pk in section.keys}
    for pk in comparison.keys():
        m = measures.get(pk)
        if m is None:
            continue  # deleted since the groups were read
        reasons = [convert(side.reasons[pk][0].reason) if pk in side.reasons else "" for side in comparison.sides]
        sheet.append([_cell(sheet, v) for v in [
            _("各地共同适用") if pk in shared else _("部分地方适用"), m.pk, m.number or "", convert(m.title),
            convert(m.text), convert(m.document.title), convert(m.document.number), convert(m.scope_label),
            "、".join(convert(r.name) for r in m.scope_regions), request.build_absolute_uri(m.get_absolute_url()),
            *reasons]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="comparison.xlsx"'
    return response
