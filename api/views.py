"""The JSON API: the list page's filters and search, and "what applies to my city", for integrators.
The shapes are ``schemas``; django-ninja checks each response against them and generates the
OpenAPI description at /api/schema/."""
from django.conf import settings
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Status
from ninja.errors import ValidationError
from ninja.renderers import BaseRenderer

from catalogue.i18n import localized
from catalogue import jsonapi
from catalogue.pagination import paginate
from catalogue.ratelimit import retry_after, too_many_requests
from catalogue.shortcuts import Invalid, NotFound
from lineage.selectors import measure_line
from lookup import compare, themes
from lookup.selectors import applies_to
from lookup.views import MAX_PLACE_LENGTH, place_text, place_texts, too_long
from measures.filters import MeasureFilterSet
from measures.models import Category, Department, Document, Measure
from measures.selectors import filtered_measures
from pilots.models import Region
from pilots.places import find_place

from . import schemas
from .payloads import measure_payloads, measure_url


class Renderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return jsonapi.dumps(data)


class CatalogueAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The generated description, with the identifiers each filter accepts listed from the
        database, so that it says exactly which values are valid. A query parameter is absent
        or a string, never null: its ``anyOf [type, null]`` is the type."""
        schema = super().get_openapi_schema(**kwargs)
        for path in schema["paths"].values():
            for parameter in path["get"]["parameters"]:
                variants = [v for v in parameter["schema"].pop("anyOf", []) if v.get("type") != "null"]
                if len(variants) == 1:
                    parameter["schema"].update(variants[0])
        enums = {
            "document": list(Document.objects.values_list("slug", flat=True)),
            "category": list(Category.objects.values_list("slug", flat=True)),
            "department": list(Department.objects.values_list("slug", flat=True)),
            "region": list(Region.objects.values_list("slug", flat=True)),
        }
        for parameter in schema["paths"]["/api/measures/"]["get"]["parameters"]:
            if parameter["name"] in enums:
                target = parameter["schema"]
                target = target.get("items", target)
                target.update({"type": "string", "enum": enums[parameter["name"]]})
        return schema


api = CatalogueAPI(
    title="改革举措目录 API", version="1", urls_namespace="api", renderer=Renderer(),
    openapi_url="/schema/", docs_url=None,
)


@api.exception_handler(ValidationError)
def invalid_parameters(request, exc):
    """A parameter the description rules out: 400, with the message a user would get."""
    fields = {str(error["loc"][-1]) for error in exc.errors}
    if request.resolver_match.url_name == "applies":
        return api.create_response(request, {"error": _("请提供地名或行政区划代码：?place=宁波")}, status=400)
    filterset = MeasureFilterSet(request.GET, queryset=Measure.objects.all())
    if not filterset.is_valid():
        return filters_invalid(request, filterset)
    message = _("页码必须是正整数。") if "page" in fields else _("请求无效。")
    return api.create_response(request, {"error": message}, status=400)


@api.exception_handler(Invalid)
def invalid(request, exc):
    return api.create_response(request, {"error": str(exc.user_message)}, status=400)


@api.exception_handler(NotFound)
def not_found(request, exc):
    return api.create_response(request, {"error": str(exc.user_message)}, status=404)


def filters_invalid(request, filterset):
    return api.create_response(request, {"error": filterset.error_message(), "fields": {
        name: [str(e) for e in errors] for name, errors in filterset.errors.items()
    }}, status=400)


def _page_url(request, number):
    params = request.GET.copy()
    params["page"] = number
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


@api.get("/measures/", url_name="measures", summary="Measures, filtered and searched as on the list page",
         response={200: schemas.MeasurePage, 400: schemas.FilterError, 404: schemas.Error})
def measures(request, filters: Query[schemas.MeasureFilters]):
    # The FilterSet reads the query string itself (``filters`` documents it): one reading for
    # the page, the exports and the API.
    results = filtered_measures(request.GET, queryset=Measure.objects.only("pk"))
    if results.queryset is None:
        return filters_invalid(request, results.filterset)
    page = paginate(request, results.queryset, settings.API_PAGE_SIZE, count=results.count)
    keys = [measure.pk for measure in page.object_list]
    payloads = measure_payloads(request, keys, results.parsed)
    return Status(200, {
        "count": page.paginator.shown_count,
        "count_is_exact": page.paginator.count_is_exact,
        "order": results.order,
        "next": _page_url(request, page.next_page_number()) if page.has_next() else None,
        "previous": _page_url(request, page.previous_page_number()) if page.has_previous() else None,
        "results": [payloads[key] for key in keys if key in payloads],
    })


def _place(place):
    return {"code": place.code, "name": place.name, "province": place.province.name,
            "full_name": place.full_label, "level": place.level}


@api.get("/applies/", url_name="applies",
         summary="What applies to a place: nationwide measures, through reform areas and pilot regions, and "
                 "measures naming it",
         response={200: schemas.Applies, 300: schemas.Ambiguous, 400: schemas.Error, 404: schemas.UnknownPlace,
                   429: schemas.Error})
def applies(request, query: Query[schemas.PlaceQuery]):
    text = place_text(request)
    if not text:
        return Status(400, {"error": _("请提供地名或行政区划代码：?place=宁波")})
    if len(text) > MAX_PLACE_LENGTH:
        return Status(400, {"error": too_long()})
    result = find_place(text)
    if len(result.places) > 1:
        return Status(300, {"error": _("“%(name)s”对应多个地方，请选择一个。") % {"name": text},
                     "candidates": [_place(p) for p in result.places]})
    if not result.found:
        wait = retry_after(request, "place_guess")
        if wait is not None:
            return too_many_requests(request, wait)
        return Status(404, {"error": _("没有找到地名“%(name)s”。") % {"name": text},
                     "suggestions": [_place(p) for p in result.suggestions]})
    applicability = applies_to(result.found)
    reasons = applicability.measure_reasons()
    payloads = measure_payloads(request, [pk for pk, _groups in reasons])
    measures = []
    for pk, groups in reasons:
        if pk not in payloads:
            continue  # deleted since the groups were read
        measures.append({**payloads[pk], "reason": groups[0].reason, "reason_kind": groups[0].kind,
                         "reasons": [{"kind": g.kind, "reason": g.reason} for g in groups]})
    return Status(200, {
        "place": _place(result.found),
        "also_named": [_place(p) for p in result.namesakes],
        "regions": [{
            "name": m.region.name, "slug": m.region.slug, "programme": m.region.programme.name,
            "basis": localized(m.membership, "basis"), "coverage": m.coverage,
            "to_confirm": m.membership.to_confirm, "explanation": m.explanation,
        } for m in applicability.regions],
        "groups": [{"kind": g.kind, "title": g.title, "reason": g.reason, "count": g.count,
                    "count_is_exact": g.count_is_exact, "listed": len(g.keys),
                    "list_url": request.build_absolute_uri(g.list_url) if g.list_url else None}
                   for g in applicability.groups],
        "measures": measures,
    })


@api.get("/measures/{int:id}/links/", url_name="measure_links",
         summary="A measure's line: the links curators accepted, both directions, each with its basis",
         response={200: schemas.MeasureLine, 404: schemas.Error})
def measure_links(request, id: int):
    if not Measure.objects.filter(pk=id).exists():
        raise NotFound(_("没有这项举措。"))
    url_of = measure_url(request)
    return Status(200, {"id": id, "links": [{
        "kind": entry.link.kind,
        "role": entry.role,
        "label": str(entry.label),
        "basis": localized(entry.link, "basis"),
        "measure": {
            "id": entry.other.pk, "url": url_of(entry.other.pk), "title": entry.other.title,
            "number": entry.other.number,
            "document": {"slug": entry.other.document.slug, "title": entry.other.document.title},
            "region": entry.other.region.name if entry.other.region else None,
        },
    } for entry in measure_line(id)]})


# --- comparing places --------------------------------------------------------------------------

def _ambiguous_names(resolution):
    return [{"place": u.text, "index": u.index, "candidates": [_place(p) for p in u.search.places]}
            for u in resolution.ambiguous]


def _named(unresolved):
    return "”、“".join(u.text for u in unresolved)


@api.get("/compare/", url_name="compare",
         summary="Compare 2–4 places: the measures that apply to all of them, and to some only, each with why",
         response={200: schemas.Comparison, 300: schemas.CompareAmbiguous, 400: schemas.Error,
                   404: schemas.CompareUnknown, 429: schemas.Error})
def compared(request, query: Query[schemas.CompareQuery]):
    resolution = compare.resolve(place_texts(request), MAX_PLACE_LENGTH)
    if resolution.error:
        return Status(400, {"error": resolution.error})
    if resolution.unknown:
        wait = retry_after(request, "place_guess")
        if wait is not None:
            return too_many_requests(request, wait)
        return Status(404, {
            "error": _("没有找到地名“%(name)s”。") % {"name": _named(resolution.unknown)},
            "unknown": [{"place": u.text, "index": u.index, "suggestions": [_place(p) for p in u.search.suggestions]}
                        for u in resolution.unknown],
            "ambiguous": _ambiguous_names(resolution),
        })
    if resolution.ambiguous:
        return Status(300, {"error": _("“%(name)s”对应多个地方，请选择一个。") % {"name": _named(resolution.ambiguous)},
                            "ambiguous": _ambiguous_names(resolution)})
    comparison = compare.compare(resolution.places)
    payloads = measure_payloads(request, comparison.keys())

    def reasons(groups):
        return [{"kind": g.kind, "reason": g.reason} for g in groups]

    shared = [{**payloads[pk], "reasons": {side.place.code: reasons(side.reasons[pk]) for side in comparison.sides}}
              for section in comparison.shared for pk in section.keys if pk in payloads]
    only = {}
    for side in comparison.sides:
        only[side.place.code] = [{
            **payloads[pk], "reason": side.reasons[pk][0].reason, "reason_kind": side.reasons[pk][0].kind,
            "reasons": reasons(side.reasons[pk]), "also_applies_to": [p.code for p in section.also.get(pk, [])],
        } for section in side.own for pk in section.keys if pk in payloads]
    return Status(200, {
        "places": [{**_place(side.place), "regions": [_region_match(m) for m in side.regions]}
                   for side in comparison.sides],
        "shared": shared,
        "only": only,
        "complete": comparison.complete,
    })


def _region_match(m):
    return {"name": m.region.name, "slug": m.region.slug, "programme": m.region.programme.name,
            "basis": localized(m.membership, "basis"), "coverage": m.coverage,
            "to_confirm": m.membership.to_confirm, "explanation": m.explanation}


# --- a theme across a programme's regions ------------------------------------------------------

@api.get("/themes/", url_name="themes",
         summary="A theme across a programme's pilot regions: each region's matching tasks, with the figures they state",
         response={200: schemas.Theme, 400: schemas.Error, 404: schemas.Error})
def theme(request, query: Query[schemas.ThemeQuery]):
    programme = themes.find_programme(request.GET.get("programme"))  # NotFound: 404
    parsed = themes.parse_theme(request.GET.get("q", ""))  # Invalid: 400
    rows = themes.theme_matrix(programme, parsed)
    payloads = measure_payloads(request, [task.key for row in rows for task in row.tasks], parsed)
    return Status(200, {
        "query": parsed.text,
        "programme": {"slug": programme.slug, "name": programme.name,
                      "url": request.build_absolute_uri(programme.get_absolute_url())},
        "regions": [{
            "slug": row.region.slug, "name": row.region.name,
            "url": request.build_absolute_uri(row.region.get_absolute_url()),
            "count": row.count, "list_url": request.build_absolute_uri(row.list_url),
            "tasks": [{**payloads[task.key], "figures": task.figures} for task in row.tasks if task.key in payloads],
        } for row in rows],
    })
