"""What the catalogue received lately: documents and measures together, newest added first."""
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Value
from django.utils import timezone

from .models import Document, Measure


def added_entries():
    """``(added_at, kind, pk)`` of every document and measure, newest first, as one query: a page
    of it is one read, whatever the two tables hold."""
    documents = Document.objects.order_by().annotate(kind=Value("document")).values_list("added_at", "kind", "pk")
    measures = Measure.objects.order_by().annotate(kind=Value("measure")).values_list("added_at", "kind", "pk")
    # Documents first among rows added at the same instant: a document comes with its measures.
    return documents.union(measures, all=True).order_by("-added_at", "kind", "-pk")


def load(rows):
    """The documents and measures ``rows`` name, as model instances in the rows' order."""
    wanted = {"document": [], "measure": []}
    for _, kind, pk in rows:
        wanted[kind].append(pk)
    found = {("document", d.pk): d for d in Document.objects.filter(pk__in=wanted["document"])}
    found |= {("measure", m.pk): m for m in Measure.objects.with_related().filter(pk__in=wanted["measure"])}
    return [found[(kind, pk)] for _, kind, pk in rows if (kind, pk) in found]  # (unless deleted meanwhile)


def newest_added_entries(count):
    return load(list(added_entries()[:count]))


@dataclass
class Day:
    day: date
    documents: list = field(default_factory=list)
    measures: list = field(default_factory=list)


def by_day(entries):
    """``entries`` (newest first) grouped by the local day they were added on."""
    days = []
    for entry in entries:
        day = timezone.localdate(entry.added_at)
        if not days or days[-1].day != day:
            days.append(Day(day))
        (days[-1].documents if isinstance(entry, Document) else days[-1].measures).append(entry)
    return days
