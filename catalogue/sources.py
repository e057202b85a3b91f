"""The files the catalogue is built from: seed texts and the curated reference facts."""
import tomllib
from pathlib import Path

from django.conf import settings

FACTS_FILE = "facts.toml"


class SourceFormatError(ValueError):
    """A source is not shaped as its parser expects; nothing is written."""


def read_facts(reference_dir=None):
    path = Path(reference_dir or settings.REFERENCE_DIR) / FACTS_FILE
    with path.open("rb") as fh:
        return tomllib.load(fh)


def read_source(name, sources_dir=None):
    return (Path(sources_dir or settings.SOURCES_DIR) / name).read_text(encoding="utf-8")
