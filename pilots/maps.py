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
                layer.marks.append(Mark(*project(place.longitude, place.latitude), place))
    return [layers[r.pk] for r in regions if r.pk in layers]
