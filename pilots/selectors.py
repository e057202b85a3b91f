"""“What applies to my city?”: finding a place by any of its names, and what applies there, why."""
import difflib
import functools
import threading
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from django.utils.translation import gettext as _

from catalogue import pagination
from measures.models import Measure

from . import gazetteer
from .models import Level, Membership, MembershipKind, Place

_lock = threading.Lock()
_index = None


class PlaceIndex:
    """Every place's names and parent, held in memory: 3.4k rows, read on each lookup otherwise.

    A name can be a place's full name (通州区), or a short name or pinyin of a province or
    prefecture (西安), or of a county (通州). A name is resolved in that order of strength, so
    西安 is 西安市 rather than also the districts called 西安区; places sharing the name at the same
    strength (通州: two districts) are all returned, for the user to choose. The weaker namesakes
    are still shown beside the answer.
    """

    def __init__(self):
        rows = Place.objects.values_list("pk", "parent_id", "names", "name", "short_name", "level", "pinyin")
        self.parent = {}
        self.by_key = {}
        self.short_names = {}
        self.level = {}
        self.pinyin = {}
        for pk, parent_id, names, name, short, level, spelled in rows:
            self.parent[pk] = parent_id
            self.level[pk] = level
            self.pinyin[pk] = spelled
            full = gazetteer.lookup_key(name)
            self.short_names.setdefault(gazetteer.lookup_key(short), pk)
            for key in names:
                strength = 0 if key == full else (2 if level == Level.COUNTY else 1)
                self.by_key.setdefault(key, []).append((strength, pk))

    def exact(self, key):
        entries = self.by_key.get(key, [])
        if not entries:
            return []
        best = min(strength for strength, _ in entries)
        return [pk for strength, pk in entries if strength == best]

    def all_named(self, key):
        return [pk for _, pk in self.by_key.get(key, [])]

    def within(self, pk, ancestor):
        while pk is not None:
            if pk == ancestor:
                return True
            pk = self.parent.get(pk)
        return False

    def resolve(self, text):
        return gazetteer.resolve(text, self.exact, self.within)

    def close_keys(self, text, limit=6):
        """Places whose short name looks like the typed one: same characters, similar order."""
        key = gazetteer.lookup_key(gazetteer.short_name(text))
        if not key:
            return []
        sharing = [k for k in self.short_names if set(k) & set(key)]
        spelled = gazetteer.pinyin(key)

        def score(k):
            # Same first character, similar sound, same length, a city rather than a county:
            # 宁坡 (ningpo) is more likely 宁波 (ningbo) than 宁夏, 万宁 or 宁城.
            pk = self.short_names[k]
            return (difflib.SequenceMatcher(None, key, k).ratio() + 0.3 * (k[0] == key[0])
                    + 0.5 * difflib.SequenceMatcher(None, spelled, self.pinyin[pk]).ratio()
                    + 0.1 * (len(k) == len(key)) + 0.05 * (self.level[pk] != Level.COUNTY))

        scored = sorted(sharing, key=lambda k: (-score(k), k))
        return [self.short_names[k] for k in scored[:limit]]


def place_index():
    global _index
    with _lock:
        if _index is None:
            _index = PlaceIndex()
        return _index


def reset_place_index():
    global _index
    with _lock:
        _index = None


@dataclass
class PlaceSearch:
    text: str
    places: list = field(default_factory=list)      # one: found; several: the user chooses
    suggestions: list = field(default_factory=list)  # none found: close names
    namesakes: list = field(default_factory=list)    # found: other places answering to the same name

    @property
    def found(self):
        return self.places[0] if len(self.places) == 1 else None


def find_place(text):
    text = (text or "").strip()
    if text.isascii() and text.isdigit():  # a GB/T 2260 code, 6 digits or the 12-digit form
        places = list(Place.objects.with_parents().filter(code=text[:6])) if len(text) in (6, 12) else []
        return PlaceSearch(text, places)
    index = place_index()
    pks = index.resolve(text)
    places = sorted(Place.objects.with_parents().filter(pk__in=pks), key=lambda p: p.code)
    if not places:
        close = index.close_keys(text)
        by_pk = Place.objects.with_parents().in_bulk(close)
        return PlaceSearch(text, [], [by_pk[pk] for pk in close if pk in by_pk])
    others = [pk for pk in index.all_named(gazetteer.lookup_key(text)) if pk not in pks]
    return PlaceSearch(text, places, [], list(Place.objects.with_parents().filter(pk__in=others)))


