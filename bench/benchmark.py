"""The benchmark: a fixed, realistic query mix through the real views and API, and in the same
run the two references — what a typical Django app does (``icontains`` over the original text, in
both scripts) and a view that touches no data (the floor of Django itself)."""
import gc
import os
import platform
import statistics
import time

import django
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.http import JsonResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path

from catalogue.search.text import _converter
from measures.models import Measure

SEARCHES = ["知识产权", "技术经理人", "质押", "知识产权 质押", "知識產權", "智慧財產權", "专利", "科技成果转化",
            "容錯", "发改委", "大湾区", "甬"]
# Kinds timed with whatever the previous requests left in the cache; every other request is
# timed cold (the cache emptied just before it), as for the first visitor after an edit.
CACHED_KINDS = {"list + search, next page"}
MIX = {
    "api search": [f"/api/measures/?q={q}" for q in SEARCHES],
    "list + facets + search": [f"/measures/?q={q}" for q in SEARCHES[:6]]
                              + ["/measures/?q=知识产权&department=cnipa", "/measures/?q=质押&scope=nationwide"],
    "list + facets, filters only": ["/measures/", "/measures/?department=ndrc", "/measures/?department=ndrc&department=most",
                                    "/measures/?scope=region&region=chengdu", "/measures/?category=innovation-reform-list-2-1"],
    # The next page of a search: its facets were counted for the first page and are remembered.
    "list + search, next page": [f"/measures/?q={q}&page=2" for q in SEARCHES[:6]],
    "api filters only": ["/api/measures/?department=cnipa", "/api/measures/?region=hang-yong-wen",
                         "/api/measures/?scope=programme"],
    "city lookup": ["/api/applies/?place=宁波", "/api/applies/?place=東莞", "/api/applies/?place=昆明",
                    "/api/applies/?place=北京市通州区", "/places/330200/"],
    "deep pages": ["/api/measures/?q=知识产权&page=20", "/measures/?page=100", "/api/measures/?page=200"],
    "icontains (typical app)": [f"/bench/icontains/?q={q}" for q in SEARCHES],
    "trivial view (floor)": ["/ping"],
}


def icontains_view(request):
    """What most Django apps do: icontains over title and text, for the query as typed and in the
    other script; count, then the first page."""
    q = request.GET.get("q", "")
    condition = Q()
    for variant in {q, _converter("t2s").convert(q), _converter("s2t").convert(q)}:
        for term in variant.split():
            condition |= Q(title__icontains=term) | Q(text__icontains=term)
    matches = Measure.objects.filter(condition).select_related("document").order_by("document__position", "position")  # as a typical app would
    with transaction.atomic():
        if connection.vendor == "postgresql":  # a reference, not a request: let it take what it takes
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = 0")
        return JsonResponse({"count": matches.count(), "results": [
            {"id": m.pk, "title": m.title, "document": m.document.slug} for m in matches[:20]
        ]})


urlpatterns = [
    path("bench/icontains/", icontains_view),
    path("", include("catalogue.urls")),
]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def reference_loop_ms():
    """A fixed pure-Python workload, so that figures from different machines (or a busy one) can
    be compared: the median of five timings of summing a million integers."""
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        sum(range(1_000_000))
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def run(*, repeat=20, out=print, by_url=False):
    client = Client()
    results = {}
    with override_settings(ROOT_URLCONF="bench.benchmark", ALLOWED_HOSTS=["*"]):
        for name, urls in MIX.items():
            for url in urls:  # warm-up: caches, prepared plans, dictionary
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            gc.freeze()  # what is loaded stays out of full collections, as in the app servers (catalogue/wsgi.py)
            per_url = {url: [] for url in urls}
            for _ in range(repeat):
                for url in urls:
                    if name not in CACHED_KINDS:
                        cache.clear()
                    started = time.perf_counter()
                    client.get(url)
                    per_url[url].append((time.perf_counter() - started) * 1000)
            results[name] = [t for timings in per_url.values() for t in timings]
            if by_url:
                for url, timings in per_url.items():
                    out(f"  {statistics.median(timings):9.2f} ms  {max(timings):9.2f} ms max  {url}")
    size = Measure.objects.count()
    if settings.DEBUG:
        out("DEBUG is on: Django records every query and templates keep debugging information, which "
            "production does not; run with DEBUG=0 for the figures it would serve")
    out(f"settings: {settings.SETTINGS_MODULE} | DEBUG {'on' if settings.DEBUG else 'off'}")
    out(f"database: {connection.vendor} {connection.Database.__name__} "
        f"{getattr(connection.Database, 'sqlite_version', '') or connection.pg_version} | measures: {size:,}")
    out(f"machine: {platform.machine()}, {os.cpu_count()} cores | Python {platform.python_version()} | "
        f"Django {django.get_version()} | reference loop {reference_loop_ms():.1f} ms (machine speed: lower is faster)")
    floor = statistics.median(results["trivial view (floor)"])
    out(f"{'query kind':30} {'n':>5} {'median ms':>10} {'p95 ms':>9} {'p99 ms':>9} {'median/floor':>13}")
    for name, timings in results.items():
        med = statistics.median(timings)
        out(f"{name:30} {len(timings):5d} {med:10.2f} {percentile(timings, .95):9.2f} "
            f"{percentile(timings, .99):9.2f} {med / floor:12.1f}x")
    ours, theirs = results["api search"], results["icontains (typical app)"]
    out(f"api search vs icontains at p95: {percentile(theirs, .95) / percentile(ours, .95):.1f}x faster; "
        f"at median: {statistics.median(theirs) / statistics.median(ours):.1f}x faster")
    out(f"api search median vs trivial view median: {statistics.median(ours) / floor:.1f}x")
    return results
