from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "目录"

    def ready(self):
        from . import lookups  # noqa: F401  (registers ``__among``)
