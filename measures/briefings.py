"""Briefings: a list of measures (or a place's, built by ``lookup.briefings``) as a document to
read, file or print — PDF (WeasyPrint) and Word (python-docx).

A briefing says what it is and when it was made: its title, the date (Beijing's), the catalogue's
data version, the filters; then every measure with its full text (never clipped), its citation
and its address. At most ``BRIEFING_MAX_MEASURES`` measures: past that, the document says where it
stops. Texts are in the reader's script, as on the pages; names keep their official wording.

Both files are built whole, in memory: a briefing is read by a person, so the cap keeps it small
(a few hundred measures), unlike the exports, which stream any number of rows.
"""
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext as _
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from catalogue.reading import convert

from .exports import content_disposition, export_date
from .selectors import data_version

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STYLESHEET = "css/briefing.css"


def max_measures():
    return settings.BRIEFING_MAX_MEASURES


@dataclass
class Entry:
    """One measure as a briefing shows it, in the reader's script."""

    heading: str
    source: str
    details: list  # (label, value)
    text: str
    citation: str
    url: str


@dataclass
class Section:
    title: str = ""
    reason: str = ""
    entries: list = field(default_factory=list)
    note: str = ""  # where the section stops short of its measures


@dataclass
class Briefing:
    title: str
    filters: list  # (kind, label)
    sections: list
    note: str = ""   # where the briefing stops short of its measures
    file_filters: list = field(default_factory=list)  # ActiveFilter-like: .short, .ascii
    file_prefix: str = ""
    made_at: object = field(default_factory=export_date)
    version: object = field(default_factory=data_version)

    @property
    def date(self):
        return self.made_at.strftime("%Y-%m-%d")

    @property
    def measure_count(self):
        return sum(len(section.entries) for section in self.sections)


def entry(request, measure):
    name = lambda value: convert(value, name=True)  # noqa: E731 — official wording, the script's characters
    heading = (f"{measure.number}. " if measure.number else "") + name(measure.display_title)
    departments = "、".join(name(d.name) for d in measure.ordered_departments)
    details = [(_("推广范围"), name(measure.scope_label))]
    if measure.category_id:
        details.insert(0, (_("类别"), name(measure.category.name)))
    if departments:
        details.append((_("指导部门"), departments))
    details.append((_("效力"), measure.document.validity.label))
    document = measure.document
    source = name(document.title) + (f"（{name(document.number)}）" if document.number else "")
    if document.date:
        source += f" · {document.date:%Y-%m-%d}"
    return Entry(
        heading=heading, source=source, details=details,
        text=convert(measure.text) if measure.text else "",
        citation=name(measure.citation), url=request.build_absolute_uri(measure.get_absolute_url()),
    )


def cap_note(cap):
    return _("本简报收录的举措已达上限（%(cap)s 项），其余未收录。请加筛选条件缩小范围，或分几次生成。") % {"cap": cap}


def for_list(request, results, filters):
    """The briefing of a list view: its filters (``measures.selectors.active_filters``), its
    measures in the list's order, up to the cap."""
    cap = max_measures()
    measures = list(results.queryset[: cap + 1])
    capped = len(measures) > cap
    labels = [(f.kind, convert(f.label, name=True)) for f in filters]
    what = "；".join(label for _kind, label in labels) if labels else _("全部举措")
    return Briefing(
        title=_("举措简报：%(what)s") % {"what": what},
        filters=labels,
        sections=[Section(entries=[entry(request, m) for m in measures[:cap]])],
        note=cap_note(cap) if capped else "",
        file_filters=filters, file_prefix=_("举措简报"),
    )


# --- PDF ---------------------------------------------------------------------------------------

def as_pdf(request, briefing):
    from weasyprint import CSS, HTML  # loads pango: only where a PDF is asked for

    html = render_to_string("briefings/briefing.html", {"briefing": briefing, "lang": html_lang()}, request=request)
    stylesheet = finders.find(STYLESHEET)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(stylesheets=[CSS(filename=stylesheet)])
    return attachment(pdf, PDF_TYPE, briefing, "pdf")


def html_lang():
    language = get_language() or settings.LANGUAGE_CODE
    return {"zh-hant": "zh-Hant", "en": "en"}.get(language, "zh-Hans")


def attachment(content, content_type, briefing, extension):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        briefing.file_filters, extension, briefing.file_prefix, ascii_prefix="briefing")
    return response


# --- Word --------------------------------------------------------------------------------------

def _hyperlink(paragraph, url):
    """A clickable address (python-docx has no call for it: a w:hyperlink around a run)."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True))
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "0563C1")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.extend([color, underline])
    text = OxmlElement("w:t")
    text.text = url
    run.extend([properties, text])
    link.append(run)
    paragraph._p.append(link)


def as_docx(request, briefing):
    document = Document()
    document.core_properties.title = briefing.title
    document.core_properties.language = html_lang()
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    # East Asian text in a CJK font Word has everywhere it runs, rather than the theme's default.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "Microsoft JhengHei" if html_lang() == "zh-Hant" else "Microsoft YaHei")
    grey = RGBColor(0x55, 0x55, 0x55)

    document.add_heading(briefing.title, level=0)
    facts = [(_("日期"), briefing.date), (_("数据版本"), briefing.version.label)]
    facts += briefing.filters or [(_("筛选条件"), _("无（全部举措）"))]
    for label, value in facts:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}：").bold = True
        paragraph.add_run(value)
    paragraph = document.add_paragraph()
    paragraph.add_run(_("共 %(n)s 项举措。") % {"n": briefing.measure_count})
    if briefing.note:
        document.add_paragraph().add_run(briefing.note).bold = True
    for section in briefing.sections:
        if section.title:
            document.add_heading(section.title, level=1)
        if section.reason:
            document.add_paragraph(section.reason).runs[0].italic = True
        if section.note:
            document.add_paragraph().add_run(section.note).bold = True
        for item in section.entries:
            document.add_heading(item.heading, level=2 if section.title else 1)
            meta = document.add_paragraph()
            meta.add_run(item.source + " · " + " · ".join(f"{label}：{value}" for label, value in item.details)).font.color.rgb = grey
            for line in (item.text or _("（来源只有标题，没有正文）")).split("\n"):
                document.add_paragraph(line)
            citation = document.add_paragraph()
            citation.add_run(_("引用") + "：").bold = True
            citation.add_run(item.citation)
            address = document.add_paragraph()
            address.add_run(_("链接") + "：").bold = True
            _hyperlink(address, item.url)
    buffer = io.BytesIO()
    document.save(buffer)
    return attachment(buffer.getvalue(), DOCX_TYPE, briefing, "docx")


FORMATS = {"pdf": as_pdf, "docx": as_docx}
