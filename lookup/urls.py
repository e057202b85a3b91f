from django.urls import path, register_converter

from . import feeds, views

class PlaceCode:
    """A GB/T 2260 code: six digits. Anything else is not a place page (a plain 404)."""

    regex = "[0-9]{6}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(PlaceCode, "code")

app_name = "lookup"
urlpatterns = [
    path("pilots/", views.programme_list, name="programmes"),
    path("map/", views.pilots_map, name="map"),
    path("pilots/<slug:slug>/", views.programme_detail, name="programme"),
    path("regions/<slug:slug>/", views.region_detail, name="region"),
    path("regions/<slug:slug>/feed/", feeds.RegionFeed(), name="region_feed"),
    path("places/", views.place_lookup, name="lookup"),
    path("places/<code:code>/", views.place_detail, name="place"),
    path("places/<code:code>/briefing.<str:fmt>", views.place_briefing, name="place_briefing"),
    path("places/<code:code>/feed/", feeds.PlaceFeed(), name="place_feed"),
    path("compare/", views.compare_places, name="compare"),
    path("compare/export.xlsx", views.compare_export, name="compare_export"),
    path("themes/", views.theme_matrix, name="themes"),
]
