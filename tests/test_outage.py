"""The database goes away or hangs: pages answer 503 within 2 s with a plain message (JSON for the
API), /healthz says so, and service resumes by itself when the database returns. For real:
gunicorn talks to PostgreSQL through a loopback proxy that the test cuts and restores, or
freezes and thaws."""
import json
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.db import connection

from scripts.servers import Gunicorn, ProxyProcess, TcpProxy

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


WORKERS = 2
APP_NAME = "catalogue-outage-test"  # how the test tells the app servers' connections apart


@pytest.fixture
def app_behind_frozen_proxy():
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of the suite (make test-postgres)")
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432)
    with ProxyProcess(host, port) as proxy:
        url = (f"postgres://{settings['USER']}@127.0.0.1:{proxy.port}/{settings['NAME']}"
               f"?application_name={APP_NAME}")
        env = {"DJANGO_SETTINGS_MODULE": "catalogue.settings.dev", "DEBUG": "0", "DATABASE_URL": url}
        with Gunicorn(env, workers=WORKERS) as server, \
                psycopg.connect(host=host, port=port, user=settings["USER"], dbname="postgres",
                                autocommit=True) as observer:
            yield server, proxy, observer


def app_connections(observer):
    return observer.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                            [APP_NAME]).fetchone()[0]


def at_once(server, paths):
    """Requests sent together, each on its own connection: [(path, status, headers, body, seconds)]."""
    with ThreadPoolExecutor(len(paths)) as pool:
        return [(path, *result) for path, result in zip(paths, pool.map(server.get, paths))]


def test_a_hung_database_is_a_quick_503_on_every_worker_and_recovery_is_automatic(app_behind_frozen_proxy):
    server, proxy, observer = app_behind_frozen_proxy
    workers = sorted(server.worker_pids)
    assert len(workers) == WORKERS
    # Warm up until every worker holds its persistent connection: requests sent together are
    # shared between the workers, one each while the other is busy.
    deadline = time.monotonic() + 30
    while app_connections(observer) < WORKERS:
        assert time.monotonic() < deadline, "the workers did not all connect"
        assert all(r[1] == 200 for r in at_once(server, [*PAGES, *APIS])), "warm-up"

    # The proxy stops: the kernel still accepts and acknowledges, nothing ever answers. Requests
    # go two at a time, so that each finds a worker free: two answered within 2 s each, when
    # each waits 1.5 s for the database, were served by both workers. The first pair meets the
    # persistent connections (the health check hangs), the next ones connecting anew.
    proxy.freeze()
    waves = [("/healthz", PAGES[0]), (PAGES[1], APIS[0]), (PAGES[2], APIS[1]), (PAGES[3], "/healthz")]
    answers = [answer for wave in waves for answer in at_once(server, wave)]
    timings = ", ".join(f"{path} {seconds:.2f} s" for path, _, _, _, seconds in answers)
    print(f"\n503 while the database hangs: {timings}")
    for path, status, headers, body, seconds in answers:
        assert status == 503 and seconds < 2, (path, status, seconds)
        assert headers["Retry-After"] and "Traceback" not in body, path
        if path == "/healthz":
            assert json.loads(body)["status"] == "unavailable"
        elif path.startswith("/api/"):
            assert headers["Content-Type"].startswith("application/json")
            assert json.loads(body)["error"] == "数据库暂时无法访问，请稍后再试。"
        else:
            assert headers["Content-Type"].startswith("text/html") and "数据库暂时无法访问" in body
    assert sorted(server.worker_pids) == workers, "a worker was killed and replaced"

    proxy.thaw()
    started = time.monotonic()
    while server.get("/healthz")[0] != 200:
        assert time.monotonic() - started < 5, "no recovery within 5 s"
        time.sleep(0.1)
    print(f"recovered {time.monotonic() - started:.2f} s after the database")
    for _ in range(3):  # every worker, its connection opened anew
        for path, status, *_ in at_once(server, [*PAGES, *APIS, "/healthz"]):
            assert status == 200, path
    assert sorted(server.worker_pids) == workers
