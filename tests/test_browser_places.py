"""A place typed in the header search leads, through the banner, to its page; the place page in a
real browser (Debian's Chromium via Playwright, against gunicorn) at desktop and phone width, in
Simplified Chinese and English: nationwide measures folded, no accessibility violation."""
import pytest

# The same server and browser as the other browser tests (module-scoped fixtures, used by name).
from .test_browser import browser, shot, site  # noqa: F401

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def new_page(browser, site, width):
    context = browser.new_context(base_url=site, locale="zh-CN", viewport=WIDTHS[width],
                                  is_mobile=width == "phone")
    return context, context.new_page()


def test_type_a_city_in_the_header_search_and_follow_the_banner(browser, site):
    context, page = new_page(browser, site, "desktop")
    try:
        page.goto("/")
        page.fill("#header-q", "东莞")
        page.press("#header-q", "Enter")
        page.wait_for_url("**/measures/?q=*")
        link = page.locator(".place-banner a")
        assert "东莞市：适用的举措 20 项" in link.inner_text()
        # the search's own answer still follows (no measure's text names 东莞)
        assert page.locator(".results .result-count").inner_text() == "“东莞”：共 0 项"
        link.click()
        page.wait_for_url("**/places/441900/")
        assert page.locator("h1").inner_text() == "东莞市适用的举措"
        assert page.locator(".place-summary").inner_text().startswith("共 20 项：")
        folded = page.locator("section.group-nationwide details")
        assert folded.get_attribute("open") is None
        assert not folded.locator(".measure-item").first.is_visible()
        assert page.locator("section.group-region .measure-item").first.is_visible()
        folded.locator("summary").click()
        assert folded.locator(".measure-item").first.is_visible()
        shot(page, "place-briefing")
    finally:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize("path", ["/places/441900/", "/places/510100/", "/places/511500/", "/measures/?q=東莞",
                                  "/places/?place=通州"])
def test_place_pages_fit_and_have_no_accessibility_violation(browser, site, path, lang, width):
    from axe_playwright_python.sync_playwright import Axe

    context, page = new_page(browser, site, width)
    try:
        page.goto(path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                      for v in Axe().run(page).response["violations"]]
        shot(page, f"places-{path.strip('/').replace('/', '-').replace('?', '-')}-{lang}-{width}")
        assert violations == []
    finally:
        context.close()
