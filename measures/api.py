"""The JSON API: the list page's FilterSet and search, as data for integrators."""
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404
from django.urls import reverse

from catalogue.jsonapi import json_response
from catalogue.pagination import paginate

from . import search
from .models import Category, Department, Document, Measure, Scope, ordered_departments_of, scope_label_of
from .views import filtered_measures, sort_of

API_PAGE_SIZE = 20


def _absolute_measure_url(request, pk):
    """``build_absolute_uri(measure.get_absolute_url())``, reversed once per request rather than
    once per measure: a city's answer lists hundreds, and reversing was half of their cost."""
    template = getattr(request, "_measure_url_template", None)
    if template is None:
        # "/measures/0/" → ("http://host/measures/", "/"): the pk is the pattern's only number
        template = request._measure_url_template = request.build_absolute_uri(
            reverse("measures:detail", args=[0])).rsplit("0", 1)
    return f"{template[0]}{pk}{template[1]}"


def measure_json(request, measure):
    """One measure, as /api/measures/ and /api/applies/ return it."""
    return _measure_shape(
        request, measure.pk, measure.title, measure.number, measure.text,
        document=measure.document, category=measure.category.name if measure.category_id else None,
        departments=measure.ordered_departments, scope=measure.scope, scope_label=measure.scope_label,
        regions=measure.scope_regions, highlight=measure.highlight, title_highlight=measure.title_highlight,
    )


def _measure_shape(request, pk, title, number, text, *, document, category, departments, scope, scope_label,
                   regions, highlight=None, title_highlight=None):
    return {
        "id": pk,
        "url": _absolute_measure_url(request, pk),
        "title": title,
        "number": number,
        "text": text,
        "document": {"slug": document.slug, "title": document.title},
        "category": category,
        "departments": [d.name for d in departments],
        "scope": scope,
        "scope_label": scope_label,
        "regions": [region.name for region in regions],
        "highlight": str(highlight) if highlight else None,
        "title_highlight": str(title_highlight) if title_highlight else None,
    }


def measures_json(request, keys):
    """``measure_json`` of the measures with these keys, by key, read as value rows: a city's
    answer lists hundreds, and model instances with their prefetches were most of its time
    (600 measures, same machine: 85 ms as instances, 47 as rows, half of which is the two
    queries). The few documents and categories, and the vocabulary tables (departments,
    regions, programmes), are read once."""
    from pilots.models import Programme, Region

    columns = ("pk", "title", "number", "text", "document_id", "category_id", "departments_as_written",
               "scope", "scope_as_written", "region_id", "scope_programme_id")
    rows = list(Measure.objects.filter(pk__among=keys).values_list(*columns))
    if not rows:
        return {}
    documents = Document.objects.only("slug", "title").in_bulk({row[4] for row in rows})
    categories = dict(Category.objects.filter(pk__in={row[5] for row in rows}).values_list("pk", "name"))
    departments = Department.objects.only("name", "position").in_bulk()
    links = {}
    for measure_id, department_id in Measure.departments.through.objects.filter(
            measure_id__among=[row[0] for row in rows]).values_list("measure_id", "department_id"):
        if department_id in departments:  # (unless added since it was read)
            links.setdefault(measure_id, []).append(departments[department_id])
    regions, programme_regions = {}, {}
    for region in Region.objects.only("name", "programme_id"):  # in the regions' order
        regions[region.pk] = region
        programme_regions.setdefault(region.programme_id, []).append(region)
    programmes = Programme.objects.only("name").in_bulk()
    shapes = {}
    for pk, title, number, text, document_id, category_id, as_written, scope, scope_as_written, region_id, programme_id in rows:
        region = regions[region_id] if scope == Scope.REGION else None
        programme = programmes[programme_id] if scope == Scope.PROGRAMME else None
        shapes[pk] = _measure_shape(
            request, pk, title, number, text, document=documents[document_id], category=categories.get(category_id),
            departments=ordered_departments_of(links.get(pk, ()), as_written), scope=scope,
            scope_label=scope_label_of(scope, scope_as_written, region=region, programme=programme),
            regions=[region] if region else programme_regions.get(programme_id, []) if programme else [],
        )
    return shapes


def _page_url(request, number):
    params = request.GET.copy()
    params["page"] = number
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def measures(request):
    results = filtered_measures(request.GET)
    filterset, queryset, parsed = results.filterset, results.queryset, results.parsed
    if queryset is None:
        return json_response({"error": filterset.error_message(), "fields": {
            name: [str(e) for e in errors] for name, errors in filterset.errors.items()
        }}, status=400)
    try:
        page = paginate(request, queryset, getattr(settings, "API_PAGE_SIZE", API_PAGE_SIZE), count=results.count)
    except BadRequest as exc:
        return json_response({"error": str(exc)}, status=400)
    except Http404 as exc:
        return json_response({"error": str(exc)}, status=404)
    shown = search.attach_highlights(page.object_list, parsed)
    return json_response({
        "count": page.paginator.shown_count,
        "count_is_exact": page.paginator.count_is_exact,
        "order": "relevance" if results.ranked else ("source, too many matches to rank" if results.too_many_to_rank
                                                     else sort_of(filterset, parsed)),
        "next": _page_url(request, page.next_page_number()) if page.has_next() else None,
        "previous": _page_url(request, page.previous_page_number()) if page.has_previous() else None,
        "results": [measure_json(request, m) for m in shown],
    })
