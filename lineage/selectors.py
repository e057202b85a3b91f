"""Reading a measure's line: its accepted links, both directions, as its page and the API show them."""
from typing import NamedTuple

from .models import Kind, MeasureLink

KIND_ORDER = {kind: position for position, kind in enumerate(Kind.values)}


class LineEntry(NamedTuple):
    label: str  # the kind, read from this measure's side (推广自 / 推广为 …)
    role: str  # which end of the link this measure is: "source" or "target"
    link: MeasureLink
    other: object  # the measure at the other end, with its document


def measure_line(measure_id):
    """The accepted links of a measure, in one query: by kind, then the other measure's place in
    the catalogue."""
    links = MeasureLink.objects.accepted().touching(measure_id).with_measures()
    entries = [LineEntry(link.label_from(measure_id), "source" if link.source_id == measure_id else "target",
                         link, link.other_end(measure_id)) for link in links]
    return sorted(entries, key=lambda e: (KIND_ORDER[e.link.kind], e.role, e.other.source_order))
