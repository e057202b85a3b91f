import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

# Characters that could end a <script> or start markup if a client pastes JSON into HTML; JSON
# allows them as \u escapes, so the parsed values are unchanged. Replaced one by one:
# ``bytes.translate`` would look every byte of the body up in a table (8x slower on a city's
# 500 kB answer, nearly all of whose characters are not in it).
_ESCAPES = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"))

# orjson writes UTF-8 bytes straight away (a city's 600-measure answer: 0.7 ms, against 9.7 for
# json.dumps and encoding). Whatever it does not know (lazy translations, Decimal) and dates
# and times go through Django's encoder, so they read as they always have.
_django_default = DjangoJSONEncoder().default
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def _escaped(body):
    for character, escape in _ESCAPES:
        body = body.replace(character, escape)
    return body


def json_response(data, status=200):
    body = _escaped(orjson.dumps(data, default=_django_default, option=_OPTIONS))
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