def namesakes(place):
    """Other places that answer to this place's short name (西安市 → the two 西安区)."""
    index = place_index()
    others = [pk for pk in index.all_named(gazetteer.lookup_key(place.short_name)) if pk != place.pk]
    return list(Place.objects.with_parents().filter(pk__in=others))


# --- what applies ------------------------------------------------------------------------------

@dataclass
class RegionMatch:
    """A region that applies to the place, and how: the whole place is in it, or part of it is."""

    region: object
    membership: object
    coverage: str  # "whole" | "part" | "unsettled"

    @property
    def explanation(self):
        member = self.membership.place
        region = self.region.name
        if self.coverage == "unsettled":
            return _("%(place)s在%(region)s所在省份，但不在其点名的核心（%(core)s）之内；来源没有说明是否适用。") % {
                "place": member.name, "region": region, "core": self.region.composition}
        if self.coverage == "part":
            return _("%(region)s只包括%(member)s，是本地的一部分。") % {"region": region, "member": member.full_label}
        return _("%(member)s属于%(region)s。") % {"member": member.full_label, "region": region}


GROUP_PAGE = 200  # measures the API lists per group; the count and the list link give the rest


@dataclass
class MeasureGroup:
    kind: str          # nationwide | programme | region | partial | mention | unsettled
    title: str
    reason: str
    queryset: object   # every measure of the group, in source order (None for a group found by scanning)
    region_match: RegionMatch = None
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
    list it (a city's nationwide, programme and mention groups share many): one query and its
    prefetches for all groups, where a query per group built the shared measures again for each."""
    loaded = Measure.objects.with_related().in_bulk({pk for group in groups for pk in group.keys})
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


def region_matches(place):
    chain = {place.pk, *(p.pk for p in place.ancestors)}
    matches = {}
    # Only memberships of the place, of what contains it, or of what it contains (the gazetteer
    # is three levels deep): building every membership with its places cost 10 ms a lookup.
    related = Q(place__in=chain) | Q(place__parent=place) | Q(place__parent__parent=place)
    for membership in Membership.objects.filter(related).select_related("region__programme", "place__parent__parent"):
        member = membership.place
        if membership.kind == MembershipKind.MEMBER:
            if member.pk in chain:
                coverage = "whole"
            elif place.pk in {p.pk for p in member.ancestors}:
                coverage = "part"
            else:
                continue
        elif member.pk in chain:
            coverage = "unsettled"
        else:
            continue
        current = matches.get(membership.region_id)
        rank = {"whole": 0, "part": 1, "unsettled": 2}
        if current is None or rank[coverage] < rank[current.coverage]:
            matches[membership.region_id] = RegionMatch(membership.region, membership, coverage)
    return sorted(matches.values(), key=lambda m: (m.region.programme.position, m.region.position))


MENTION_SCAN = 2000  # candidates checked for a mention of the place in their own text
# Candidates are read a window of the catalogue at a time, in source order: the first measures
# naming a place are then found among the candidates of the first window, where reading them
# all in source order means reading and sorting every candidate row (24,000 for 宁波 in 1,000,000
# measures: 100 ms, against 9 for its first 10,000 measures). Window ends, in measures from the
# start per measure listed; after them (or after a window without candidates, for a place this
# rarely named) the rest of the catalogue at once.
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
    from measures import search

    name = place.short_name if len(place.short_name) >= 2 else place.name
    key = gazetteer.lookup_key(name)
    # No test of the whole indexed text in SQL: that would read every candidate's text back out
    # of TOAST, where only the candidates read here are.
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
                "；".join(_("%(why)s依据：%(basis)s") % {"why": m.explanation, "basis": m.membership.basis}
                         for m in areas),
                scoped, match, list_params={"region": match.region.slug, "scope": "programme"},
            ))
    for match in applying:
        tasks = base.filter(region=match.region)
        kind = "region" if match.coverage == "whole" else "partial"
        caveat = _("（待核实）") if match.membership.to_confirm else ""
        groups.append(new_group(
            kind, _("%(programme)s：%(region)s的任务") % {"programme": match.region.programme.name,
                                                       "region": match.region.name},
            _("%(why)s依据：%(basis)s") % {"why": match.explanation + caveat, "basis": match.membership.basis},
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
