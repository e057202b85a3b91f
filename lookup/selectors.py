"""“What applies to my city?”: the measures that apply to a place, group by group, each with why."""
import functools
from dataclasses import dataclass, field
from functools import cached_property

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from catalogue import pagination
from catalogue.search import backend_for
from measures import search
from measures.models import Measure
from pilots import gazetteer
from pilots.models import Place
from pilots.places import RegionMatch, region_matches

GROUP_PAGE = 200  # measures the API lists per group; the count and the list link give the rest


@dataclass
class MeasureGroup:
    kind: str          # nationwide | programme | region | partial | mention | unsettled
    title: str
    reason: str
    queryset: object   # every measure of the group, in source order (None for a group found by scanning)
    region_match: RegionMatch = None  # the region it applies through, if any
    list_params: dict = field(default_factory=dict)  # the measure list showing the whole group
    found: list = None  # a group found by scanning (mentions) comes with its measures' keys, in order
    listed: int = GROUP_PAGE  # how many of its measures to list
    measures: list = None  # the listed measures as model instances, for pages (load_measures)

    @cached_property
    def keys(self):
        """The keys of the measures it lists, in source order."""
        return self.found if self.found is not None else list(self.queryset.values_list("pk", flat=True)[:self.listed])

    @cached_property
    def _count(self):
        if self.found is not None or len(self.keys) < self.listed:
            return len(self.keys)  # the whole group is already in hand (or all the scan found)
        return pagination.capped_count(self.queryset)

    @property
    def count(self):
        """Exact up to COUNT_CAP (see catalogue.pagination), then COUNT_CAP."""
        return pagination.shown(self._count)

    @property
    def count_is_exact(self):
        if self.found is not None:
            return len(self.found) < self.listed  # the scan stopped at the limit: there may be more
        return pagination.is_exact(self._count)

    @property
    def complete(self):
        return self.count <= len(self.keys)

    @property
    def list_url(self):
        return reverse("measures:list") + "?" + urlencode(self.list_params, doseq=True) if self.list_params else None


def load_measures(groups):
    """Every group's listed measures as model instances, each loaded once however many groups
    list it (a city's nationwide, programme and mention groups share many)."""
    keys = {pk for group in groups for pk in group.keys}
    loaded = {m.pk: m for m in backend_for(Measure).by_keys(Measure.objects.with_related(), keys)}
    for group in groups:
        group.measures = [loaded[pk] for pk in group.keys if pk in loaded]  # (unless deleted meanwhile)


@dataclass
class Applicability:
    place: Place
    regions: list
    groups: list

    def measure_reasons(self):
        """The key of each measure once, with every reason it applies (the first is the strongest)."""
        found = {}
        for group in self.groups:
            if group.kind == "unsettled":
                continue
            for pk in group.keys:
                found.setdefault(pk, []).append(group)
        return list(found.items())


MENTION_SCAN = 2000  # candidates checked for a mention of the place in their own text
# Candidates are read a window of the catalogue at a time, in source order: the first measures
# naming a place are then found among the candidates of the first window, rather than by reading
# and sorting every candidate (tens of thousands for a big city in a large catalogue). Window
# ends, in measures from the start per measure listed; after them (or after a window without
# candidates, for a place this rarely named) the rest of the catalogue at once.
MENTION_WINDOWS = (50, 500)
MENTION_CHUNK = 500  # candidates read at a time: most places are found in the first chunk


def _in_source_order_by_windows(candidates, limit):
    """Rows (source_order, pk, title, text, search_plain) of ``candidates`` in source order, a
    chunk at a time, reading the catalogue window by window (MENTION_WINDOWS)."""
    ends, lower = list(MENTION_WINDOWS), None
    while True:
        upper = Measure.objects.source_order_after(ends.pop(0) * limit) if ends else None
        window = candidates if upper is None else candidates.filter(source_order__lt=upper)
        in_window = 0
        while True:
            rest = window if lower is None else window.filter(source_order__gte=lower)
            chunk = list(rest.in_source_order().values_list("source_order", "pk", "title", "text", "search_plain")[
                :MENTION_CHUNK])
            in_window += len(chunk)
            if chunk:
                yield chunk
            if len(chunk) < MENTION_CHUNK:
                break  # the window is read
            lower = chunk[-1][0] + 1
        if upper is None:
            return
        if not in_window:
            ends = []
        lower = upper


