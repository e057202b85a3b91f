import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

# Characters that could end a <script> or start markup if a client pastes JSON into HTML; JSON
# allows them as \u escapes, so the parsed values are unchanged.
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def json_response(data, status=200):
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
