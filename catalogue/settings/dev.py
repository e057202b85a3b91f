from .base import *  # noqa: F401,F403
import os

DEBUG = os.environ.get("DEBUG", "1") == "1"
