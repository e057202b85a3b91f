from django.conf import settings
from django.db.models import Count, Prefetch
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from catalogue.pagination import capped_count, paginate, recapped
from catalogue.ratelimit import rate_limited
from catalogue.search import QueryError
from catalogue.shortcuts import NotFound, get_object_or_404
from pilots.models import Programme
from pilots.places import places_named

from . import briefings, exports, facets, overview, search, whatsnew
from .filters import DEPARTMENT_MATCHES, SORTS
from .models import Category, Department, Document, Measure, Scope
from .selectors import active_filters, filtered_measures, gaps_between, sort_of, source_gaps
from .validity import Status


def home(request):
    documents = Document.objects.annotate(n=Count("measures")).prefetch_related(
        Prefetch("categories", queryset=Category.objects.annotate(n=Count("measures")))
    )
    programmes = Programme.objects.prefetch_related("regions")
    departments = Department.objects.annotate(n=Count("measures")).filter(n__gt=0)
    return render(request, "measures/home.html", {
        "documents": documents,
        "programmes": programmes,
        "departments": departments,
        "measure_count": Measure.objects.count(),
        "charts": {"departments": overview.by_department(), "categories": overview.by_category(),
                   "regions": overview.by_region()},
    })


def filter_chips(request, filterset):
    """One removable chip per active filter value, each linking to the page without it."""
    data = filterset.form.cleaned_data
    chips = []

    def without(name, value=None):
        params = request.GET.copy()
        params.pop("page", None)
        if value is None:
            params.pop(name, None)
        else:
            params.setlist(name, [v for v in params.getlist(name) if v != value])
        return f"?{params.urlencode()}" if params else "?"

    if data.get("q") is not None and data["q"].text:
        chips.append({"kind": _("搜索"), "label": data["q"].text, "remove_url": without("q")})
    for name in ("document", "category", "region"):
        if data.get(name):
            chips.append({"kind": filterset.filters[name].label, "label": str(data[name]), "remove_url": without(name)})
    for department in data.get("department") or []:
        chips.append({"kind": filterset.filters["department"].label, "label": department.name,
                      "remove_url": without("department", department.slug)})
    if data.get("department_match") == "all" and len(data.get("department") or []) > 1:
        chips.append({"kind": filterset.filters["department"].label, "label": str(DEPARTMENT_MATCHES["all"]),
                      "remove_url": without("department_match")})
    if data.get("scope"):
        chips.append({"kind": filterset.filters["scope"].label, "label": dict(Scope.choices)[data["scope"]],
                      "remove_url": without("scope")})
    for code in data.get("status") or []:
        chips.append({"kind": filterset.filters["status"].label, "label": Status(code).label,
                      "remove_url": without("status", code)})
    return chips


def without_empty_parameters(params):
    """``params`` without its empty values (what a submitted form leaves: ``?q=&document=``), or
    None when it has none: a shared link should hold only what was chosen."""
    if not any(value == "" for _name, values in params.lists() for value in values):
        return None
    kept = QueryDict(mutable=True)
    for name, values in params.lists():
        if [v for v in values if v != ""]:
            kept.setlist(name, [v for v in values if v != ""])
    return kept


def active_filter_count(data):
    """How many filter values are chosen (the search apart): what the folded filters say they hold."""
    return (sum(1 for name in ("document", "category", "scope", "region") if data.get(name))
            + len(data.get("department") or []) + len(data.get("status") or []))


def measure_list(request):
    # Without JavaScript the form sends every field, chosen or not: redirect to the link of what was chosen.
    kept = without_empty_parameters(request.GET)
    if kept is not None:
        return redirect(f"{request.path}?{kept.urlencode()}" if kept else request.path)
    shown_facets = []

    def count_with_facets(matches):
        # Counting the facets counts the matches too (up to their own limit): counted once.
        nonlocal shown_facets
        if matches.query.is_empty():  # a search with nothing to search for: no facets either
            return 0
        shown_facets, total = facets.catalogue_facet_counts(request.GET, matches)
        count = None if total is None else recapped(total, facets.FACET_COUNT_LIMIT)
        return capped_count(matches) if count is None else count

    results = filtered_measures(request.GET, count=count_with_facets)
    filterset, parsed = results.filterset, results.parsed
    if results.queryset is None:
        return render(request, "measures/measure_list.html", {
            "filter": filterset, "error": filterset.error_message(), "sort_options": sort_options(),
        }, status=400)
    page = paginate(request, results.queryset, settings.MEASURES_PAGE_SIZE, count=results.count)
    empty_search = parsed is not None and parsed.is_empty
    category = filterset.form.cleaned_data.get("category")
    # Gaps of the documents on this page, and of the chosen category (which may have no measures).
    documents = {m.document_id for m in page.object_list} | ({category.document_id} if category else set())
    gaps = [] if empty_search or not documents else source_gaps(documents)
    rows, previous = [], None
    for measure in search.attach_highlights(page.object_list, parsed):
        # Gaps in the numbering only make sense between neighbours in source order.
        if sort_of(filterset, parsed) == "source" and previous is not None and previous.document_id == measure.document_id and measure.number:
            rows += [("gap", g) for g in gaps_between(gaps, measure.document_id, previous.number, measure.number)]
        rows.append(("measure", measure))
        previous = measure
    return render(request, "measures/measure_list.html", {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "query": parsed,
        "sort": sort_of(filterset, parsed),
        "too_many_to_rank": results.too_many_to_rank,
        "sort_options": sort_options(),
        "sort_asked": filterset.form.cleaned_data.get("sort") or "",
        # "any" is the default, sent as no value (a clean link): the form's option for it is empty.
        "department_match": "all" if filterset.form.cleaned_data.get("department_match") == "all" else "",
        "department_matches": [("", DEPARTMENT_MATCHES["any"]), ("all", DEPARTMENT_MATCHES["all"])],
        "lineage_notes": [d for d in filterset.form.cleaned_data.get("department") or [] if d.predecessor_list],
        "active_filter_count": active_filter_count(filterset.form.cleaned_data),
        "chips": filter_chips(request, filterset),
        # A search that is a place's name leads to the place's page (lookup/_place_banner.html).
        "named_places": places_named(parsed.text) if parsed is not None and parsed.terms and not parsed.excluded else [],
        "empty_search": empty_search,
        "facets": [] if empty_search else shown_facets,
        "facet_count_limit": facets.FACET_COUNT_LIMIT,  # read per request: a setting tests change
        "category_gaps": [g for g in gaps if g.category == category],
    })


