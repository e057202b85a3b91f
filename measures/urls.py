from django.urls import path

from . import feeds, views

app_name = "measures"
urlpatterns = [
    path("", views.home, name="home"),
    path("measures/", views.measure_list, name="list"),
    path("measures/<int:pk>/", views.measure_detail, name="detail"),
    path("measures/export.<str:fmt>", views.measure_export, name="export"),
    path("measures/briefing.<str:fmt>", views.measure_briefing, name="briefing"),
    path("documents/<slug:slug>/", views.document_detail, name="document"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("departments/", views.department_list, name="departments"),
    path("departments/<slug:slug>/", views.department_detail, name="department"),
    path("departments/<slug:slug>/feed/", feeds.DepartmentFeed(), name="department_feed"),
    path("measures/feed/", feeds.MeasureListFeed(), name="feed"),
    path("new/", views.whats_new, name="new"),
    path("new/feed/", feeds.WhatsNewFeed(), name="new_feed"),
]
