from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .jsonapi import json_response
from .middleware import RETRY_AFTER_SECONDS


def about(request):
    return render(request, "catalogue/about.html")


def _wants_json(request):
    return request.path.startswith("/api/")


def _error(request, status, message):
    if _wants_json(request):
        return json_response({"error": message}, status=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _message(exception, default):
    """The message the view raised with, if it raised one for users (``catalogue.shortcuts``);
    Django's own exceptions carry English sentences, dicts and paths, shown as ``default``."""
    return str(exception.user_message) if getattr(exception, "user_message", None) else default


def bad_request(request, exception=None):
    return _error(request, 400, _message(exception, _("请求无效。")))


def page_not_found(request, exception=None):
    return _error(request, 404, _message(exception, _("找不到这个页面。")))


def server_error(request):
    return _error(request, 500, _("服务器出错了，请稍后再试。"))


@never_cache
def healthz(request):
    """Whether the app can reach its database: 200 or 503 (with when to ask again), as JSON."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        response = json_response({"status": "unavailable", "database": exc.__class__.__name__}, status=503)
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response
    return json_response({"status": "ok", "database": "ok"})


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the static file (its
    hashed name in production)."""
    response = redirect(static("favicon.ico"))
    response["Cache-Control"] = "max-age=86400"
    return response


def ping(request):
    """Liveness: the process answers. Touches no data (also the benchmark's floor)."""
    return HttpResponse("ok", content_type="text/plain")
