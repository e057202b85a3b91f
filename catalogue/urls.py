from django.contrib import admin
from django.urls import include, path

from measures import api as measures_api
from pilots import views as pilots_views

from . import api_schema, views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("", include("measures.urls")),
    path("", include("pilots.urls")),
    path("api/measures/", measures_api.measures, name="api-measures"),
    path("api/applies/", pilots_views.applies_api, name="api-applies"),
    path("api/schema/", api_schema.schema, name="api-schema"),
    path("admin/", admin.site.urls),
]

handler400 = "catalogue.views.bad_request"
handler404 = "catalogue.views.page_not_found"
handler500 = "catalogue.views.server_error"
