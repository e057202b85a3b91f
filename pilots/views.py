from django.shortcuts import get_object_or_404, render

from measures.models import Measure

from .models import Programme, Region


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


def region_detail(request, slug):
    region = get_object_or_404(Region.objects.select_related("programme"), slug=slug)
    return render(request, "pilots/region_detail.html", {
        "region": region,
        "tasks": region.tasks.with_related().in_source_order(),
        "programme_measures": Measure.objects.filter(scope_programme=region.programme_id)
        .with_related().in_source_order(),
    })
