from django.apps import AppConfig


class PilotsConfig(AppConfig):
    name = "pilots"
    verbose_name = "试点与地区"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
