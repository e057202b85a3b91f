"""Helpers that read the seed files directly, independently of the parser under test."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "fixtures" / "sources"
LIST_FILE = "000_58b910e9af42e5cf.txt"
APPROVAL_FILE = "004_d4bba65b7ace5609.txt"


def source_text(name):
    return (SOURCES / name).read_text(encoding="utf-8")


def region_paragraph(name, next_label):
    """The text after ``name:`` up to the next region's label (or the approval's title)."""
    body = source_text(APPROVAL_FILE)
    start = body.index(f"{name}:") + len(name) + 1
    end = body.index(next_label, start)
    return body[start:end].rstrip()
