"""Hostile input never breaks a page: every parameter of every view and endpoint, fuzzed."""
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

# Text as browsers and scripts can send it: any Unicode but lone surrogates (not encodable in a URL).
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
hostile = st.sampled_from([
    "", " ", "\x00", "\x00\x00abc", "'", '"', "\\", "%", "%%", "%00", "<script>alert(1)</script>",
    "' OR 1=1 --", "'; DROP TABLE measures_measure; --", "1; SELECT pg_sleep(10)", "NEAR(a b)", "a*", '"a" OR "b"',
    "a AND NOT b", "!!", "a & b | c", "a:*", "(a", ")", "-", "--", "- -", "--a", "C++", "{}", "[]", "${jndi:x}",
    "../../etc/passwd", "\u202e", "\ufeff", "🙂" * 50, "知" * 5000, "9" * 400, "-1", "0", "1e9", "NaN",
    "99999999999999999999", "-99999999999", "1.5", " 1", "１", "٣",
])
values = st.one_of(text, hostile, st.integers(min_value=-(10**20), max_value=10**20).map(str))
LIST_PARAMS = ["q", "document", "category", "department", "scope", "region", "page"]


def assert_answers(response, *, json_api=False):
    assert response.status_code < 500, (response.status_code, response.content[:300])
    body = response.content.decode("utf-8", "replace")
    assert "Traceback" not in body and "<script>alert" not in body
    if json_api:
        assert response["Content-Type"].startswith("application/json")
        if response.status_code >= 400:
            assert response.json()["error"]


@FUZZ
@given(params=st.dictionaries(st.sampled_from(LIST_PARAMS), st.lists(values, min_size=1, max_size=3), max_size=5))
def test_measure_list_and_api_survive_any_parameters(client, params):
    assert_answers(client.get("/measures/", params))
    assert_answers(client.get("/api/measures/", params), json_api=True)


@FUZZ
@given(place=values, extra=st.dictionaries(text, values, max_size=2))
def test_place_lookup_and_api_survive_any_name(client, place, extra):
    params = {**extra, "place": place}
    assert_answers(client.get("/places/", params))
    assert_answers(client.get("/api/applies/", params), json_api=True)


@FUZZ
@given(segment=values, q=values)
def test_object_pages_survive_any_id(client, segment, q):
    from urllib.parse import quote

    part = quote(segment, safe="") or "x"
    for prefix in ["measures", "documents", "categories", "departments", "regions", "pilots", "places"]:
        assert_answers(client.get(f"/{prefix}/{part}/", {"q": q}))


@pytest.mark.parametrize("query_string", [
    "q=%FF%FE%FD", "q=%C0%AF", "place=%ED%A0%80", "q=%", "q=%%%", "department=%00", "page=%FF",
    "q=a&q=b&q=c", "q[]=x", "=x", "&&&", "q=" + "a%20" * 2000,
])
@pytest.mark.parametrize("path", ["/measures/", "/api/measures/", "/places/", "/api/applies/"])
def test_invalid_utf8_and_odd_query_strings(client, path, query_string):
    response = client.get(path, QUERY_STRING=query_string)
    assert_answers(response, json_api=path.startswith("/api/"))


@pytest.mark.parametrize("page", ["-1", "0", "-99999999999999999999", "99999999999999999999", "1" * 50, "2.0"])
def test_negative_and_enormous_pages(client, page):
    for path in ["/measures/", "/api/measures/"]:
        response = client.get(path, {"page": page})
        assert response.status_code in (400, 404)
        assert_answers(response, json_api=path.startswith("/api/"))


@pytest.mark.parametrize("lang, expected", [
    ("en", "The page number must be a positive whole number."),
    ("zh-Hant", "頁碼必須是正整數。"),
    ("zh-Hans", "页码必须是正整数。"),
])
def test_error_pages_speak_the_users_language(client, lang, expected):
    page = client.get("/measures/", {"page": "x"}, HTTP_ACCEPT_LANGUAGE=lang)
    assert page.status_code == 400 and expected in page.content.decode()
    api = client.get("/api/measures/", {"page": "x"}, HTTP_ACCEPT_LANGUAGE=lang)
    assert api.json()["error"] == expected


def test_unknown_place_message_in_english(client):
    data = client.get("/api/applies/", {"place": "火星市"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["error"] == "No place called “火星市” was found."


def test_echoed_input_is_escaped_in_json_too(client):
    response = client.get("/api/applies/", {"place": "<script>alert(1)</script>"})
    assert b"<script>" not in response.content
    assert response.json()["error"].count("<script>") == 1  # the value survives, escaped in transit


def test_api_json_reads_as_djangos_encoder_wrote_it():
    """The API's encoder (orjson, catalogue.jsonapi) gives every value Django's encoder gave:
    dates and times, decimals, lazy translations, numbered keys, escaped markup."""
    import datetime
    import decimal
    import json

    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils import timezone
    from django.utils.translation import gettext_lazy

    from catalogue.jsonapi import json_response

    data = {"when": timezone.make_aware(datetime.datetime(2025, 6, 1, 9, 30, 15, 123456)),
            "day": datetime.date(2025, 6, 1), "at": datetime.time(9, 30), "share": decimal.Decimal("0.25"),
            "label": gettext_lazy("全国"), 7: ["<b>&</b>", None, 1.5, True], "text": "知識產權 \u2028"}
    body = json_response(data).content
    assert json.loads(body) == json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))
    assert b"<" not in body and b">" not in body and b"&" not in body
