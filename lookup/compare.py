"""Comparing places: what applies to all of them, and what to some only, each with why.

A comparison is built from each place's own answer (``selectors.applies_to``), so it says
exactly what the place pages say: a measure is shared when every place's answer lists it, and
each place keeps its own reason (合肥 and 成都 share the reform areas' measures, one through
安徽（合芜蚌）, the other through 四川（成德绵）).
"""
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from pilots.places import find_place

from .selectors import GROUP_PAGE, applies_to, load_measures

MIN_PLACES, MAX_PLACES = 2, 4


def compare_url(texts):
    return reverse("lookup:compare") + "?" + urlencode([("place", text) for text in texts])


@dataclass
class Unresolved:
    """A name that is not one place: several to choose from, or none (with suggestions)."""

    index: int
    text: str
    search: object  # pilots.places.PlaceSearch
    texts: list     # every name asked for, to build links that keep the others

    def url_with(self, place):
        """The comparison with this name replaced by ``place`` (its code), the others kept."""
        texts = list(self.texts)
        texts[self.index] = place.code
        return compare_url(texts)

    @property
    def choices(self):
        places = self.search.places or self.search.suggestions
        return [(place, self.url_with(place)) for place in places]


@dataclass
class Resolution:
    texts: list
    places: list = field(default_factory=list)
    ambiguous: list = field(default_factory=list)  # [Unresolved]
    unknown: list = field(default_factory=list)    # [Unresolved]
    error: str = None  # why the request cannot be compared at all (400)


def count_error(n):
    if n < MIN_PLACES:
        return _("请至少输入 %(min)d 个地方来比较，最多 %(max)d 个。") % {"min": MIN_PLACES, "max": MAX_PLACES}
    if n > MAX_PLACES:
        return _("最多比较 %(max)d 个地方，现在是 %(n)d 个。") % {"max": MAX_PLACES, "n": n}
    return None


def resolve(texts, max_length):
    """The places the names ``texts`` (cleaned, blanks dropped) stand for, or what stops it."""
    resolution = Resolution(texts)
    resolution.error = count_error(len(texts))
    if resolution.error:
        return resolution
    if any(len(text) > max_length for text in texts):
        resolution.error = _("地名太长：最多 %(max)d 个字符。") % {"max": max_length}
        return resolution
    for index, text in enumerate(texts):
        search = find_place(text)
        if search.found:
            resolution.places.append(search.found)
        elif search.places:
            resolution.ambiguous.append(Unresolved(index, text, search, texts))
        else:
            resolution.unknown.append(Unresolved(index, text, search, texts))
    if not (resolution.ambiguous or resolution.unknown):
        seen = {}
        for text, place in zip(texts, resolution.places, strict=True):
            if place.pk in seen:
                resolution.error = _("“%(first)s”和“%(second)s”是同一个地方（%(place)s），请换一个。") % {
                    "first": seen[place.pk], "second": text, "place": place.full_label}
                return resolution
            seen[place.pk] = text
    return resolution


@dataclass
class Section:
    """Measures listed together: why they apply (per place when the places differ), and which."""

    title: str
    reasons: list        # [(place or None, reason)]: one (None, reason) when every place has the same
    keys: list
    kinds: list          # the kinds of the groups behind it (nationwide, programme, region, …)
    also: dict = field(default_factory=dict)  # key → other compared places it applies to
    measures: list = None

    @property
    def count(self):
        return len(self.keys)

    @property
    def entries(self):
        """``(measure, other compared places it applies to)``, for pages."""
        return [(measure, self.also.get(measure.pk, [])) for measure in self.measures or ()]


@dataclass
class Side:
    place: object
    applicability: object
    reasons: dict        # measure key → its groups, the strongest first
    own: list = field(default_factory=list)  # [Section]: what applies here and not to every place

    @property
    def regions(self):
        return self.applicability.regions

    @property
    def own_count(self):
        return sum(section.count for section in self.own)


@dataclass
class Comparison:
    sides: list
    shared: list         # [Section]
    complete: bool       # False when a group was longer than listed: only its first measures compared

    @property
    def places(self):
        return [side.place for side in self.sides]

    @property
    def shared_count(self):
        return sum(section.count for section in self.shared)

    def sections(self):
        return [*self.shared, *(section for side in self.sides for section in side.own)]

    def keys(self):
        """Every compared measure's key once, shared ones first."""
        return list(dict.fromkeys(pk for section in self.sections() for pk in section.keys))


def _strongest(side, pk):
    return side.reasons[pk][0]


def _shared_sections(sides, shared):
    sections = {}
    for pk in shared:
        groups = [_strongest(side, pk) for side in sides]
        signature = tuple((g.kind, g.title) for g in groups)
        if signature not in sections:
            reasons = [(side.place, g.reason) for side, g in zip(sides, groups, strict=True)]
            if len({reason for _place, reason in reasons}) == 1:
                reasons = [(None, reasons[0][1])]
            sections[signature] = Section("／".join(dict.fromkeys(g.title for g in groups)), reasons, [],
                                          list(dict.fromkeys(g.kind for g in groups)))
        sections[signature].keys.append(pk)
    return list(sections.values())


def _own_sections(side, sides, shared):
    sections = {}
    for pk in side.reasons:
        if pk in shared:
            continue
        group = _strongest(side, pk)
        if id(group) not in sections:
            sections[id(group)] = Section(group.title, [(side.place, group.reason)], [], [group.kind])
        section = sections[id(group)]
        section.keys.append(pk)
        others = [other.place for other in sides if other is not side and pk in other.reasons]
        if others:
            section.also[pk] = others
    return list(sections.values())


def compare(places, listed=GROUP_PAGE, *, load=False):
    """How ``places`` compare. Each group of each place's answer lists its first ``listed``
    measures (in source order); ``load`` also reads the listed measures as model instances
    (``Section.measures``), each once, for pages."""
    names = [place.name for place in places]
    for place in places:
        # How the page names it: 通州区 and 通州区 compared are told apart by their parents.
        place.compare_label = place.full_label if names.count(place.name) > 1 else place.name
    sides = []
    for place in places:
        applicability = applies_to(place, listed=listed)
        sides.append(Side(place, applicability, dict(applicability.measure_reasons())))
    shared = {pk for pk in sides[0].reasons if all(pk in side.reasons for side in sides[1:])}
    # In the first place's order: its groups in turn, each in source order.
    ordered = [pk for pk in sides[0].reasons if pk in shared]
    for side in sides:
        side.own = _own_sections(side, sides, shared)
    complete = all(group.complete for side in sides for group in side.applicability.groups if group.kind != "unsettled")
    comparison = Comparison(sides, _shared_sections(sides, ordered), complete)
    if load:
        groups = [group for side in sides for group in side.applicability.groups if group.kind != "unsettled"]
        load_measures(groups)
        by_key = {measure.pk: measure for group in groups for measure in group.measures}
        for section in comparison.sections():
            section.measures = [by_key[pk] for pk in section.keys if pk in by_key]
    return comparison
