"""The reading script: measures, headings and names shown converted with OpenCC, for display only.

Stored text is never converted (search, exports and the API keep the source's own script); a
page converts what it shows, per request, into the script the reader chose. The choice comes from
``?script=`` (and is then remembered in a cookie) or the cookie; "orig" shows each text as
published.
"""
import contextvars
import functools

from django.utils.safestring import SafeData, mark_safe

from .middleware import set_preference_cookie
from .search.text import _converter

SCRIPTS = {  # value: (label, OpenCC config, HTML lang)
    "orig": ("原文", None, None),
    "hans": ("简体", "t2s", "zh-Hans"),
    "hant": ("繁體", "s2t", "zh-Hant"),
    "tw": ("台灣", "s2twp", "zh-Hant-TW"),
    "hk": ("香港", "s2hk", "zh-Hant-HK"),
}
# Official titles and names (document titles, 文号, department, region, place and category names,
# measure titles) get the reading's characters but never its regional vocabulary: 台灣 would turn
# 第二批支持创新… into 支援 and 国家知识产权局 into 智慧財產權局, names no office uses.
# s2tw is s2twp's character table without its phrases; s2hk has no phrase table of its own.
NAME_CONFIGS = {"tw": "s2tw"}
DEFAULT = "orig"
COOKIE = "script"

current = contextvars.ContextVar("reading_script", default=DEFAULT)


@functools.lru_cache(maxsize=8192)
def _convert(config, text):
    if config in ("s2t", "s2tw", "s2twp", "s2hk"):
        # OpenCC's s2* tables expect Simplified input: read Traditional sources through t2s first,
        # or their own characters could be "converted" a second time.
        text = _converter("t2s").convert(text)
    return _converter(config).convert(text)


def convert(value, script=None, name=False):
    """``value`` in the reading script (or ``script``); markup and safety are kept. ``name``:
    ``value`` is an official title or name, converted in its characters only (NAME_CONFIGS)."""
    script = script or current.get()
    script = script if script in SCRIPTS else DEFAULT
    config = (name and NAME_CONFIGS.get(script)) or SCRIPTS[script][1]
    if config is None or not value:
        return value
    converted = _convert(config, str(value))
    return mark_safe(converted) if isinstance(value, SafeData) else converted


def choose(request):
    """The script asked for in the URL, else remembered in the cookie, else as published."""
    asked = request.GET.get("script")
    if asked in SCRIPTS:
        return asked, True
    remembered = request.COOKIES.get(COOKIE)
    return (remembered if remembered in SCRIPTS else DEFAULT), False


class ReadingScriptMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        script, from_url = choose(request)
        request.reading_script = script
        token = current.set(script)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        if from_url:
            set_preference_cookie(response, COOKIE, script)
        return response


def context(request):
    script = getattr(request, "reading_script", DEFAULT)
    return {
        "reading_script": script,
        "reading_scripts": [(value, label) for value, (label, _, _) in SCRIPTS.items()],
        "reading_lang": SCRIPTS[script][2],
    }