def measures_naming(place, limit=GROUP_PAGE):
    """Measures whose own title or text names the place (寧波市探索… for 宁波): the search index
    and the normalised text (any script) find candidates in the database — which may name the
    place only through a region's or a department's name (湖北武汉 names every measure of the
    reform areas) — and their own title and text decide, read without their related rows.
    Returns the keys of the first ``limit`` in source order."""
    name = place.short_name if len(place.short_name) >= 2 else place.name
    key = gazetteer.lookup_key(name)
    # Their own words are tested here, on the candidates read, not in SQL over every candidate.
    candidates = search.matching(Measure.objects.all(), search.parse_query(name))
    found, checked = [], 0
    for chunk in _in_source_order_by_windows(candidates, limit):
        chunk = chunk[:MENTION_SCAN - checked]
        checked += len(chunk)
        found += [pk for _order, pk, title, text, plain in chunk
                  if key in gazetteer.strip_punctuation(search.own_plain(title, text, plain))]
        if len(found) >= limit or checked >= MENTION_SCAN:
            break
    return found[:limit]


def applies_to(place, listed=GROUP_PAGE):
    """Why each measure applies to ``place``, group by group; each group loads ``listed`` measures."""
    new_group = functools.partial(MeasureGroup, listed=listed)
    matches = region_matches(place)
    base = Measure.objects.in_source_order()
    groups = [new_group("nationwide", _("全国推广的举措"), _("推广范围为全国。"), base.nationwide(),
                           list_params={"scope": "nationwide"})]
    applying = [m for m in matches if m.coverage in ("whole", "part")]
    seen_programmes = set()
    for match in applying:
        programme = match.region.programme
        scoped = base.filter(scope_programme=programme)
        if programme.pk not in seen_programmes:
            seen_programmes.add(programme.pk)
            areas = [m for m in applying if m.region.programme_id == programme.pk]
            groups.append(new_group(
                "programme", _("在%(programme)s区域推广的举措") % {"programme": programme.name},
                "；".join(_("%(why)s依据：%(basis)s") % {"why": m.explanation, "basis": m.basis} for m in areas),
                scoped, match, list_params={"region": match.region.slug, "scope": "programme"},
            ))
    for match in applying:
        tasks = base.filter(region=match.region)
        kind = "region" if match.coverage == "whole" else "partial"
        caveat = _("（待核实）") if match.to_confirm else ""
        groups.append(new_group(
            kind, _("%(programme)s：%(region)s的任务") % {"programme": match.region.programme.name,
                                                       "region": match.region.name},
            _("%(why)s依据：%(basis)s") % {"why": match.explanation + caveat, "basis": match.basis},
            tasks, match, list_params={"region": match.region.slug, "scope": "region"},
        ))
    for match in matches:
        if match.coverage == "unsettled":
            groups.append(new_group("unsettled", _("未有定论：%(region)s") % {"region": match.region.name},
                                       match.explanation, base.filter(scope_programme=match.region.programme),
                                       match, list_params={"region": match.region.slug, "scope": "programme"}))
    mentioned = measures_naming(place, listed)
    if mentioned:
        groups.append(new_group("mention", _("文中提到%(place)s的举措") % {"place": place.short_name},
                                   _("举措原文提到“%(place)s”。") % {"place": place.short_name}, None,
                                   list_params={"q": place.short_name}, found=mentioned))
    # A group with nothing in it says nothing (except nationwide, which says "only these").
    groups = [g for g in groups if g.keys or g.kind == "nationwide"]
    return Applicability(place, matches, groups)


PLACE_PAGE_LISTED = 20  # measures the place page shows per group; a link lists the rest
# The place page's order: what is specific to the place first, the nationwide measures last.
BRIEFING_ORDER = {"region": 0, "partial": 1, "programme": 2, "mention": 3, "unsettled": 4, "nationwide": 5}


@dataclass
class Section:
    """A group as the place page shows it: each measure in one section only, the count of what
    no other section shows."""

    group: MeasureGroup
    label: str      # its name in the summary line: 全国, 杭甬溫, 原文点名
    keys: list      # the listed measures it shows
    count: int
    count_is_exact: bool
    measures: list = None

    @property
    def anchor(self):
        return f"g-{self.group.kind}-{self.group.region_match.region.slug}" if self.group.region_match else f"g-{self.group.kind}"

    @property
    def more(self):
        return self.count > len(self.keys) or not self.count_is_exact


