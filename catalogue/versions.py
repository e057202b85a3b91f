"""Values a process builds once from the database and keeps (the place index, the search
dictionary), each tied to a version stored in the database: an edit in any process bumps the
version, and every process rebuilds its copy at its next request."""
import threading

from django.db import transaction
from django.db.models import F

from .models import CacheVersion


def current(name):
    return CacheVersion.objects.filter(name=name).values_list("version", flat=True).first() or 0


def bump(name):
    """Mark what is kept under ``name`` stale, for every process (after this transaction commits)."""
    with transaction.atomic():
        if not CacheVersion.objects.filter(name=name).update(version=F("version") + 1):
            CacheVersion.objects.get_or_create(name=name, defaults={"version": 1})


class Versioned:
    """``get()`` gives ``build()``'s value for the version stored under ``name``, built again
    when the version moves."""

    def __init__(self, name, build):
        self.name = name
        self.build = build
        self._lock = threading.Lock()
        self._kept = None  # (version, value)

    def get(self):
        version = current(self.name)
        with self._lock:
            if self._kept is None or self._kept[0] != version:
                self._kept = (version, self.build())
            return self._kept[1]


    def last(self):
        """The value built last, without asking the database whether it is current (None before
        the first build): a free first look, for a caller that confirms with ``get()`` before
        relying on what it finds."""
        kept = self._kept
        return kept[1] if kept is not None else None
