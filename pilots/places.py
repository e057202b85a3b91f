"""Finding a place by any of its names, and which pilot regions cover it."""
import collections
import difflib
import functools
import heapq
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from catalogue.i18n import localized
from catalogue.versions import Versioned

from . import gazetteer
from .models import Level, Membership, MembershipKind, Place

PLACES_VERSION = "places"
# What a misspelt name is compared with (PlaceIndex.close_keys): its first characters, against the
# short names sharing most of them.
CLOSE_KEY_CHARS = 12
CLOSE_KEY_CANDIDATES = 100
# A search text longer than this is never a place name (the lookup form's own limit).
PLACE_NAME_MAX = 50


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
        self.short_names_with = collections.defaultdict(list)  # a character → short names holding it
        self.short_name_of_pinyin = {}  # ningbo → 宁波: what a misspelt pinyin is compared with
        # Pilot region members rank first among close names: 宁皮 is likelier 宁波 than 宁夏.
        self.members = set(Membership.objects.filter(kind=MembershipKind.MEMBER).values_list("place_id", flat=True))
        for pk, parent_id, names, name, short, level, spelled in rows:
            self.parent[pk] = parent_id
            self.level[pk] = level
            self.pinyin[pk] = spelled
            full = gazetteer.lookup_key(name)
            short_key = gazetteer.lookup_key(short)
            if short_key not in self.short_names:
                self.short_names[short_key] = pk
                for ch in set(short_key):
                    self.short_names_with[ch].append(short_key)
                if spelled:
                    self.short_name_of_pinyin.setdefault(spelled, short_key)
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

    def importance(self, pk):
        """How much a place's prominence counts when names are equally close: a pilot region's
        member, then a province or prefecture, before a county."""
        return 0.2 * (pk in self.members) + 0.1 * (self.level[pk] != Level.COUNTY)

    def close_keys(self, text, limit=6):
        """Places whose short name looks like the typed one: same characters, similar order.

        Bounded whatever is typed: only the first ``CLOSE_KEY_CHARS`` characters are compared
        (no short name is longer), candidates come from the names sharing a character with them
        (an index, not a scan), and only the ``CLOSE_KEY_CANDIDATES`` sharing the most are scored."""
        key = gazetteer.lookup_key(gazetteer.short_name(text))[:CLOSE_KEY_CHARS]
        if not key:
            return []
        if key.isascii():
            return self.close_pinyin(key, limit)
        shared = collections.Counter()
        for ch in set(key):
            shared.update(self.short_names_with.get(ch, ()))
        sharing = heapq.nlargest(CLOSE_KEY_CANDIDATES, shared, key=lambda k: (
            shared[k] + 0.3 * (k[0] == key[0]) + 0.1 * (len(k) == len(key))
            + 0.05 * (self.level[self.short_names[k]] != Level.COUNTY), k))
        spelled = gazetteer.pinyin(key)

        def score(k):
            # Same first character, similar sound, same length, a pilot city rather than a county:
            # 宁坡 (ningpo) and 宁皮 are more likely 宁波 (ningbo) than 宁夏, 万宁 or 宁城.
            pk = self.short_names[k]
            return (difflib.SequenceMatcher(None, key, k).ratio() + 0.3 * (k[0] == key[0])
                    + 0.5 * difflib.SequenceMatcher(None, spelled, self.pinyin[pk]).ratio()
                    + 0.1 * (len(k) == len(key)) + self.importance(pk))

        scored = sorted(sharing, key=lambda k: (-score(k), k))
        return [self.short_names[k] for k in scored[:limit]]

    def close_pinyin(self, spelled, limit):
        """Places whose pinyin looks like the typed one (ningpo → 宁波): only spellings sharing its
        first letter are compared, the first ``CLOSE_KEY_CHARS * 2`` letters of it."""
        spelled = spelled[:CLOSE_KEY_CHARS * 2]
        candidates = [p for p in self.short_name_of_pinyin if p[0] == spelled[0]]
        close = difflib.get_close_matches(spelled, candidates, n=CLOSE_KEY_CANDIDATES, cutoff=0.7)

        def score(p):
            pk = self.short_names[self.short_name_of_pinyin[p]]
            return difflib.SequenceMatcher(None, spelled, p).ratio() + self.importance(pk)

        return [self.short_names[self.short_name_of_pinyin[p]] for p in sorted(close, key=lambda p: (-score(p), p))[:limit]]


# Each process keeps one, rebuilt at its next lookup after a place is edited anywhere (signals).
place_index = Versioned(PLACES_VERSION, PlaceIndex)


@dataclass
class PlaceSearch:
    text: str
    places: list
    namesakes: list    # found: other places answering to the same name

    @property
    def found(self):
        return self.places[0] if len(self.places) == 1 else None

    @functools.cached_property
    def suggestions(self):
        """None found: the places with names close to the text. Computed when asked for, so that
        a caller can first decide whether this client may have it (catalogue.ratelimit)."""
        if self.places or (self.text.isascii() and self.text.isdigit()):
            return []
        close = place_index.get().close_keys(self.text)
        by_pk = Place.objects.with_parents().in_bulk(close)
        return [by_pk[pk] for pk in close if pk in by_pk]


