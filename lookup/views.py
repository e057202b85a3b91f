import unicodedata

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from catalogue.ratelimit import rate_limited, retry_after, too_many_requests
from catalogue.shortcuts import Invalid, NotFound, get_object_or_404
from measures import briefings
from measures import overview
from measures.models import Measure
from pilots import maps
from pilots.models import Place, Programme, Region
from pilots.places import find_place, namesakes, region_matches

from . import briefings as place_briefings
from . import compare, exports, themes
from .selectors import PLACE_PAGE_LISTED, applies_to, load_measures, place_sections

MAX_PLACE_LENGTH = 50


def programme_list(request):
    return render(request, "lookup/programme_list.html", {
        "programmes": Programme.objects.prefetch_related("regions", "documents"),
    })


def programme_detail(request, slug):
    programme = get_object_or_404(Programme.objects.prefetch_related("documents"), _("没有这个试点项目。"), slug=slug)
    return render(request, "lookup/programme_detail.html", {
        "programme": programme,
        "regions": programme.regions.all(),
        "measures": programme.measures.with_related().in_source_order(),
        # Its regions' own tasks are what a theme is compared across (the theme matrix).
        "has_tasks": Measure.objects.filter(region__programme=programme).exists(),
    })


def map_context(regions, region_names=True):
    layers = maps.region_layers(regions)
    return {"layers": layers, "dots": maps.background(), "labels": maps.labels(layers, region_names),
            "map_width": maps.WIDTH, "map_height": maps.HEIGHT}


def pilots_map(request):
    programmes = Programme.objects.prefetch_related("regions")
    regions = [r for p in programmes for r in p.regions.all()]
    context = map_context(regions)
    # The list beside the map names the same places, so the map is never the only way to them.
    places = {layer.region.pk: maps.layer_places(layer) for layer in context["layers"]}
    for region in regions:
        region.map_places = places.get(region.pk, [])
    return render(request, "lookup/map.html", {"programmes": programmes, **context})


def region_detail(request, slug):
    region = get_object_or_404(Region.objects.select_related("programme"), _("没有这个试点地区。"), slug=slug)
    memberships = region.memberships.select_related("place__parent__parent")
    return render(request, "lookup/region_detail.html", {
        **map_context([region], region_names=False),
        "region": region,
        "memberships": [m for m in memberships if m.kind == "member"],
        "unsettled": [m for m in memberships if m.kind == "unsettled"],
        "tasks": region.tasks.with_related().in_source_order(),
        "programme_measures": Measure.objects.filter(scope_programme=region.programme_id)
        .with_related().in_source_order(),
        "kinds_chart": overview.region_by_kind(region),
    })


def place_text(request):
    """The place a request asks about (``?place=`` or ``?q=``), without control characters."""
    return without_controls(request.GET.get("place") or request.GET.get("q") or "")


def without_controls(text):
    # Control characters carry no name; anything else is looked up (and may simply not be found).
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch.isspace()).strip()


def place_lookup(request):
    """The lookup form, and where it leads: the place, a choice among namesakes, or a clear 404."""
    text = place_text(request)
    if not text:
        asked = "place" in request.GET or "q" in request.GET
        return render(request, "lookup/place_lookup.html", {
            "error": _("请输入地名，例如“宁波”或“北京市通州区”。") if asked else None,
        }, status=400 if asked else 200)
    if len(text) > MAX_PLACE_LENGTH:
        return render(request, "lookup/place_lookup.html", {
            "text": text[:MAX_PLACE_LENGTH], "error": too_long(),
        }, status=400)
    result = find_place(text)
    if result.found:
        return redirect(result.found.get_absolute_url())
    if result.places:
        for place in result.places:  # which pilot regions tell the namesakes apart (a few places)
            place.pilot_regions = region_matches(place)
        return render(request, "lookup/place_lookup.html", {"text": text, "candidates": result.places})
    wait = retry_after(request, "place_guess")
    if wait is not None:
        return too_many_requests(request, wait)
    return render(request, "lookup/place_lookup.html", {
        "text": text, "suggestions": result.suggestions, "unknown": True,
    }, status=404)


