"""A place's briefing: what applies to the place, group by group with each group's reason, every
measure with its full text, citation and address (the PDF and Word files of
``measures.briefings``), in the place page's sections (``selectors.place_sections``)."""
from django.utils.translation import gettext as _

from catalogue.reading import convert
from measures.briefings import Briefing, Section, cap_note, entry, max_measures

from .selectors import applies_to, load_measures, place_sections


class _PlaceFilter:
    """The place as a file name names it (``measures.exports.file_names``)."""

    def __init__(self, place):
        self.short = place.name
        self.ascii = place.code


def for_place(request, place):
    cap = max_measures()
    applicability = applies_to(place, listed=cap)
    load_measures(applicability.groups)
    arranged = place_sections(applicability)
    # As the place page shows them: what is specific to the place first, the nationwide group
    # last, each measure once (in the section with the most telling reason).
    sections, room = [], cap
    for shown_section in [*arranged.specific, *arranged.unsettled, *filter(None, [arranged.nationwide])]:
        group = shown_section.group
        shown = list(shown_section.measures or [])[:room]
        room -= len(shown)
        note = ""
        if len(shown) < shown_section.count:
            note = _("此组共 %(count)s 项，本简报收录其中 %(shown)s 项。") % {"count": shown_section.count, "shown": len(shown)}
        reason = convert(group.reason)
        if group.kind == "unsettled":
            reason = _("未有定论") + "：" + reason
        sections.append(Section(title=convert(group.title, name=True), reason=reason,
                                entries=[entry(request, m) for m in shown], note=note))
    name = convert(place.name, name=True)
    return Briefing(
        title=_("%(name)s适用的举措") % {"name": name},
        filters=[(_("地方"), f"{convert(place.full_label, name=True)}（{place.code}）")],
        sections=sections,
        note=cap_note(cap) if room <= 0 and any(s.note for s in sections) else "",
        file_filters=[_PlaceFilter(place)], file_prefix=_("举措简报"),
    )
