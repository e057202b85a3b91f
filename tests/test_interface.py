"""The interface: reading script, interface language, chips and sorting, exports, the map."""
import csv
import io
import re

import pytest
from openpyxl import load_workbook

from measures.models import Measure
from pilots.models import Region

pytestmark = pytest.mark.django_db


def html(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


# --- reading script ----------------------------------------------------------------------------

def test_traditional_reading_converts_measures_headings_and_names(client):
    page = html(client, "/measures/", script="hant")
    assert "知識產權民事、刑事、行政案件“三合一”審判" in page   # measure 1, published in Simplified
    assert "国家知识产权局" not in page and "國家知識產權局" in page
    detail = html(client, Measure.objects.get(number=3).get_absolute_url())  # remembered by cookie
    assert "以降低侵權損失爲核心的專利保險機制" in detail  # OpenCC's s2t writes 爲; 台灣 (s2twp) writes 為
    assert 'href="?script=orig"' in detail and "查看原文" in detail


def test_simplified_reading_converts_the_traditional_document(client):
    page = html(client, "/documents/guohan-2025-86/", script="hans")
    assert "国务院关于全国部分地区要素市场化配置综合改革试点实施方案的批复" in page
    assert "寧波市探索知識產權保險" not in page and "宁波市探索知识产权保险" in page


def test_taiwan_reading_uses_taiwan_vocabulary(client):
    page = html(client, Measure.objects.get(number=11).get_absolute_url(), script="tw")
    assert "智慧財產權質押" in page


def test_as_published_is_one_click_away_and_the_default(client):
    measure = Measure.objects.get(number=3)
    assert measure.title in html(client, measure.get_absolute_url())
    client.get("/", {"script": "hant"})
    assert measure.title not in html(client, measure.get_absolute_url())
    assert measure.title in html(client, measure.get_absolute_url(), script="orig")
    assert client.cookies["script"].value == "orig"


def test_reading_script_does_not_change_search_or_the_api(client):
    client.get("/", {"script": "hant"})
    data = client.get("/api/measures/", {"q": "三合一"}).json()
    assert data["results"][0]["title"] == Measure.objects.get(number=1).title  # as stored
    assert html(client, "/measures/", q="三合一").count("measure-item") == 1


def test_unknown_script_values_are_ignored(client):
    page = html(client, "/measures/", script="klingon")
    assert Measure.objects.get(number=1).title in page


# --- interface language ------------------------------------------------------------------------

def test_english_interface_keeps_the_data_as_published(client):
    page = html(client, "/measures/", lang="en")
    assert "Measures" in page and "Apply filters" in page and 'lang="en"' in page
    assert Measure.objects.get(number=1).title in page
    assert "Measures" in html(client, "/")  # remembered


def test_traditional_interface(client):
    page = html(client, "/", lang="zh-hant")
    assert "我的城市適用哪些舉措？" in page and 'lang="zh-Hant"' in page


# --- browsing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "zh_Hant"])
def test_every_interface_string_is_translated(language):
    """A string added without its translation shows up in Simplified Chinese in an English page."""
    from django.conf import settings

    po = (settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = [e for e in po.split("\n\n") if "\nmsgid " in f"\n{e}" and 'msgid ""\nmsgstr ""\n"Project' not in e]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    # an empty translation: msgstr "" (or msgstr[0] "") with no continuation line after it
    untranslated = [e for e in entries if re.search(r'^msgstr(\[0\])? ""$(?!\n")', e, re.M)]
    assert not fuzzy and not untranslated, (fuzzy + untranslated)[:3]


def test_filter_chips_remove_one_filter_each(client):
    page = html(client, "/measures/", q="质押", department=["pboc", "cnipa"], scope="nationwide")
    assert 'href="?department=pboc&amp;department=cnipa&amp;scope=nationwide"' in page  # without q
    assert 'href="?q=%E8%B4%A8%E6%8A%BC&amp;department=cnipa&amp;scope=nationwide"' in page  # without pboc
    assert 'href="?q=%E8%B4%A8%E6%8A%BC&amp;department=pboc&amp;department=cnipa"' in page  # without scope
    assert 'class="clear-all" href="/measures/"' in page


def position(page, measure):
    return page.index(f'<h3><a href="{measure.get_absolute_url()}')


def test_sort_orders(client, settings):
    settings.MEASURES_PAGE_SIZE = 100
    source = html(client, "/measures/", q="质押", sort="source")
    relevance = html(client, "/measures/", q="质押")
    newest = html(client, "/measures/", sort="newest")
    eleven, thirteen = Measure.objects.get(number=11), Measure.objects.get(number=13)
    beijing_task = Measure.objects.filter(region__slug="beijing-city-sub-centre")[1]
    assert position(source, eleven) < position(source, beijing_task)  # the 2018 list comes first
    assert position(relevance, thirteen) < position(relevance, beijing_task)  # 质押 in 13's title
    approval_first = Measure.objects.filter(document__slug="guohan-2025-86").first()
    assert position(newest, approval_first) < position(newest, Measure.objects.get(number=1))
    assert html(client, "/measures/", 400, sort="sideways").count("没有这种排序") == 1


# --- exports -----------------------------------------------------------------------------------

def test_csv_export_is_exactly_the_filtered_list_for_excel(client):
    response = client.get("/measures/export.csv", {"q": "知识产权质押", "document": "guohan-2025-86"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    api = client.get("/api/measures/", {"q": "知识产权质押", "document": "guohan-2025-86", "page": 1}).json()
    assert rows[0][:3] == ["序号", "标题", "文号"]  # no database key: the address names the measure
    assert [int(r[10].rstrip("/").rsplit("/", 1)[1]) for r in rows[1:]] == [r["id"] for r in api["results"]]
    assert all(r[10].startswith("http") for r in rows[1:])


def test_exports_cover_every_page(client, settings):
    settings.MEASURES_PAGE_SIZE = 5
    raw = b"".join(client.get("/measures/export.csv").streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(raw)))) == Measure.objects.count() + 1


def test_xlsx_export(client):
    response = client.get("/measures/export.xlsx", {"region": "hang-yong-wen"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # streamed
    rows = list(sheet.values)
    assert rows[0][1] == "标题" and len(rows) == 4
    assert rows[3][1] == "加強知識產權保護運營。"


def test_export_follows_the_reading_script_and_defuses_formulas(client):
    measure = Measure.objects.get(number=1)
    measure.text = "=HYPERLINK(\"http://evil\")" + measure.text
    measure.save()
    raw = b"".join(client.get("/measures/export.csv", {"q": "三合一", "script": "hant"}).streaming_content)
    row = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[1]
    assert row[1] == "知識產權民事、刑事、行政案件“三合一”審判"
    assert row[9].startswith("'=HYPERLINK")


def test_export_of_bad_filters_is_a_400_and_unknown_format_404(client):
    assert client.get("/measures/export.csv", {"scope": "mars"}).status_code == 400
    assert client.get("/measures/export.pdf").status_code == 404


def test_list_page_links_exports_and_api_with_its_filters(client):
    page = html(client, "/measures/", q="质押", scope="nationwide")
    assert '/measures/export.csv?q=%E8%B4%A8%E6%8A%BC&amp;scope=nationwide' in page
    assert '/api/measures/?q=%E8%B4%A8%E6%8A%BC&amp;scope=nationwide' in page


# --- the map -----------------------------------------------------------------------------------

def test_map_shows_every_region_linking_to_its_page(client):
    page = html(client, "/map/")
    assert "<svg" in page
    for region in Region.objects.all():
        assert f'<a href="{region.get_absolute_url()}"' in page
    assert page.count('class="region programme-1"') == 8 and page.count('class="region programme-2"') == 10


def test_region_page_shows_its_places_on_the_map(client):
    page = html(client, "/regions/hang-yong-wen/")
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count("<circle") > 300  # the country's outline…
    region_part = svg[svg.index('class="region'):]
    assert region_part.count("<circle") == 3  # …and 杭州, 宁波, 温州
    whole_province = html(client, "/regions/jing-jin-ji/")  # 河北省 drawn as its prefectures
    assert whole_province[whole_province.index('class="region'):].count("<circle") >= 13


def test_print_stylesheet_hides_the_chrome():
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "static/css/site.css").read_text()
    block = css[css.index("@media print"):]
    for selector in [".site-header", ".filters", ".pagination", ".display-options", ".exports"]:
        assert selector in block


def test_list_snippets_are_the_texts_opening_cut_with_an_ellipsis(client):
    """A list item shows a measure's text up to 120 characters: whole when it fits, otherwise
    its first 119 and an ellipsis (catalogue.templatetags.reading.clip)."""
    import html as html_lib

    page = html(client, "/measures/", page_size=100)
    snippets = [html_lib.unescape(s) for s in re.findall(r'<p class="snippet">(.*?)</p>', page, re.S)]
    texts = [m.text for m in Measure.objects.in_source_order() if m.text][:len(snippets)]
    assert snippets and len(snippets) == len(texts)
    for shown, text in zip(snippets, texts):
        assert shown == (text if len(text) <= 120 else text[:119] + "…")
    assert any(len(t) > 120 for t in texts) and any(len(t) <= 120 for t in texts)
