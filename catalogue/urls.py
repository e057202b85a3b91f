"""The root URLconf. Apps are included by name: the project package sits on the bottom floor and
imports none of the apps above it (see the contract in pyproject.toml)."""
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("about/", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("measures.urls")),
    path("", include("lookup.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "catalogue.views.bad_request"
handler404 = "catalogue.views.page_not_found"
handler500 = "catalogue.views.server_error"
