from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from measures.models import Category, Department, Document, Measure
from pilots.models import Programme

from .jsonapi import json_response


def home(request):
    documents = Document.objects.annotate(n=Count("measures")).prefetch_related(
        Prefetch("categories", queryset=Category.objects.annotate(n=Count("measures")))
    )
    programmes = Programme.objects.prefetch_related("regions")
    departments = Department.objects.annotate(n=Count("measures")).filter(n__gt=0)
    return render(request, "catalogue/home.html", {
        "documents": documents,
        "programmes": programmes,
        "departments": departments,
        "measure_count": Measure.objects.count(),
    })


def about(request):
    return render(request, "catalogue/about.html")


def _wants_json(request):
    return request.path.startswith("/api/")


def _error(request, status, message):
    if _wants_json(request):
        return json_response({"error": message}, status=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _message(exception, default):
    text = str(exception.args[0]) if exception is not None and getattr(exception, "args", None) else ""
    # Django's own resolver exceptions carry dicts and paths, not sentences for users.
    return text if text and not text.startswith("{") and "/" not in text else default


def bad_request(request, exception=None):
    return _error(request, 400, _message(exception, _("请求无效。")))


def page_not_found(request, exception=None):
    return _error(request, 404, _message(exception, _("找不到这个页面。")))


def server_error(request):
    return _error(request, 500, _("服务器出错了，请稍后再试。"))


def healthz(request):
    """Whether the app can reach its database: 200 or 503, as JSON."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return json_response({"status": "unavailable", "database": exc.__class__.__name__}, status=503)
    return json_response({"status": "ok", "database": "ok"})


def ping(request):
    """Liveness: the process answers. Touches no data (also the benchmark's floor)."""
    return HttpResponse("ok", content_type="text/plain")
