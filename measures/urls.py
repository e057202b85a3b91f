from django.urls import path

from . import views

app_name = "measures"
urlpatterns = [
    path("", views.home, name="home"),
    path("measures/", views.measure_list, name="list"),
    path("measures/<int:pk>/", views.measure_detail, name="detail"),
    path("measures/export.<str:fmt>", views.measure_export, name="export"),
    path("documents/<slug:slug>/", views.document_detail, name="document"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("departments/", views.department_list, name="departments"),
    path("departments/<slug:slug>/", views.department_detail, name="department"),
]
