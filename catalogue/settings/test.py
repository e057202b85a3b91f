from .base import *  # noqa: F401,F403
from .base import INSTALLED_APPS

# Real 404/400 pages, as users see them, not Django's debug pages.
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
# Tasks run where they are enqueued, inside the test's transaction; tests/test_worker.py runs the
# real queue and worker against a database of its own.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
