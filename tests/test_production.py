"""Production settings: refuse to start without what a public server needs; send the security
headers on real responses from gunicorn."""
import os
import subprocess
import sys

import pytest

from scripts.servers import ROOT, STRONG_KEY, Gunicorn, manage

PROD = {
    "DJANGO_SETTINGS_MODULE": "catalogue.settings.prod",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    # Settings load without connecting; the pages used below touch no database.
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/catalogue",
}


def setup_django(env):
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_settings(missing):
    env = {k: v for k, v in PROD.items() if k != missing}
    clean = {k: v for k, v in os.environ.items() if k not in PROD}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                            env={**clean, **env}, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and f"{missing} must be set in production" in result.stderr


def test_production_refuses_sqlite():
    result = setup_django({**PROD, "DATABASE_URL": "sqlite:///x.sqlite3"})
    assert result.returncode != 0 and "production runs on PostgreSQL" in result.stderr


def test_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={**os.environ, **PROD}, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def prod_server(tmp_path_factory):
    static = tmp_path_factory.mktemp("static")
    env = {**os.environ, **PROD, "STATIC_ROOT": str(static)}
    manage("collectstatic", "--noinput", "-v0", env=env)
    with Gunicorn({**PROD, "STATIC_ROOT": str(static)}) as server:
        yield server


HTTPS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def test_security_headers_on_a_real_response(prod_server):
    status, headers, body, _ = prod_server.get("/about/", HTTPS)
    assert status == 200 and "关于本目录" in body
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["Strict-Transport-Security"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_cookies_are_secure(prod_server):
    status, headers, _, _ = prod_server.get("/admin/login/", HTTPS)
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie
    # The reader's choices of reading script and interface language too.
    for query, name in [("script=tw", "script="), ("lang=en", "django_language=")]:
        status, headers, _, _ = prod_server.get(f"/about/?{query}", HTTPS)
        cookie = headers["Set-Cookie"]
        assert status == 200 and cookie.startswith(name) and "Secure" in cookie and "HttpOnly" in cookie


def test_pages_are_private_to_their_reader_in_production(prod_server):
    status, headers, _, _ = prod_server.get("/about/", HTTPS)
    assert status == 200 and "Cookie" in headers["Vary"] and "private" in headers["Cache-Control"]


def test_plain_http_is_redirected_to_https(prod_server):
    status, headers, _, _ = prod_server.get("/about/", {"Host": "127.0.0.1"})
    assert status == 301 and headers["Location"].startswith("https://")


def test_static_files_are_served_hashed_by_whitenoise(prod_server):
    _, _, body, _ = prod_server.get("/about/", HTTPS)
    css = body.split('rel="stylesheet" href="')[1].split('"')[0]
    assert css.startswith("/static/css/site.") and css.endswith(".css") and css != "/static/css/site.css"
    status, headers, _, _ = prod_server.get(css, HTTPS)
    assert status == 200 and "max-age" in headers.get("Cache-Control", "")


def test_pages_carry_no_inline_script_or_style(client, db):
    for url in ["/", "/measures/", "/measures/?q=质押", "/places/330200/", "/documents/guohan-2025-86/"]:
        html = client.get(url).content.decode()
        assert "<script>" not in html and "<style" not in html and " style=" not in html, url