def find_place(text):
    """The places a typed name (or GB/T 2260 code) means: one, several to choose from, or none
    with suggestions."""
    text = (text or "").strip()
    if text.isascii() and text.isdigit():  # a GB/T 2260 code, 6 digits or the 12-digit form
        places = list(Place.objects.with_parents().filter(code=text[:6])) if len(text) in (6, 12) else []
        return PlaceSearch(text, places, [])
    index = place_index.get()
    pks = index.resolve(text)
    places = sorted(Place.objects.with_parents().filter(pk__in=pks), key=lambda p: p.code)
    if not places:
        return PlaceSearch(text, [], [])
    others = [pk for pk in index.all_named(gazetteer.lookup_key(text)) if pk not in pks]
    return PlaceSearch(text, places, list(Place.objects.with_parents().filter(pk__in=others)))


def places_named(text):
    """The places a search text is the name of, whole (东莞, 東莞市, dongguan, 北京市通州区), in code
    order; none for anything else (知识产权, 宁波 专利). Reads the database only when it is a name:
    the index is kept in memory."""
    text = (text or "").strip()
    key = gazetteer.lookup_key(text)
    if len(key) < 2 or len(text) > PLACE_NAME_MAX or key.isdigit():
        return []
    # Most searches are not place names: the index this process holds says so without a query.
    # (A name added since it was built is found once the process next rebuilds it.)
    held = place_index.last()
    if held is not None and not held.resolve(text):
        return []
    pks = place_index.get().resolve(text)
    if not pks:
        return []
    return sorted(Place.objects.with_parents().filter(pk__in=pks), key=lambda p: p.code)


def namesakes(place):
    """Other places that answer to this place's short name (西安市 → the two 西安区)."""
    index = place_index.get()
    others = [pk for pk in index.all_named(gazetteer.lookup_key(place.short_name)) if pk != place.pk]
    return list(Place.objects.with_parents().filter(pk__in=others))


@dataclass
class RegionMatch:
    """A region that applies to the place, and how: the whole place is in it, or part of it is."""

    region: object
    membership: object
    coverage: str  # "whole" | "part" | "unsettled"
    place: object = None  # the place asked about (the membership may be of a place containing it)
    parts: list = field(default_factory=list)  # "part": the region's members inside the place

    @property
    def named_after_member(self):
        """The region bears its member's name (合肥都市圈, 湖北武汉): that member is certainly in it,
        whatever remains to be confirmed about the rest of the region."""
        member = self.membership.place
        short = gazetteer.lookup_key(member.short_name)
        return (self.membership.kind == MembershipKind.MEMBER and len(short) >= 2
                and short in gazetteer.lookup_key(self.region.name))

    @property
    def is_member_itself(self):
        """The region is its one member (成都市, 湖北武汉 = 武汉市, 上海)."""
        core = [gazetteer.lookup_key(n) for n in self.region.composition.split("、") if n.strip()]
        member = self.membership.place
        return len(core) == 1 and core[0] in (gazetteer.lookup_key(member.name), gazetteer.lookup_key(member.short_name))

    @property
    def to_confirm(self):
        return self.membership.to_confirm and not self.named_after_member

    @property
    def basis(self):
        return localized(self.membership, "basis")

    @property
    def explanation(self):
        member = self.membership.place
        place = self.place or member
        region = self.region.name
        if self.coverage == "unsettled":
            if place.pk == member.pk:
                return _("%(region)s点名的核心是%(core)s；对%(place)s的其他地方，来源没有说明是否适用。") % {
                    "region": region, "core": self.region.composition, "place": member.name}
            return _("%(place)s位于%(province)s，但不在%(region)s点名的核心（%(core)s）之内；"
                     "对%(province)s的其他地方，来源没有说明是否适用。") % {
                "place": place.name, "province": member.name, "region": region, "core": self.region.composition}
        if self.coverage == "part":
            parts = self.parts or [member]
            return _("%(region)s只覆盖%(place)s的一部分：%(members)s。") % {
                "region": region, "place": place.name, "members": "、".join(p.full_label for p in parts)}
        if self.is_member_itself:
            why = _("%(member)s本身就是这一区域。") % {"member": member.full_label}
        elif self.named_after_member and self.membership.to_confirm:
            why = _("%(region)s以%(member)s命名，%(member)s必在其中；它的其余组成尚待核实。") % {
                "region": region, "member": member.name}
        elif self.named_after_member:
            why = _("%(region)s以%(member)s命名，%(member)s必在其中。") % {"region": region, "member": member.name}
        else:
            why = _("%(member)s属于%(region)s。") % {"member": member.full_label, "region": region}
        if place.pk == member.pk:
            return why
        return _("%(place)s位于%(member)s；%(why)s") % {"place": place.name, "member": member.full_label, "why": why}


COVERAGE_RANK = {"whole": 0, "part": 1, "unsettled": 2}


def region_matches(place):
    """Every region that covers ``place`` (or part of it, or may cover it), the strongest
    membership for each, in programme and region order."""
    chain = {place.pk, *(p.pk for p in place.ancestors)}
    matches = {}
    # Only memberships of the place, of what contains it, or of what it contains (the gazetteer
    # is three levels deep).
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
        if current is None or COVERAGE_RANK[coverage] < COVERAGE_RANK[current.coverage]:
            matches[membership.region_id] = current = RegionMatch(membership.region, membership, coverage, place)
        if coverage == "part" and current.coverage == "part":
            current.parts.append(member)  # 四川（成德绵） covers 成都、德阳、绵阳 of 四川省: all named
    return sorted(matches.values(), key=lambda m: (m.region.programme.position, m.region.position))
