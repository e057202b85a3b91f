import unicodedata

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from catalogue.jsonapi import json_response
from measures.api import measures_json
from measures.models import Measure

from . import maps
from .models import Place, Programme, Region
from .selectors import applies_to, find_place, load_measures, namesakes

MAX_PLACE_LENGTH = 50


def programme_list(request):
    return render(request, "pilots/programme_list.html", {
        "programmes": Programme.objects.select_related("document").prefetch_related("regions"),
    })


def programme_detail(request, slug):
    programme = get_object_or_404(Programme.objects.select_related("document"), slug=slug)
    return render(request, "pilots/programme_detail.html", {
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
    return render(request, "pilots/map.html", {"programmes": programmes, **map_context(regions)})


def region_detail(request, slug):
    region = get_object_or_404(Region.objects.select_related("programme"), slug=slug)
    memberships = region.memberships.select_related("place__parent__parent")
    return render(request, "pilots/region_detail.html", {
        **map_context([region]),
        "region": region,
        "memberships": [m for m in memberships if m.kind == "member"],
        "unsettled": [m for m in memberships if m.kind == "unsettled"],
        "tasks": region.tasks.with_related().in_source_order(),
        "programme_measures": Measure.objects.filter(scope_programme=region.programme_id)
        .with_related().in_source_order(),
    })


def _place_text(request):
    text = request.GET.get("place") or request.GET.get("q") or ""
    # Control characters carry no name; anything else is looked up (and may simply not be found).
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch.isspace()).strip()


def place_lookup(request):
    """The lookup form, and where it leads: the place, a choice among namesakes, or a clear 404."""
    text = _place_text(request)
    if not text:
        asked = "place" in request.GET or "q" in request.GET
        return render(request, "pilots/place_lookup.html", {
            "error": _("请输入地名，例如“宁波”或“北京市通州区”。") if asked else None,
        }, status=400 if asked else 200)
    if len(text) > MAX_PLACE_LENGTH:
        return render(request, "pilots/place_lookup.html", {
            "text": text[:MAX_PLACE_LENGTH], "error": too_long(),
        }, status=400)
    result = find_place(text)
    if result.found:
        return redirect(result.found.get_absolute_url())
    if result.places:
        return render(request, "pilots/place_lookup.html", {"text": text, "candidates": result.places})
    return render(request, "pilots/place_lookup.html", {
        "text": text, "suggestions": result.suggestions, "unknown": True,
    }, status=404)


PLACE_PAGE_LISTED = 20  # measures the place page shows per group; a link lists the rest


def place_detail(request, code):
    place = get_object_or_404(Place.objects.with_parents(), code=code)
    applicability = applies_to(place, listed=PLACE_PAGE_LISTED)
    load_measures(applicability.groups)
    return render(request, "pilots/place_detail.html", {
        "place": place,
        "namesakes": namesakes(place),
        "applicability": applicability,
        "children": place.children.all()[:200],
    })


def too_long():
    return _("地名太长：最多 %(max)d 个字符。") % {"max": MAX_PLACE_LENGTH}


def _place_json(place):
    return {"code": place.code, "name": place.name, "province": place.province.name,
            "full_name": place.full_label, "level": place.level}


def applies_api(request):
    text = _place_text(request)
    if not text:
        return json_response({"error": _("请提供地名或行政区划代码：?place=宁波")}, status=400)
    if len(text) > MAX_PLACE_LENGTH:
        return json_response({"error": too_long()}, status=400)
    result = find_place(text)
    if len(result.places) > 1:
        return json_response({
            "error": _("“%(name)s”对应多个地方，请选择一个。") % {"name": text},
            "candidates": [_place_json(p) for p in result.places],
        }, status=300)
    if not result.found:
        return json_response({
            "error": _("没有找到地名“%(name)s”。") % {"name": text},
            "suggestions": [_place_json(p) for p in result.suggestions],
        }, status=404)
    applicability = applies_to(result.found)
    reasons = applicability.measure_reasons()
    shapes = measures_json(request, [pk for pk, _groups in reasons])
    measures = []
    for pk, groups in reasons:
        if pk not in shapes:
            continue  # deleted since the groups were read
        data = shapes[pk]
        data["reason"] = groups[0].reason
        data["reason_kind"] = groups[0].kind
        data["reasons"] = [{"kind": g.kind, "reason": g.reason} for g in groups]
        measures.append(data)
    return json_response({
        "place": _place_json(result.found),
        "also_named": [_place_json(p) for p in result.namesakes],
        "regions": [{
            "name": m.region.name, "slug": m.region.slug, "programme": m.region.programme.name,
            "basis": m.membership.basis, "coverage": m.coverage, "to_confirm": m.membership.to_confirm,
            "explanation": m.explanation,
        } for m in applicability.regions],
        "groups": [{"kind": g.kind, "title": g.title, "reason": g.reason, "count": g.count,
                    "count_is_exact": g.count_is_exact,
                    "listed": len(g.keys), "list_url": request.build_absolute_uri(g.list_url) if g.list_url else None}
                   for g in applicability.groups],
        "measures": measures,
    })
