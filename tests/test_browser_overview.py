"""The overview in a real browser (Debian's Chromium via Playwright, against gunicorn): the home
page's charts drawn and axe-clean at desktop and phone width, a bar followed to the list it
counts, and the map with its labels and the list of the same places. Skipped, saying so, where
Chromium is missing (a failure under CI=true). Screenshots go to tests/artifacts/."""
import re

import pytest

from .test_browser import browser, shot, site  # noqa: F401

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def new_page(browser, site, width):
    context = browser.new_context(base_url=site, locale="zh-CN", viewport=WIDTHS[width], is_mobile=width == "phone")
    return context, context.new_page()


def violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("path", ["/", "/map/", "/new/", "/departments/cnipa/", "/regions/hang-yong-wen/"])
def test_overview_pages_are_drawn_and_axe_clean(browser, site, path, width):
    context, page = new_page(browser, site, width)
    try:
        page.goto(path)
        if path == "/":
            charts = page.locator("svg.bar-chart")
            assert charts.count() == 3
            for i in range(3):
                box = charts.nth(i).bounding_box()
                assert box["width"] > 250 and box["height"] > 40  # drawn, at a readable size
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shot(page, f"overview-{path.strip('/').replace('/', '-') or 'home'}-{width}")
        assert violations(page) == []
    finally:
        context.close()


def test_a_bar_leads_to_the_list_with_the_same_count(browser, site):
    context, page = new_page(browser, site, "desktop")
    try:
        page.goto("/")
        bar = page.locator("svg.bar-chart a.bar").first
        value = int(bar.locator("text.bar-value").text_content())
        bar.click()
        page.wait_for_url(re.compile(r"/measures/\?department="))
        assert page.locator(".result-count").text_content().strip().endswith(f"共 {value} 项")
    finally:
        context.close()


def test_the_map_names_places_and_lists_them(browser, site):
    context, page = new_page(browser, site, "desktop")
    try:
        page.goto("/map/")
        labels = page.locator(".map .labels text")
        assert labels.count() > 20
        assert page.locator(".map .labels text.region-label", has_text="京津冀").is_visible()
        listed = page.locator(".map-lists .map-places a")
        assert listed.count() >= 40
        listed.filter(has_text="宁波市").first.click()
        page.wait_for_url(re.compile(r"/places/330200/"))
    finally:
        context.close()