def place_detail(request, code):
    place = get_object_or_404(Place.objects.with_parents(), _("没有这个地方。"), code=code)
    applicability = applies_to(place, listed=PLACE_PAGE_LISTED)
    load_measures(applicability.groups)
    return render(request, "lookup/place_detail.html", {
        "place": place,
        "namesakes": namesakes(place),
        "applicability": applicability,
        "sections": place_sections(applicability),
        "children": place.children.all()[:200],
    })


def too_long():
    return _("地名太长：最多 %(max)d 个字符。") % {"max": MAX_PLACE_LENGTH}


# --- comparing places --------------------------------------------------------------------------

def place_texts(request):
    """Every place a comparison asks about (``?place=`` repeated), cleaned; blanks are fields of
    the form left empty, not places."""
    return [text for text in map(without_controls, request.GET.getlist("place")) if text]


def compared_places(request):
    """``(places, None)`` when the request names 2–4 places, each one place; otherwise ``(None,
    response)``: the form (nothing asked yet), 400 (too few, too many, too long, twice the same
    place), 404 naming the unknown ones with suggestions, or 300 listing each name's candidates."""
    texts = place_texts(request)
    context = {"form_texts": form_texts(texts)}
    if not texts and "place" not in request.GET:
        return None, render(request, "lookup/compare.html", context)
    resolution = compare.resolve(texts, MAX_PLACE_LENGTH)
    if resolution.error:
        return None, render(request, "lookup/compare.html", {**context, "error": resolution.error}, status=400)
    context.update(ambiguous=resolution.ambiguous, unknown=resolution.unknown)
    if resolution.unknown:
        wait = retry_after(request, "place_guess")  # suggestions are a guess against the gazetteer
        if wait is not None:
            return None, too_many_requests(request, wait)
        return None, render(request, "lookup/compare.html", context, status=404)
    if resolution.ambiguous:
        return None, render(request, "lookup/compare.html", context, status=300)
    return resolution.places, None


def form_texts(texts):
    """The names in the form's fields: those asked for, then empty fields, up to the most."""
    shown = texts[:compare.MAX_PLACES]
    return shown + [""] * (compare.MAX_PLACES - len(shown))


def compare_places(request):
    places, response = compared_places(request)
    if response is not None:
        return response
    comparison = compare.compare(places, load=True)
    return render(request, "lookup/compare.html", {
        "form_texts": form_texts(place_texts(request)), "listed": compare.GROUP_PAGE, "comparison": comparison,
        "names": "、".join(place.compare_label for place in places),
    })


@rate_limited("export")
def compare_export(request):
    places, response = compared_places(request)
    if response is not None:
        return response
    return exports.comparison_xlsx(request, compare.compare(places, load=True))


# --- a theme across a programme's regions ------------------------------------------------------

def theme_matrix(request):
    """A theme (``?q=``) across the regions of a programme (``?programme=``, by default the
    latest approval's): a row per region, an explicit empty cell where it has no task."""
    programmes = Programme.objects.all()
    context = {"programmes": programmes, "text": request.GET.get("q", "")}
    if "q" not in request.GET:
        context["programme"] = themes.default_programme()
        return render(request, "lookup/theme.html", context)
    programme = themes.find_programme(request.GET.get("programme"))
    context["programme"] = programme
    try:
        parsed = themes.parse_theme(request.GET["q"])
    except Invalid as exc:
        return render(request, "lookup/theme.html", {**context, "error": exc.user_message}, status=400)
    rows = themes.theme_matrix(programme, parsed, load=True)
    return render(request, "lookup/theme.html", {
        **context, "query": parsed, "rows": rows, "with_tasks": sum(1 for row in rows if row.tasks),
    })


# --- a place's briefing ------------------------------------------------------------------------

@rate_limited("export")
def place_briefing(request, code, fmt):
    """What applies to a place, as a briefing to read or print (PDF, Word)."""
    if fmt not in briefings.FORMATS:
        raise NotFound(_("没有这种简报格式。"))
    place = get_object_or_404(Place.objects.with_parents(), _("没有这个地方。"), code=code)
    return briefings.FORMATS[fmt](request, place_briefings.for_place(request, place))
