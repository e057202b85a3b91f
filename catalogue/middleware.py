import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.utils import translation
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





class LanguageFromQueryMiddleware:
    """``?lang=en`` switches the interface language (menus, labels, messages) and remembers it.
    A plain link, so choosing a language needs no form and no JavaScript."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.GET.get("lang")
        if lang not in self.languages:
            return self.get_response(request)
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 24 * 3600, samesite="Lax")
        return response


class RejectNulMiddleware:
    """A NUL byte anywhere in the path or the query string is a 400 with a message.

    No text can carry one (PostgreSQL refuses to compare with it), so rather than let a lookup
    fail deep inside, the request is refused at the door, in the user's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in k or any("\x00" in v for v in values)
                                         for k, values in request.GET.lists()):
            message = _("请求中含有空字符（NUL），无法处理。")
            if request.path.startswith("/api/"):
                return json_response({"error": message}, status=400)
            return render(request, "error.html", {"status": 400, "message": message}, status=400)
        return self.get_response(request)
