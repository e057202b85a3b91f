import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from .jsonapi import json_response

logger = logging.getLogger(__name__)

# When a client told the database is unreachable should ask again.
RETRY_AFTER_SECONDS = "10"


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
    response["Retry-After"] = RETRY_AFTER_SECONDS
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
        set_preference_cookie(response, settings.LANGUAGE_COOKIE_NAME, lang)
        return response


def set_preference_cookie(response, name, value):
    """A reader's choice (interface language, reading script), kept for a year: never read by
    scripts, and sent over HTTPS only where the settings say the site is served so."""
    response.set_cookie(name, value, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=True)


class ReaderDependentCachingMiddleware:
    """Pages are written in the reader's interface language and reading script, which come from
    cookies as much as from headers: say so (``Vary: Cookie``), and mark them private so that a
    shared cache never serves one reader's page to another. Responses that set their own
    ``Cache-Control`` (static files, /healthz) keep it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True)
        return response


class UnreadableRequestMiddleware:
    """A request whose query string cannot be read is a 400 with a message, at the door.

    More parameters than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` make every later ``request.GET``
    raise, the error page's own links included; a NUL byte cannot be carried by any text
    (PostgreSQL refuses to compare with it). Refused here, before anything reads the query, in
    the user's language, by a page that does not read it again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        message = self.problem(request)
        if message is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return json_response({"error": message}, status=400)
        return render(request, "error.html", {"status": 400, "message": message}, status=400)

    @staticmethod
    def problem(request):
        try:
            params = request.GET
        except (TooManyFieldsSent, RequestDataTooBig):
            return _("参数太多（最多 %(limit)d 个），无法处理。") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
        if "\x00" in request.path or any("\x00" in k or any("\x00" in v for v in values) for k, values in params.lists()):
            return _("请求中含有空字符（NUL），无法处理。")
        return None
