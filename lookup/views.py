import unicodedata

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from catalogue.ratelimit import retry_after, too_many_requests
from catalogue.shortcuts import get_object_or_404
from measures.models import Measure
from pilots import maps
from pilots.models import Place, Programme, Region
from pilots.places import find_place, namesakes

from .selectors import applies_to, load_measures

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
    })


def map_context(regions):
    return {"layers": maps.region_layers(regions), "dots": maps.background(),
            "map_width": maps.WIDTH, "map_height": maps.HEIGHT}


def pilots_map(request):
    programmes = Programme.objects.prefetch_related("regions")
    regions = [r for p in programmes for r in p.regions.all()]
    return render(request, "lookup/map.html", {"programmes": programmes, **map_context(regions)})


def region_detail(request, slug):
    region = get_object_or_404(Region.objects.select_related("programme"), _("没有这个试点地区。"), slug=slug)
    memberships = region.memberships.select_related("place__parent__parent")
    return render(request, "lookup/region_detail.html", {
        **map_context([region]),
        "region": region,
        "memberships": [m for m in memberships if m.kind == "member"],
        "unsettled": [m for m in memberships if m.kind == "unsettled"],
        "tasks": region.tasks.with_related().in_source_order(),
        "programme_measures": Measure.objects.filter(scope_programme=region.programme_id)
        .with_related().in_source_order(),
    })


def place_text(request):
    """The place a request asks about (``?place=`` or ``?q=``), without control characters."""
    text = request.GET.get("place") or request.GET.get("q") or ""
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
        return render(request, "lookup/place_lookup.html", {"text": text, "candidates": result.places})
    wait = retry_after(request, "place_guess")
    if wait is not None:
        return too_many_requests(request, wait)
    return render(request, "lookup/place_lookup.html", {
        "text": text, "suggestions": result.suggestions, "unknown": True,
    }, status=404)


PLACE_PAGE_LISTED = 20  # measures the place page shows per group; a link lists the rest


def place_detail(request, code):
    place = get_object_or_404(Place.objects.with_parents(), _("没有这个地方。"), code=code)
    applicability = applies_to(place, listed=PLACE_PAGE_LISTED)
    load_measures(applicability.groups)
    return render(request, "lookup/place_detail.html", {
        "place": place,
        "namesakes": namesakes(place),
        "applicability": applicability,
        "children": place.children.all()[:200],
    })


def too_long():
    return _("地名太长：最多 %(max)d 个字符。") % {"max": MAX_PLACE_LENGTH}
