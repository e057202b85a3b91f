"""The JSON API: the list page's FilterSet and search, as data for integrators."""
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404
from django.urls import reverse

from catalogue.jsonapi import json_response
from catalogue.pagination import paginate

from . import search
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
    return {
        "id": measure.pk,
        "url": _absolute_measure_url(request, measure.pk),
        "title": measure.title,
        "number": measure.number,
        "text": measure.text,
        "document": {"slug": measure.document.slug, "title": measure.document.title},
        "category": measure.category.name if measure.category_id else None,
        "departments": [d.name for d in measure.ordered_departments],
        "scope": measure.scope,
        "scope_label": measure.scope_label,
        "regions": [region.name for region in measure.scope_regions],
        "highlight": str(measure.highlight) if getattr(measure, "highlight", None) else None,
        "title_highlight": str(measure.title_highlight) if getattr(measure, "title_highlight", None) else None,
    }


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