@dataclass
class PlaceSections:
    sections: list     # the groups that apply, most specific first, the nationwide one last
    unsettled: list    # the groups whose application the sources leave open
    also: dict         # key → the reasons of the other groups it is in

    @property
    def total(self):
        return sum(s.count for s in self.sections)

    @property
    def total_is_exact(self):
        return all(s.count_is_exact for s in self.sections)

    @property
    def specific(self):
        return [s for s in self.sections if s.group.kind != "nationwide"]

    @property
    def nationwide(self):
        return next((s for s in self.sections if s.group.kind == "nationwide"), None)


def _summary_label(group):
    if group.kind == "nationwide":
        return _("全国")
    if group.kind == "mention":
        return _("原文点名")
    if group.kind == "programme":
        return group.region_match.region.programme.name
    if group.kind == "partial":
        return _("%(region)s（部分地区）") % {"region": group.region_match.region.name}
    return group.region_match.region.name


def _scope_rows(group):
    """(key, scope, region, programme) of a group's listed measures: from the loaded instances, or
    read (one query) when only the count is wanted."""
    if group.measures is not None:
        return [(m.pk, m.scope, m.region_id, m.scope_programme_id) for m in group.measures]
    return list(Measure.objects.filter(pk__in=group.keys).values_list("pk", "scope", "region_id", "scope_programme_id"))


def _structural_group(groups, scope, region_id, programme_id):
    """The group a measure is in by its own scope, among ``groups``."""
    for group in groups:
        match = group.region_match
        if region_id and group.kind in ("region", "partial") and match.region.pk == region_id:
            return group
        if programme_id and scope == "programme" and group.kind in ("programme", "unsettled") \
                and match.region.programme_id == programme_id:
            return group
        if scope == "nationwide" and group.kind == "nationwide":
            return group
    return None


def place_sections(applicability):
    """The place page's sections: every measure once, with all its reasons.

    Groups by scope (nationwide, a programme's areas, a region's tasks) never share a measure;
    only a measure naming the place is in two. It is shown with its region or programme (which
    says more about the place), or else among the measures naming the place, and counted once."""
    groups = applicability.groups
    keys = {g.kind if g.kind in ("nationwide", "mention") else id(g): list(g.keys) for g in groups}
    counts = {id(g): g.count for g in groups}
    also = {}
    mention = next((g for g in groups if g.kind == "mention"), None)
    if mention is not None:
        for pk, scope, region_id, programme_id in _scope_rows(mention):
            home = _structural_group(groups, scope, region_id, programme_id)
            if home is None:
                continue
            home_key = home.kind if home.kind == "nationwide" else id(home)
            if home.kind in ("region", "partial", "programme") and pk in keys[home_key]:
                keys["mention"].remove(pk)
                counts[id(mention)] -= 1
                also[pk] = [mention.reason]
            else:
                if pk in keys[home_key]:
                    keys[home_key].remove(pk)
                counts[id(home)] -= 1
                also[pk] = [home.reason]
    sections, unsettled = [], []
    for group in sorted(groups, key=lambda g: BRIEFING_ORDER[g.kind]):
        shown = keys[group.kind if group.kind in ("nationwide", "mention") else id(group)]
        section = Section(group, _summary_label(group), shown, counts[id(group)], group.count_is_exact)
        if group.measures is not None:
            listed = {m.pk: m for m in group.measures}
            section.measures = [listed[pk] for pk in shown if pk in listed]
            for measure in section.measures:
                measure.also_because = also.get(measure.pk, [])
        if not shown and section.count <= 0 and group.kind != "nationwide":
            continue  # every measure of it is shown with a more telling reason
        (unsettled if group.kind == "unsettled" else sections).append(section)
    return PlaceSections(sections, unsettled, also)


def place_total(place):
    """How many measures the place page lists for ``place`` (each once), and whether that is exact."""
    brief = place_sections(applies_to(place, listed=PLACE_PAGE_LISTED))
    return brief.total, brief.total_is_exact
