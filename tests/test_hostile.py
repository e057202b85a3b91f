"""Hostile and careless input, answered as a user would want: a 400, 404 or 429 with a message in
the user's language, never a 500; lockouts and limits falling on the client that earned them,
not on the proxy in front of everyone; pages that say what they depend on."""
from urllib.parse import quote

import pytest
from django.test import Client, override_settings

from catalogue.clientip import client_ip

pytestmark = pytest.mark.django_db

PAGES = ["/", "/measures/", "/places/", "/about/", "/departments/", "/pilots/", "/map/"]
APIS = ["/api/measures/", "/api/applies/", "/api/departments/"]


@pytest.mark.parametrize("page", ["²", "①", "-²", "٣", "１", "²0", " 1", "1 ", "+1", "1\u200b", "Ⅻ", "𝟙"])
@pytest.mark.parametrize("path", ["/measures/", "/api/measures/"])
def test_page_numbers_in_other_scripts_are_refused_with_a_message(client, path, page):
    response = client.get(path, {"page": page}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    message = "The page number must be a positive whole number."
    if path.startswith("/api/"):
        assert response.json()["error"] == message
    else:
        assert message in response.content.decode()


def many_parameters(count):
    return "&".join(f"p{i}=1" for i in range(count))


@pytest.mark.parametrize("path", PAGES + ["/measures/999999/", "/no-such-page/"])
def test_too_many_parameters_is_a_400_page_that_does_not_read_them_again(client, path):
    response = client.get(path, QUERY_STRING=many_parameters(1500), HTTP_ACCEPT_LANGUAGE="zh-Hant")
    assert response.status_code == 400
    body = response.content.decode()
    assert "參數太多" in body and "1000" in body
    # The page still offers the language and script switches, carrying nothing of the query.
    assert 'href="?lang=en"' in body and 'href="?script=tw"' in body and "p999" not in body


@pytest.mark.parametrize("path", APIS)
def test_too_many_parameters_in_the_api_is_a_json_400(client, path):
    response = client.get(path, QUERY_STRING=many_parameters(1001), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Too many parameters" in response.json()["error"]


def test_a_thousand_parameters_are_still_read(client):
    response = client.get("/measures/", QUERY_STRING=many_parameters(999) + "&q=" + quote("质押"))
    assert response.status_code == 200 and "质押" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/measures/?q=知识产权", "/places/330200/", "/api/measures/?q=质押"])
def test_pages_say_they_depend_on_the_readers_cookies(client, path):
    response = client.get(path)
    assert response.status_code == 200
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"cookie", "accept-language"} <= vary
    assert "private" in response["Cache-Control"]


def test_the_reading_script_changes_the_page_so_a_shared_cache_must_not_mix_them(client):
    """What ``Vary: Cookie`` protects: the same URL reads differently for two readers."""
    plain = Client().get("/measures/?q=知识产权").content.decode()
    taiwan = Client()
    taiwan.cookies["script"] = "tw"
    assert taiwan.get("/measures/?q=知识产权").content.decode() != plain


def test_health_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_preference_cookies_are_kept_from_scripts(client):
    response = client.get("/about/", {"script": "tw", "lang": "en"})
    for name in ("script", "django_language"):
        assert response.cookies[name]["httponly"] and response.cookies[name]["samesite"] == "Lax"


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_user("curator", "c@example.org", "right-password", is_staff=True,
                                                 is_superuser=True)


def test_an_unsafe_next_after_login_lands_on_the_admin_not_a_404(client, curator):
    response = client.post("/admin/login/?next=https://evil.example/", {
        "username": "curator", "password": "right-password", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200


PROXY = "10.0.0.2"


def login_through_proxy(client, password, forwarded_for, remote=PROXY):
    return client.post("/admin/login/?next=/admin/", {"username": "curator", "password": password},
                       REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for)


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_behind_a_trusted_proxy_failures_lock_out_the_attacker_not_the_curator(curator):
    attacker, colleague = Client(), Client()
    for _ in range(5):
        login_through_proxy(attacker, "wrong", "198.51.100.7")
    assert login_through_proxy(attacker, "right-password", "198.51.100.7").status_code == 429
    # The curator, from another address through the same proxy, logs in.
    assert login_through_proxy(colleague, "right-password", "203.0.113.20").status_code == 302


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_forged_forwarded_header_does_not_escape_the_lockout(curator):
    """A client that writes its own X-Forwarded-For (not through the proxy) is its own address;
    through the proxy, only the hop the proxy appended counts."""
    attacker = Client()
    for n in range(5):
        login_through_proxy(attacker, "wrong", f"192.0.2.{n}", remote="198.51.100.7")
    assert login_through_proxy(attacker, "right-password", "192.0.2.99", remote="198.51.100.7").status_code == 429
    for n in range(5):
        login_through_proxy(attacker, "wrong", f"192.0.2.{n}, 198.51.100.8")
    assert login_through_proxy(attacker, "right-password", "192.0.2.77, 198.51.100.8").status_code == 429


@pytest.mark.parametrize("trusted, remote, forwarded, expected", [
    ([], "10.0.0.2", "203.0.113.5", "10.0.0.2"),                          # no proxy trusted: the header is ignored
    (["10.0.0.2"], "10.0.0.2", "203.0.113.5", "203.0.113.5"),
    (["10.0.0.0/8"], "10.0.0.2", "203.0.113.5, 10.0.0.9", "203.0.113.5"),  # two proxies of ours
    (["10.0.0.2"], "10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),      # the left part is the client's word
    (["10.0.0.2"], "10.0.0.2", "not-an-address", "10.0.0.2"),
    (["10.0.0.2"], "10.0.0.2", "", "10.0.0.2"),
    (["10.0.0.2"], "198.51.100.1", "203.0.113.5", "198.51.100.1"),         # not from the proxy
    (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
])
def test_client_address(rf, trusted, remote, forwarded, expected):
    with override_settings(TRUSTED_PROXIES=trusted):
        request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        assert client_ip(request) == expected


@override_settings(RATE_LIMITS={"export": (3, 60), "place_guess": (3, 60)}, TRUSTED_PROXIES=[PROXY])
def test_exports_are_limited_per_client(client, django_user_model):
    def export(address, who=client):
        return who.get("/measures/export.csv", {"department": "cnipa"}, REMOTE_ADDR=PROXY,
                       HTTP_X_FORWARDED_FOR=address, HTTP_ACCEPT_LANGUAGE="en")

    assert [export("203.0.113.1").status_code for _ in range(3)] == [200, 200, 200]
    refused = export("203.0.113.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Too many requests" in refused.content.decode()
    assert export("203.0.113.2").status_code == 200  # another reader is not affected
    staff = Client()
    staff.force_login(django_user_model.objects.create_user("staff", "s@example.org", "pw", is_staff=True))
    assert export("203.0.113.1", staff).status_code == 200


@override_settings(RATE_LIMITS={"export": (3, 60), "place_guess": (3, 60)})
def test_guessing_at_unknown_place_names_is_limited_but_known_names_are_not(client):
    for name in ["宁坡", "东筦", "火星市"]:
        assert client.get("/api/applies/", {"place": name}).status_code == 404
    assert client.get("/places/", {"place": "冥王星"}).status_code == 429
    response = client.get("/api/applies/", {"place": "木星市"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429 and "Too many requests" in response.json()["error"]
    assert response["Retry-After"]
    assert client.get("/api/applies/", {"place": "宁波"}).status_code == 200
    assert client.get("/places/", {"place": "合肥"}).status_code == 302


@pytest.mark.parametrize("typed, expected", [("宁坡", "宁波市"), ("东筦", "东莞市"), ("合淝", "合肥市"),
                                             ("中华人民共和国国务院办公厅关于印发知识产权强国建设纲要的通知", "中卫市")])
def test_close_names_are_suggested_whatever_the_length_typed(client, typed, expected):
    response = client.get("/api/applies/", {"place": typed})
    assert response.status_code == 404
    assert expected in [p["name"] for p in response.json()["suggestions"]]
