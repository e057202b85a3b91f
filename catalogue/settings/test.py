from .base import *  # noqa: F401,F403

# Real 404/400 pages, as users see them, not Django's debug pages.
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
