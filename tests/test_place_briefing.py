"""A place's name typed in a search box leads to its page; place pages lead with a summary, list
each measure once with all its reasons, and say why in plain Chinese and English; misspelt names
get the likeliest places first; namesakes say which pilot region each lies in."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures.models import Measure

pytestmark = pytest.mark.django_db

BANNER = re.compile(r'<div class="place-banner">(.*?)</div>', re.S)


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html.replace("<br>", " "))).strip()


def banner(client, q, **params):
    response = client.get("/measures/", {"q": q, **params})
    assert response.status_code == 200
    found = BANNER.search(response.content.decode())
    return found and found.group(1)


def place_page(client, code, **params):
    response = client.get(f"/places/{code}/", params)
    assert response.status_code == 200
    return response.content.decode()


def summary(html):
    """The summary line: (total, {label: count})."""
    line = re.search(r'<p class="place-summary">(.*?)</p>', html, re.S).group(1)
    total = int(re.search(r"(\d+)", text_of(line)).group(1))
    parts = {label: int(n) for label, n in re.findall(r'<a href="#g-[\w-]+">([^<]+) <span class="count">(\d+)</span>', line)}
    return total, parts


def listed_measures(html):
    """Every measure link of the page's measure lists, in order (repeats kept)."""
    return re.findall(r'<li class="measure-item">\s*<h3><a href="(/measures/\d+/)', html)


# --- the banner on the search results ------------------------------------------------------------

@pytest.mark.parametrize("q", ["东莞", "東莞", "dongguan", "东莞市", "Dongguan"])
def test_a_place_name_in_the_search_leads_to_its_page_with_its_count(client, q):
    found = banner(client, q)
    assert found and 'href="/places/441900/"' in found
    total, _ = summary(place_page(client, "441900"))
    assert f"东莞市：适用的举措 {total} 项" in text_of(found)


def test_ningbo_banner_counts_what_the_page_lists(client):
    total, _ = summary(place_page(client, "330200"))
    assert f"宁波市：适用的举措 {total} 项" in text_of(banner(client, "宁波"))
    # the results of the search still follow
    html = client.get("/measures/", {"q": "宁波"}).content.decode()
    assert html.index("place-banner") < html.index('class="measure-item"')


def test_the_banner_speaks_the_interface_language(client):
    total, _ = summary(place_page(client, "330200"))
    assert f"宁波市: {total} measures apply" in text_of(banner(client, "ningbo", lang="en"))
    assert f"宁波市：適用的舉措 {total} 項" in text_of(banner(client, "寧波", lang="zh-hant"))


@pytest.mark.parametrize("q", ["知识产权", "宁波 专利", "专利 宁波", "-宁波", "质押", "330200"])
def test_other_searches_get_no_banner(client, q):
    assert banner(client, q) is None


def test_a_search_that_is_no_place_name_costs_no_place_query(client):
    client.get("/measures/", {"q": "宁波"})  # this process now holds the place index
    with CaptureQueriesContext(connection) as captured:
        assert banner(client, "知识产权") is None
    assert not [q for q in captured.captured_queries if "pilots_place" in q["sql"] or "'places'" in q["sql"]]
    with CaptureQueriesContext(connection) as captured:
        assert banner(client, "宁波")
    assert any("'places'" in q["sql"] for q in captured.captured_queries)  # a name: checked current


def test_an_ambiguous_name_offers_the_choice(client):
    found = banner(client, "通州")
    assert found and 'href="/places/?place=%E9%80%9A%E5%B7%9E"' in found
    assert "“通州”是 2 个地方的名称" in text_of(found)
    assert "北京市通州区" in found and "江苏省南通市通州区" in found


# --- the place page ------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["441900", "330200", "510100", "340100", "110000", "110112", "511500",
                                  "530100", "510000"])
def test_summary_numbers_are_the_counts_shown_and_each_measure_is_listed_once(client, code):
    html = place_page(client, code)
    total, parts = summary(html)
    assert sum(parts.values()) == total
    headings = [int(n) for n in re.findall(r'<h2 id="g-[\w-]+-h">[^<]*?（(\d+)）</h2>', html)]
    unsettled = len(re.findall(r'class="group group-unsettled"', html))
    # every applying section's heading count is in the summary, in the same order
    assert headings[:len(headings) - unsettled - 1] + headings[-1:] == list(parts.values())
    listed = listed_measures(html)
    assert len(listed) == len(set(listed))
    # with every group complete on the seeds, what is listed is what is counted (unsettled apart)
    applying = html[:html.find("group-unsettled")] + html[html.find("group-nationwide"):] \
        if unsettled else html
    assert len(set(listed_measures(applying))) == total


def test_a_task_naming_the_place_appears_once_with_both_reasons(client):
    html = place_page(client, "510100")  # 成都: 成都市's task naming 成都
    task = Measure.objects.get(region__slug="chengdu", text__contains="成都高新")
    assert listed_measures(html).count(task.get_absolute_url()) == 1
    item = html[html.index(task.get_absolute_url()):]
    item = item[:item.index("</li>")]
    assert "同时适用，因为：举措原文提到“成都”。" in text_of(item)
    section = html[:html.index(task.get_absolute_url())]
    assert section.rindex("group-region") > section.rfind("group-mention")


