import os

from .base import *  # noqa: F401,F403
from .base import INSTALLED_APPS

DEBUG = os.environ.get("DEBUG", "1") == "1"
# Synthetic data, the benchmark and its reference views: for measuring, never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
