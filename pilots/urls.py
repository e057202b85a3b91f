from django.urls import path

from . import views

app_name = "pilots"
urlpatterns = [
    path("pilots/", views.programme_list, name="programmes"),
    path("pilots/<slug:slug>/", views.programme_detail, name="programme"),
    path("regions/<slug:slug>/", views.region_detail, name="region"),
    path("places/", views.place_lookup, name="lookup"),
    path("places/<str:code>/", views.place_detail, name="place"),
]
