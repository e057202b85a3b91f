from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "改革举措"

    def ready(self):
        from . import signals

        post_migrate.connect(signals.prepare_search_index, sender=self)