def test_the_nationwide_group_is_folded_last(client):
    html = place_page(client, "441900")
    nationwide = html[html.index('class="group group-nationwide"'):]
    assert re.search(r"<details class=\"folded\"><summary>列出这 14 项</summary>", nationwide)
    assert "<details class=\"folded\" open" not in html
    assert html.index("group-region") < html.index("group-programme") < html.index("group-nationwide")
    total, parts = summary(html)
    assert parts == {"粵港澳大灣區內地九市": 3, "全面创新改革试验": 3, "全国": 14} and total == 20


def reasons(client, code, lang="zh-hans"):
    html = place_page(client, code, lang=lang)
    block = html[html.index('class="region-matches"'):]
    return text_of(block[:block.index("</ul>")])


def test_reasons_read_right_in_chinese(client):
    yibin = reasons(client, "511500")
    assert "宜宾市位于四川省，但不在四川（成德绵）点名的核心（成都、德阳、绵阳）之内；对四川省的其他地方，来源没有说明是否适用。" in yibin
    assert "四川省在四川" not in yibin
    chengdu = reasons(client, "510100")
    assert "四川省成都市本身就是这一区域。 依据：名称本身。" in chengdu
    assert "属于成都市" not in chengdu
    hefei = reasons(client, "340100")
    assert "合肥都市圈以合肥市命名，合肥市必在其中；它的其余组成尚待核实。" in hefei
    assert "待核实 依据" not in hefei  # no "to confirm" mark on 合肥's own membership
    assert "鄞州区位于浙江省宁波市；浙江省宁波市属于杭甬溫。" in reasons(client, "330212")
    assert "北京城市副中心只覆盖北京市的一部分：北京市通州区。" in reasons(client, "110000")
    assert "浙江省温州市属于杭甬溫。" in reasons(client, "330300")
    # a place in the 合肥都市圈 that it is not named after keeps the caveat
    assert "安徽省芜湖市属于合肥都市圈。 待核实" in reasons(client, "340200")


def test_reasons_read_right_in_english(client):
    yibin = reasons(client, "511500", "en")
    assert ("宜宾市 lies in 四川省 but outside the core that 四川（成德绵） names (成都、德阳、绵阳); the sources do not "
            "say whether the rest of 四川省 is covered.") in yibin
    chengdu = reasons(client, "510100", "en")
    assert "四川省成都市 is the region itself. Basis: The name itself." in chengdu
    assert "依据" not in chengdu and "属于" not in chengdu and "：The" not in chengdu
    hefei = reasons(client, "340100", "en")
    assert "合肥都市圈 is named after 合肥市, so 合肥市 is certainly in it; the rest of its extent is still to be confirmed." in hefei
    assert "鄞州区 lies in 浙江省宁波市. 浙江省宁波市 is in 杭甬溫." in reasons(client, "330212", "en")
    summary_line = text_of(re.search(r'<p class="place-summary">(.*?)</p>', place_page(client, "330200", lang="en"), re.S).group(1))
    assert summary_line == "17 measures in all: 杭甬溫 3 · Nationwide 14"


def test_reasons_read_right_in_traditional_chinese(client):
    assert "對四川省的其他地方，來源沒有說明是否適用。" in reasons(client, "511500", "zh-hant")
    assert "合肥都市圈以合肥市命名，合肥市必在其中；它的其餘組成尚待核實。" in reasons(client, "340100", "zh-hant")


def test_the_api_keeps_its_shape(client):
    data = client.get("/api/applies/", {"place": "合肥"}).json()
    assert set(data) == {"place", "also_named", "regions", "groups", "measures"}
    assert set(data["regions"][0]) == {"name", "slug", "programme", "basis", "coverage", "to_confirm", "explanation"}
    assert {"reason", "reason_kind", "reasons"} <= set(data["measures"][0])


# --- suggestions and namesakes -------------------------------------------------------------------

@pytest.mark.parametrize("typed, first", [("宁皮", "浙江省宁波市"), ("宁坡", "浙江省宁波市"), ("深川", "广东省深圳市"),
                                          ("合淝", "安徽省合肥市"), ("ningpo", "浙江省宁波市"),
                                          ("hangzou", "浙江省杭州市")])
def test_suggestions_put_the_likeliest_place_first(client, typed, first):
    response = client.get("/places/", {"place": typed})
    assert response.status_code == 404
    html = response.content.decode()
    suggested = re.findall(r'<a href="/places/\d+/">([^<]+)</a>', html[html.index("相近的地名"):])
    assert suggested[0] == first


def test_the_choice_page_says_which_pilot_region_each_namesake_lies_in(client):
    html = client.get("/places/", {"place": "通州"}).content.decode()
    items = [text_of(li) for li in re.findall(r"<li>(.*?)</li>", html[html.index('class="candidates"'):], re.S)]
    beijing = next(i for i in items if i.startswith("北京市通州区"))
    nantong = next(i for i in items if i.startswith("江苏省南通市通州区"))
    assert "京津冀（全面创新改革试验）" in beijing and "北京城市副中心（要素市场化配置综合改革试点）" in beijing
    assert nantong.endswith("— 不在任何试点区域")
    english = client.get("/places/", {"place": "通州", "lang": "en"}).content.decode()
    assert "In no pilot region" in english
