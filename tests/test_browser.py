"""In a real browser: Debian's Chromium driven by Playwright, against gunicorn serving the app.

Skipped, saying so, where Chromium is not installed; under CI=true a missing Chromium fails.
Screenshots of every page type are saved to tests/artifacts/ (ignored by git).
"""
import csv
import importlib.util
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from scripts.servers import Gunicorn, manage

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
               "--disable-background-networking", "--disable-component-update"]

pytestmark = pytest.mark.browser


def require_browser():
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium ({CHROMIUM}; apt-get install chromium fonts-noto-cjk)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: this is a failure, not a skip)")
        pytest.skip(message + ": browser tests SKIPPED")


@pytest.fixture(scope="module")
def site():
    require_browser()
    workdir = Path(tempfile.mkdtemp(prefix="catalogue-browser-"))
    env = {"DJANGO_SETTINGS_MODULE": "catalogue.settings.dev", "DEBUG": "0",
           "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}"}
    full_env = {**os.environ, **env}
    manage("migrate", "--noinput", "-v0", env=full_env)
    manage("load_catalogue", "-v0", env=full_env)
    with Gunicorn(env, workers=2) as server:
        yield f"http://127.0.0.1:{server.port}"
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(base_url=site, locale="zh-CN", accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_search_in_traditional_highlights_simplified_measures(page):
    page.goto("/")
    page.fill("#header-q", "知識產權質押")
    page.click("form.header-search button")
    page.wait_for_url(re.compile(r"/measures/\?q="))
    marks = page.locator("mark").all_inner_texts()
    assert "知识产权质押" in marks  # measure 11, published in Simplified
    assert "知識產權質押" in marks  # the approval's tasks, published in Traditional
    assert page.locator(".result-count").inner_text().startswith("“知識產權質押”")
    shot(page, "search")


def test_filter_by_two_departments(page):
    page.goto("/measures/")
    page.check("input[name=department][value=ndrc]")
    page.check("input[name=department][value=csrc]")
    page.click("form.filter-form button[type=submit]")  # choices apply on the button, never alone
    page.wait_for_url(re.compile(r"department=ndrc&department=csrc$"))
    page.wait_for_function("document.querySelector('.result-count').textContent.includes('共 5 项')")
    assert page.locator(".chips a").count() == 3  # two departments, and "clear all"
    page.click(".chips a:has-text('中国证监会')")
    assert "共 4 项" in page.locator(".result-count").inner_text()
    shot(page, "list-filtered")


def test_look_up_a_city_and_follow_a_measure(page):
    page.goto("/")
    page.fill("#place-q", "寧波")
    page.click("form.place-form button")
    page.wait_for_url("**/places/330200/")
    assert page.locator("h1").inner_text() == "宁波市适用的举措"
    group = page.locator("section.group-region")
    assert "杭甬溫" in group.locator("h2").inner_text()
    group.locator(".measure-item a").first.click()
    # A task's title stands alone on its page: its region comes with it.
    assert page.locator("h1").inner_text() == "杭甬溫｜健全職務科技成果產權制度。"
    shot(page, "place-measure")


def test_switch_script_and_see_the_page_converted(page):
    page.goto("/documents/innovation-reform-list-2/")
    assert "知识产权民事" in page.content()
    page.click(".display-options a:has-text('繁體')")
    assert "知識產權民事" in page.content() and "知识产权民事" not in page.locator("main").inner_text()
    page.goto("/measures/1/")  # remembered
    assert "知識產權民事" in page.locator("h1").inner_text()
    page.click("text=查看原文")
    assert "知识产权民事" in page.locator("h1").inner_text()
    shot(page, "script-switch")


def test_download_the_csv_and_read_it_back(page):
    page.goto("/measures/?q=质押")
    count = int(re.search(r"共 (\d+) 项", page.locator(".result-count").inner_text())[1])
    with page.expect_download() as download_info:
        page.click("a:has-text('CSV')")
    path = download_info.value.path()
    raw = Path(path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "标题", "文号"] and len(rows) == count + 1


PAGE_TYPES = {
    "home": "/", "list": "/measures/", "search": "/measures/?q=知识产权&department=cnipa",
    "empty-search": "/measures/?q=量子计算", "measure": "/measures/11/", "task": "/measures/40/",
    "document-list": "/documents/innovation-reform-list-2/", "document-approval": "/documents/guohan-2025-86/",
    "category": "/categories/innovation-reform-list-2-4/", "departments": "/departments/",
    "department": "/departments/cbirc/", "programmes": "/pilots/", "programme": "/pilots/factor-market-reform-pilots/",
    "region": "/regions/hang-yong-wen/", "map": "/map/", "lookup": "/places/", "place": "/places/441900/",
    "ambiguous": "/places/?place=通州", "about": "/about/", "not-found": "/measures/999999/",
    "bad-request": "/measures/?scope=mars", "english": "/measures/?lang=en",
    "whats-new": "/new/", "search-a-city": "/measures/?q=东莞",
    "all-of-departments": "/measures/?department=most&department=mof&department_match=all",
}


@pytest.mark.parametrize("name, path", PAGE_TYPES.items(), ids=list(PAGE_TYPES))
def test_every_page_type_has_no_serious_accessibility_violation(page, name, path):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(path)
    results = Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    shot(page, f"page-{name}")
    assert serious == []


@pytest.mark.parametrize("path", ["/measures/?q=质押", "/places/330200/", "/measures/11/"])
def test_phone_width_has_no_horizontal_scroll(browser, site, path):
    context = browser.new_context(base_url=site, viewport={"width": 375, "height": 740}, is_mobile=True,
                                  locale="zh-CN")
    page = context.new_page()
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "phone-" + path.strip("/").replace("/", "-").replace("?", "-"))
    context.close()


def test_works_without_javascript(browser, site):
    context = browser.new_context(base_url=site, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto("/measures/")
    page.check("input[name=scope][value=programme]")
    page.click(".filter-form button[type=submit]")
    assert "共 3 项" in page.locator(".result-count").inner_text()
    context.close()


def test_print_layout_of_a_measure(page):
    page.goto("/measures/11/")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert page.locator("h1").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "print-measure.pdf"))
