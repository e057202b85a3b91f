"""Every page type in every interface language (简体, 繁體, English) at desktop and phone width, in
a real browser (Debian's Chromium via Playwright, against gunicorn): axe finds no violation of any
impact, and the page declares the language it is written in (html[lang]). One browser context per
language and width, reused for every page. Skipped, saying so, where Chromium is missing (a
failure under CI=true). Screenshots go to tests/artifacts/ (ignored by git)."""
from urllib.parse import urlencode

import pytest

# The same server and browser as the other browser tests (module-scoped fixtures, used by name).
from .test_browser import PAGE_TYPES, browser, shot, site  # noqa: F401

pytestmark = pytest.mark.browser

LANGUAGES = {"zh-hans": "zh-Hans", "zh-hant": "zh-Hant", "en": "en"}  # ?lang= value → html[lang]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def in_language(path, lang):
    """``path`` with ``lang`` chosen in the URL (a later ?lang= wins over the page's own)."""
    return f"{path}{'&' if '?' in path else '?'}{urlencode({'lang': lang})}"


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_page_type_has_no_accessibility_violation_in_every_language(browser, site, lang, width):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(base_url=site, locale="zh-CN", viewport=WIDTHS[width],
                                  is_mobile=width == "phone")
    page = context.new_page()
    found, wrong_lang = {}, {}
    try:
        for name, path in PAGE_TYPES.items():
            page.goto(in_language(path, lang))
            declared = page.evaluate("document.documentElement.lang")
            if declared != LANGUAGES[lang]:
                wrong_lang[name] = declared
            response = axe.run(page).response
            assert response["passes"], name  # axe ran its rules on the page
            violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                          for v in response["violations"]]
            if violations:
                found[name] = violations
                shot(page, f"lang-{lang}-{width}-{name}")
    finally:
        context.close()
    assert wrong_lang == {}
    assert found == {}
