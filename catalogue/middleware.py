import logging

from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.utils.translation import gettext as _

from .jsonapi import json_response

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """A database that has gone away is a 503 with a plain message, not a 500 with a traceback.

    Django closes the broken connection at the end of the request, and health checks on
    persistent connections replace it on the next, so service resumes when the database does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning("database unavailable on %s: %s: %s", request.path, exception.__class__.__name__, exception)
        return unavailable_response(request)


def unavailable_response(request):
    message = _("数据库暂时无法访问，请稍后再试。")
    if request.path.startswith("/api/") or request.path == "/healthz":
        response = json_response({"error": message}, status=503)
    else:
        response = render(request, "error.html", {"status": 503, "message": message}, status=503)
    response["Retry-After"] = "10"
    return response



