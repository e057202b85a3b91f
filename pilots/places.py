"""Finding a place by any of its names, and which pilot regions cover it."""
import collections
import difflib
import functools
import heapq
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from catalogue.versions import Versioned

from . import gazetteer
from .models import Level, Membership, MembershipKind, Place

PLACES_VERSION = "places"
# What a misspelt name is compared with (PlaceIndex.close_keys): its first characters, against the
# short names sharing most of them.
CLOSE_KEY_CHARS = 12
CLOSE_KEY_CANDIDATES = 100


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
        """Places whose short name looks like the typed one: same characters, similar order.

        Bounded whatever is typed: only the first ``CLOSE_KEY_CHARS`` characters are compared
        (no short name is longer), candidates come from the names sharing a character with them
        (an index, not a scan), and only the ``CLOSE_KEY_CANDIDATES`` sharing the most are scored."""
        key = gazetteer.lookup_key(gazetteer.short_name(text))[:CLOSE_KEY_CHARS]
        if not key:
            return []
        shared = collections.Counter()
        for ch in set(key):
            shared.update(self.short_names_with.get(ch, ()))
        sharing = heapq.nlargest(CLOSE_KEY_CANDIDATES, shared, key=lambda k: (
            shared[k] + 0.3 * (k[0] == key[0]) + 0.1 * (len(k) == len(key))
            + 0.05 * (self.level[self.short_names[k]] != Level.COUNTY), k))
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
            matches[membership.region_id] = RegionMatch(membership.region, membership, coverage)
    return sorted(matches.values(), key=lambda m: (m.region.programme.position, m.region.position))