def sort_options():
    # The default (no ``sort``) is an option of its own: a query typed in the form is ranked
    # unless another order is chosen (selectors.sort_of).
    return [("", _("默认（有搜索词时按相关度）")), *SORTS.items()]


def measure_detail(request, pk):
    measure = get_object_or_404(Measure.objects.with_related(), _("没有这项举措。"), pk=pk)
    try:
        parsed = search.parse_query(request.GET.get("q", ""))
    except QueryError:
        parsed = None  # highlighting is a courtesy here; the page itself is fine
    search.attach_highlights([measure], parsed, whole_text=True)
    # Their links carry the region of a pilot region's task (display_title): select it with them.
    siblings = Measure.objects.filter(document=measure.document).select_related("region").only(
        "pk", "title", "number", "position", "region__name")
    previous = siblings.filter(position__lt=measure.position).order_by("-position").first()
    following = siblings.filter(position__gt=measure.position).order_by("position").first()
    gaps = source_gaps([measure.document])
    doc = measure.document_id
    return render(request, "measures/measure_detail.html", {
        "measure": measure,
        "previous": previous,
        "next": following,
        "gaps_before": gaps_between(gaps, doc, previous.number, measure.number) if previous and measure.number else [],
        "gaps_after": gaps_between(gaps, doc, measure.number, following.number) if following and measure.number else [],
    })


def document_detail(request, slug):
    document = get_object_or_404(Document.objects.select_related("programme", "superseded_by"), _("没有这份文件。"), slug=slug)
    measures = list(document.measures.with_related().in_source_order())
    sections = []
    if document.categories.exists():
        gaps = source_gaps([document])
        for category in document.categories.all():
            sections.append({
                "category": category,
                "measures": [m for m in measures if m.category_id == category.pk],
                "gaps": [g for g in gaps if g.category == category],
            })
    regions = []
    for measure in measures:
        if measure.region_id:
            if not regions or regions[-1]["region"].pk != measure.region_id:
                regions.append({"region": measure.region, "measures": []})
            regions[-1]["measures"].append(measure)
    return render(request, "measures/document_detail.html", {
        "document": document, "sections": sections, "regions": regions,
        "provisions": document.provisions.all(),
    })


def category_detail(request, slug):
    category = get_object_or_404(Category.objects.select_related("document"), _("没有这个类别。"), slug=slug)
    return render(request, "measures/category_detail.html", {
        "category": category,
        "measures": category.measures.with_related().in_source_order(),
        "gaps": [g for g in source_gaps([category.document]) if g.category == category],
    })


def department_list(request):
    return render(request, "measures/department_list.html", {
        "departments": Department.objects.select_related("successor").prefetch_related("measures"),
    })


def department_detail(request, slug):
    department = get_object_or_404(Department.objects.select_related("successor"), _("没有这个指导部门。"), slug=slug)
    return render(request, "measures/department_detail.html", {
        "department": department,
        "measures": department.measures.with_related().in_source_order(),
        "predecessors": department.predecessors.all(),
        "charts": {"categories": overview.department_by_category(department),
                   "scopes": overview.department_by_scope(department)},
    })


WHATS_NEW_PAGE_SIZE = 20


def whats_new(request):
    """Documents and measures by the day they were added, newest first."""
    page = paginate(request, whatsnew.added_entries(), WHATS_NEW_PAGE_SIZE)
    return render(request, "measures/whats_new.html", {
        "page": page, "days": whatsnew.by_day(whatsnew.load(page.object_list)),
    })


def downloadable(request, fmt, formats, unknown):
    """The list's measures for a file of one of ``formats``: (results, None), or (None, the answer
    to give instead: 404 for a format there is none of, 400 for filters the list refuses)."""
    if fmt not in formats:
        raise NotFound(unknown)
    results = filtered_measures(request.GET)
    if results.queryset is None:
        return None, render(request, "error.html", {"status": 400, "message": results.filterset.error_message()}, status=400)
    return results, None


@rate_limited("export")
def measure_export(request, fmt):
    results, refusal = downloadable(request, fmt, exports.FORMATS, _("没有这种导出格式。"))
    if refusal is not None:
        return refusal
    return exports.FORMATS[fmt](request, results.queryset, active_filters(results.filterset))


@rate_limited("export")
def measure_briefing(request, fmt):
    """The list's measures as a briefing to read or print (PDF, Word)."""
    results, refusal = downloadable(request, fmt, briefings.FORMATS, _("没有这种简报格式。"))
    if refusal is not None:
        return refusal
    briefing = briefings.for_list(request, results, active_filters(results.filterset))
    return briefings.FORMATS[fmt](request, briefing)
