"""Measures as the API gives them (``schemas.Measure``), built from value rows by key: the list
reads a page of them, a city's answer hundreds, and neither needs model instances."""
from typing import NamedTuple

from django.urls import reverse

from catalogue.search import backend_for
from measures import search
from measures.models import Document, Measure, Scope, ordered_departments_of, scope_label_of
from measures import validity
from pilots.models import Programme, Region


class Named(NamedTuple):
    name: str
    position: int = 0
    names: tuple = ()  # every name it answers to


COLUMNS = ("pk", "title", "number", "text", "document__slug", "document__title", "category__name",
           "departments_as_written", "scope", "scope_as_written", "region_id", "scope_programme_id")
# What a measure's status is worked out from (measures.validity), read in the same query.
DOCUMENT_COLUMNS = ("document_id", *(f"document__{field}" for field in validity.FIELDS),
                    "document__superseded_by__slug", "document__superseded_by__title")


def status_payload(document, on=None):
    """``schemas.Validity`` for ``document`` on the day ``on`` (today)."""
    status = validity.validity_of(document, on)
    replacement = status.superseded_by
    return {
        "code": status.code,
        "label": status.label,
        "expires_on": status.expires_on,
        "basis": status.basis,
        "superseded_by": {"slug": replacement.slug, "title": replacement.title} if replacement else None,
    }


def statuses(rows):
    """``{document pk: status payload}`` for the documents of value ``rows`` (COLUMNS, then
    DOCUMENT_COLUMNS), each worked out once, all for the same day."""
    on, found = validity.today(), {}
    for row in rows:
        document_id, *fields, replacement_slug, replacement_title = row[len(COLUMNS):]
        if document_id in found:
            continue
        document = Document(pk=document_id, title=row[COLUMNS.index("document__title")],
                            **dict(zip(validity.FIELDS, fields)))
        if document.superseded_by_id:
            document.superseded_by = Document(pk=document.superseded_by_id, slug=replacement_slug,
                                              title=replacement_title)
        found[document_id] = status_payload(document, on)
    return found


def measure_url(request):
    """``pk → absolute URL of the measure``, the URL pattern reversed once."""
    # "/measures/0/" → ("http://host/measures/", "/"): the pk is the pattern's only number
    before, after = request.build_absolute_uri(reverse("measures:detail", args=[0])).rsplit("0", 1)
    return lambda pk: f"{before}{pk}{after}"


def measure_payloads(request, keys, parsed=None):
    """``{pk: payload}`` for the measures with these keys (those that still exist), with the
    matches of ``parsed`` marked."""
    backend = backend_for(Measure)
    rows = list(backend.by_keys(Measure.objects.all(), keys).values_list(*COLUMNS, *DOCUMENT_COLUMNS))
    if not rows:
        return {}
    status_of = statuses(rows)
    departments = {}
    links = backend.by_keys(Measure.departments.through.objects.all(), [row[0] for row in rows], "measure_id")
    for measure_id, name, position, full_name, aliases in links.values_list(
            "measure_id", "department__name", "department__position", "department__full_name", "department__aliases"):
        departments.setdefault(measure_id, []).append(Named(name, position, (name, full_name, *aliases)))
    regions, programme_regions = {}, {}
    for region in Region.objects.only("name", "programme_id"):  # in the regions' order
        regions[region.pk] = region
        programme_regions.setdefault(region.programme_id, []).append(region)
    programmes = Programme.objects.only("name").in_bulk()
    url_of = measure_url(request)
    plains = search.plain_texts([row[0] for row in rows if search.needs_names(parsed, row[1], row[3])])
    payloads = {}
    for row in rows:
        (pk, title, number, text, document_slug, document_title, category, as_written, scope, scope_as_written,
         region_id, programme_id), document_id = row[:len(COLUMNS)], row[len(COLUMNS)]
        region = regions[region_id] if scope == Scope.REGION else None
        programme = programmes[programme_id] if scope == Scope.PROGRAMME else None
        title_highlight, highlight = search.highlighted(title, text, parsed)
        via = search.matched_via(parsed, *plains.get(pk, ("", None)))
        if via:
            programme_names = [programme.name, *(r.name for r in programme_regions.get(programme_id, []))] \
                if programme else []
            shown = search.display_names([(d.name, d.names) for d in departments.get(pk, ())],
                                         [category, region.name if region else "", *programme_names, scope_as_written])
            via = list(dict.fromkeys(shown.get(line, line) for line in via))
        payloads[pk] = {
            "id": pk,
            "url": url_of(pk),
            "title": title,
            "number": number,
            "text": text,
            "document": {"slug": document_slug, "title": document_title},
            "category": category,
            "departments": [d.name for d in ordered_departments_of(departments.get(pk, ()), as_written)],
            "scope": scope,
            "scope_label": scope_label_of(scope, scope_as_written, region=region, programme=programme),
            "regions": [r.name for r in ([region] if region else programme_regions.get(programme_id, []) if programme
                                         else [])],
            "highlight": str(highlight) if highlight else None,
            "title_highlight": str(title_highlight) if title_highlight else None,
            "matched_via": via,
            "status": status_of[document_id],
        }
    return payloads
