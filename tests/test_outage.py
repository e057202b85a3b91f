"""The database goes away: pages answer 503 within 2 s with a plain message (JSON for the API),
/healthz says so, and service resumes by itself when the database returns. For real: gunicorn
talks to PostgreSQL through a loopback proxy that the test cuts and restores."""
import json
import time

import pytest
from django.db import connection

from scripts.servers import Gunicorn, TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

PAGES = ["/", "/measures/?q=质押", "/places/330200/", "/measures/?department=ndrc"]
APIS = ["/api/measures/?q=知识产权", "/api/applies/?place=宁波"]


@pytest.fixture
def app_behind_proxy():
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of the suite (make test-postgres)")
    settings = connection.settings_dict  # the test database, loaded and committed when the test run began
    with TcpProxy(settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432)) as proxy:
        url = f"postgres://{settings['USER']}@127.0.0.1:{proxy.port}/{settings['NAME']}"
        env = {"DJANGO_SETTINGS_MODULE": "catalogue.settings.dev", "DEBUG": "0", "DATABASE_URL": url}
        with Gunicorn(env, workers=1) as server:
            yield server, proxy


def test_outage_is_a_quick_503_and_recovery_is_automatic(app_behind_proxy):
    server, proxy = app_behind_proxy
    for path in ["/healthz", *PAGES, *APIS]:
        status, _, _, _ = server.get(path)
        assert status == 200, path

    proxy.cut()
    status, _, body, elapsed = server.get("/healthz")
    assert status == 503 and json.loads(body)["status"] == "unavailable" and elapsed < 2
    for path in PAGES:
        status, headers, body, elapsed = server.get(path)
        assert status == 503, path
        assert elapsed < 2, (path, elapsed)
        assert "数据库暂时无法访问" in body and "Traceback" not in body and headers["Retry-After"]
        assert headers["Content-Type"].startswith("text/html")
    for path in APIS:
        status, headers, body, elapsed = server.get(path)
        assert status == 503 and elapsed < 2 and headers["Content-Type"].startswith("application/json")
        assert json.loads(body)["error"] == "数据库暂时无法访问，请稍后再试。"
    status, _, body, _ = server.get("/api/measures/?q=质押", {"Accept-Language": "en"})
    assert status == 503 and "cannot be reached" in json.loads(body)["error"]

    proxy.restore()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.get("/healthz")[0] == 200:
            break
        time.sleep(0.2)
    for path in ["/healthz", *PAGES, *APIS]:
        status, _, _, _ = server.get(path)
        assert status == 200, path


def test_a_page_that_needs_no_database_still_answers(app_behind_proxy):
    server, proxy = app_behind_proxy
    proxy.cut()
    status, _, body, _ = server.get("/about/")
    assert status == 200 and "关于本目录" in body
