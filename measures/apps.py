from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "改革举措"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
