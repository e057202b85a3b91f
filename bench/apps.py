from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Synthetic catalogues and the benchmark: installed by the dev and test settings only."""

    name = "bench"
    verbose_name = "测量"
