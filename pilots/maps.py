"""A map drawn from the gazetteer's own coordinates: an SVG, no tiles, no script."""
from dataclasses import dataclass, field

from .models import Level, Membership, MembershipKind, Place

# Equirectangular over mainland China and its islands; latitude stretched a little (cos 35°).
WEST, EAST, SOUTH, NORTH = 73.0, 135.5, 17.5, 54.0
WIDTH = 1000
HEIGHT = round(WIDTH * (NORTH - SOUTH) / ((EAST - WEST) * 0.82))


def project(longitude, latitude):
    x = (longitude - WEST) / (EAST - WEST) * WIDTH
    y = (NORTH - latitude) / (NORTH - SOUTH) * HEIGHT
    return round(x, 1), round(y, 1)


@dataclass
class Mark:
    x: float
    y: float
    place: Place
    member: Place = None  # the place the membership names, when the mark is one of its prefectures


@dataclass
class RegionLayer:
    region: object
    marks: list = field(default_factory=list)
    css: str = ""
    radius: int = 6

    @property
    def label_at(self):
        return self.marks[0] if self.marks else None


def background():
    """Every province and prefecture as a faint dot: enough to show the country's shape."""
    places = Place.objects.exclude(level=Level.COUNTY).exclude(longitude=None)
    return [Mark(*project(p.longitude, p.latitude), p) for p in places.only("longitude", "latitude", "name", "code")]


def _places_of(membership, prefectures_by_province):
    place = membership.place
    if place.level == Level.PROVINCE and prefectures_by_province.get(place.pk):
        return prefectures_by_province[place.pk]  # a whole province: all its prefectures
    return [place]


def region_layers(regions):
    memberships = Membership.objects.filter(region__in=regions, kind=MembershipKind.MEMBER).select_related(
        "place", "region__programme"
    )
    prefectures = {}
    for p in Place.objects.filter(level=Level.PREFECTURE).exclude(longitude=None):
        prefectures.setdefault(p.parent_id, []).append(p)
    layers = {}
    for membership in memberships:
        region = membership.region
        # The first programme's areas are drawn larger and first, so a city in both (东莞: 珠三角
        # and the Greater Bay Area) shows as a ring around a dot rather than one hiding the other.
        layer = layers.setdefault(region.pk, RegionLayer(
            region, css=f"programme-{region.programme.position}", radius=9 if region.programme.position == 1 else 5,
        ))
        for place in _places_of(membership, prefectures):
            if place.longitude is not None:
                layer.marks.append(Mark(*project(place.longitude, place.latitude), place, membership.place))
    return [layers[r.pk] for r in regions if r.pk in layers]


# --- labels -------------------------------------------------------------------------------------
#
# Regions are named at the middle of their places, in larger type, before anything else; then each
# place a region's membership names (the cities staff look for), beside its dot. A label goes to
# the first of eight spots around its point where it overlaps no label already placed, and is left
# out where none is free: the list beside the map names every place, so the map never has to.

REGION_FONT = 15
PLACE_FONT = 11


@dataclass
class Label:
    x: float
    y: float
    text: str
    css: str
    anchor: str = "start"


def _box(x, y, text, font, anchor):
    width = font * len(text) + 2
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return left, y - font, left + width, y + 3


def _overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _spots(x, y, gap, font):
    if not gap:  # a region's name: centred on the middle of its places, else just above or below
        yield x, y + font * 0.35, "middle"
        yield x, y - font, "middle"
        yield x, y + font * 1.7, "middle"
        return
    yield x + gap, y + font * 0.35, "start"
    yield x - gap, y + font * 0.35, "end"
    yield x, y - gap, "middle"
    yield x, y + gap + font, "middle"
    yield x + gap * 0.7, y - gap * 0.7, "start"
    yield x + gap * 0.7, y + gap * 0.7 + font * 0.7, "start"
    yield x - gap * 0.7, y - gap * 0.7, "end"
    yield x - gap * 0.7, y + gap * 0.7 + font * 0.7, "end"


def layer_places(layer):
    """The places the region's memberships name (not the prefectures a province stands for), once each."""
    seen = {}
    for mark in layer.marks:
        place = getattr(mark, "member", None) or mark.place
        seen.setdefault(place.pk, place)
    return list(seen.values())


def labels(layers, region_names=True):
    placed, boxes = [], []

    def place_label(x, y, text, font, css, gap):
        for lx, ly, anchor in _spots(x, y, gap, font):
            box = _box(lx, ly, text, font, anchor)
            inside = box[0] >= 0 and box[2] <= WIDTH and box[1] >= 0 and box[3] <= HEIGHT
            if inside and not any(_overlaps(box, other) for other in boxes):
                boxes.append(box)
                placed.append(Label(round(lx, 1), round(ly, 1), text, css, anchor))
                return

    if region_names:
        for layer in layers:
            if layer.marks:
                x = sum(m.x for m in layer.marks) / len(layer.marks)
                y = sum(m.y for m in layer.marks) / len(layer.marks)
                place_label(x, y, layer.region.name, REGION_FONT, f"region-label {layer.css}", 0)
    named = set()
    for layer in layers:
        for place in layer_places(layer):
            if place.pk in named or place.longitude is None:
                continue
            named.add(place.pk)
            x, y = project(place.longitude, place.latitude)
            place_label(x, y, place.short_name or place.name, PLACE_FONT, "place-label", layer.radius + 3)
    return placed
