"""Comparing places: what every place shares (each measure once), what applies to some only with
the reason and its basis, and every bad request answered with a message, never a 500."""
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from measures.models import Measure
from pilots.models import Membership, Region

from .helpers import openapi

pytestmark = pytest.mark.django_db

HEFEI, CHENGDU, DONGGUAN = "340100", "510100", "441900"


def compare_api(client, *places, status=200, **params):
    response = client.get("/api/compare/", {"place": list(places), **params})
    assert response.status_code == status, response.content.decode()
    return response.json()


def compare_page(client, *places, status=200, **params):
    response = client.get("/compare/", {"place": list(places), **params})
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def ids_of(measures):
    return [m["id"] for m in measures]


def task_ids(slug):
    return set(Region.objects.get(slug=slug).tasks.values_list("pk", flat=True))


def nationwide_ids():
    return set(Measure.objects.nationwide().values_list("pk", flat=True))


def link_count(page, measure_id):
    return len(re.findall(rf'href="/measures/{measure_id}/"', page))


# --- what is shared, what is not -------------------------------------------------------------

def test_hefei_and_chengdu_share_the_nationwide_measures_listed_once(client):
    data = compare_api(client, "合肥", "成都")
    assert [p["code"] for p in data["places"]] == [HEFEI, CHENGDU]
    shared = ids_of(data["shared"])
    assert len(shared) == len(set(shared))
    assert len(nationwide_ids()) == 14 and nationwide_ids() <= set(shared)
    page = compare_page(client, "合肥", "成都")
    assert all(link_count(page, pk) == 1 for pk in nationwide_ids())
    assert "全国推广的举措（14）" in page


def test_each_place_keeps_its_own_region_tasks(client):
    data = compare_api(client, "合肥", "成都")
    assert set(ids_of(data["only"][HEFEI])) == task_ids("hefei-metropolitan-circle")
    assert set(ids_of(data["only"][CHENGDU])) == task_ids("chengdu")
    assert not set(ids_of(data["shared"])) & (task_ids("hefei-metropolitan-circle") | task_ids("chengdu"))
    assert {m["reason_kind"] for m in data["only"][HEFEI]} == {"region"}
    assert all(m["also_applies_to"] == [] for m in data["only"][HEFEI])

    page = compare_page(client, "合肥", "成都")
    hefei_side = page[page.index('id="only-1"'):page.index('id="only-2"')]
    chengdu_side = page[page.index('id="only-2"'):]
    assert "只适用于合肥市（3）" in hefei_side and "只适用于成都市（2）" in chengdu_side
    assert "合肥都市圈的任务" in hefei_side and "成都市的任务" in chengdu_side
    assert all(f'href="/measures/{pk}/"' in hefei_side for pk in task_ids("hefei-metropolitan-circle"))
    assert not any(f'href="/measures/{pk}/"' in hefei_side for pk in task_ids("chengdu"))
    assert all(f'href="/measures/{pk}/"' in chengdu_side for pk in task_ids("chengdu"))


def test_shared_reform_area_measures_say_why_for_each_place(client):
    # Both lie in a reform area of 全面创新改革试验, each in its own: 合芜蚌 and 成德绵.
    data = compare_api(client, "合肥", "成都")
    area_measure = next(m for m in data["shared"] if m["scope"] == "programme")
    reasons = area_measure["reasons"]
    assert "安徽（合芜蚌）" in reasons[HEFEI][0]["reason"] and "四川（成德绵）" in reasons[CHENGDU][0]["reason"]
    page = compare_page(client, "合肥", "成都")
    shared = page[page.index('id="shared-h"'):page.index('id="only-h"')]
    assert "<strong>合肥市</strong>：安徽省合肥市属于安徽（合芜蚌）" in shared
    assert "<strong>成都市</strong>：四川省成都市属于四川（成德绵）" in shared
    assert shared.count("推广范围为全国。") == 1  # the same reason for both: said once


def test_membership_basis_is_shown_for_each_place(client):
    page = compare_page(client, "合肥", "成都")
    for code in (HEFEI, CHENGDU):
        for membership in Membership.objects.filter(place__code=code):
            assert membership.basis in page
    assert "待核实" in page  # 合肥都市圈's extent is still to be confirmed
    data = compare_api(client, "合肥", "成都")
    hefei = data["places"][0]
    assert {r["slug"] for r in hefei["regions"]} == {"anhui-he-wu-beng", "hefei-metropolitan-circle"}
    assert all(r["basis"] and r["explanation"] for r in hefei["regions"])


@pytest.mark.parametrize("names", [("東莞", "成都"), ("东莞", "chengdu"), ("dongguan", "510100")])
def test_any_form_of_a_name_is_compared(client, names):
    data = compare_api(client, *names)
    assert [p["code"] for p in data["places"]] == [DONGGUAN, CHENGDU]
    assert set(ids_of(data["only"][DONGGUAN])) == task_ids("gba-nine-mainland-cities")
    assert "东莞市" in compare_page(client, *names)


def test_three_places_say_which_others_share_a_measure(client):
    # 东莞 and 北京 lie in reform areas, 宁波 in none: the areas' measures are not shared by all.
    data = compare_api(client, "東莞", "北京", "宁波")
    area_ids = set(Measure.objects.filter(scope="programme").values_list("pk", flat=True))
    assert set(ids_of(data["shared"])) == nationwide_ids()
    dongguan = {m["id"]: m for m in data["only"][DONGGUAN]}
    assert area_ids <= set(dongguan) and all(dongguan[pk]["also_applies_to"] == ["110000"] for pk in area_ids)
    assert not area_ids & set(ids_of(data["only"]["330200"]))
    page = compare_page(client, "東莞", "北京", "宁波")
    assert "也适用于：北京市" in page and "也适用于：东莞市" in page


def test_places_in_the_same_regions_share_everything(client):
    data = compare_api(client, "广州", "深圳")
    assert data["only"] == {"440100": [], "440300": []}
    assert task_ids("gba-nine-mainland-cities") <= set(ids_of(data["shared"]))
    assert "除各地共同适用的举措外，广州市没有其他举措。" in compare_page(client, "广州", "深圳")


def test_namesakes_compared_are_told_apart(client):
    page = compare_page(client, "110112", "320612")
    assert "比较：北京市通州区、江苏省南通市通州区" in page
    assert "只适用于北京市通州区" in page and "只适用于江苏省南通市通州区" in page


def test_the_form_keeps_the_places_and_the_place_page_links_to_it(client):
    page = compare_page(client, "合肥", "成都")
    assert 'name="place" value="合肥"' in page and 'name="place" value="成都"' in page
    assert page.count('name="place"') == 4  # two more fields, empty
    place_page = client.get(f"/places/{HEFEI}/").content.decode()
    assert 'action="/compare/"' in place_page and f'type="hidden" name="place" value="{HEFEI}"' in place_page
    assert "与其他地方比较" in place_page


def test_empty_fields_of_the_form_are_not_places(client):
    data = compare_api(client, "合肥", "", "成都", " ")
    assert [p["code"] for p in data["places"]] == [HEFEI, CHENGDU]


def test_without_places_the_page_is_the_form_and_the_api_says_what_is_missing(client):
    response = client.get("/compare/")
    assert response.status_code == 200
    assert "输入两到四个地方" in response.content.decode()
    assert "请至少输入 2 个地方" in compare_api(client, status=400)["error"]
    assert "请至少输入 2 个地方" in compare_page(client, "", "", status=400)  # the form sent empty


# --- what cannot be compared -----------------------------------------------------------------

@pytest.mark.parametrize("places, message", [
    (["合肥"], "请至少输入 2 个地方"),
    (["合肥", "成都", "宁波", "东莞", "昆明"], "最多比较 4 个地方，现在是 5 个"),
    (["合肥", "hefei"], "是同一个地方（安徽省合肥市）"),
    (["合肥", "成" * 51], "地名太长"),
])
def test_too_few_too_many_or_the_same_place_twice_is_400(client, places, message):
    assert message in compare_api(client, *places, status=400)["error"]
    assert message in compare_page(client, *places, status=400)


def test_an_unknown_name_is_404_naming_it_with_suggestions_that_keep_the_others(client):
    data = compare_api(client, "成都", "合淝", status=404)
    assert "合淝" in data["error"]
    assert data["unknown"][0]["place"] == "合淝" and data["unknown"][0]["index"] == 1
    assert HEFEI in [p["code"] for p in data["unknown"][0]["suggestions"]]
    page = compare_page(client, "成都", "合淝", status=404)
    assert "没有找到地名“合淝”" in page
    assert f'href="/compare/?place=%E6%88%90%E9%83%BD&amp;place={HEFEI}"' in page  # 成都 kept, 合淝 → 合肥


def test_an_ambiguous_name_is_300_listing_candidates_with_links_keeping_the_others(client):
    data = compare_api(client, "合肥", "通州", status=300)
    assert "通州" in data["error"]
    assert [c["code"] for c in data["ambiguous"][0]["candidates"]] == ["110112", "320612"]
    page = compare_page(client, "合肥", "通州", status=300)
    assert "北京市通州区" in page and "江苏省南通市通州区" in page
    for code in ("110112", "320612"):
        assert f'href="/compare/?place=%E5%90%88%E8%82%A5&amp;place={code}"' in page


def test_unknown_and_ambiguous_names_are_all_named(client):
    data = compare_api(client, "通州", "xyzzy", "合肥", status=404)
    assert [u["place"] for u in data["unknown"]] == ["xyzzy"]
    assert [a["place"] for a in data["ambiguous"]] == ["通州"]
    page = compare_page(client, "通州", "xyzzy", "合肥", status=404)
    assert "没有找到地名“xyzzy”" in page and "北京市通州区" in page


def test_messages_follow_the_interface_language(client):
    assert "at least 2 places" in compare_api(client, "合肥", lang="en", status=400)["error"]
    page = compare_page(client, "合肥", "成都", lang="en")
    assert "Compare: 合肥市、成都市" in page and "Shared by every place" in page


@pytest.mark.parametrize("places", [
    ["合肥", "成都\x00"], ["\x00", "\x01"], ["合肥", "🙂"], ["合肥", "'; DROP TABLE x; --"],
    ["合肥", "%00"], ["合肥", "\u202e成都"], ["合肥"] * 300, ["110112", "1101120000000"], ["合肥", "-"],
])
def test_hostile_input_never_breaks_it(client, places):
    for url in ("/compare/", "/api/compare/", "/compare/export.xlsx"):
        response = client.get(url, {"place": places})
        assert response.status_code in (200, 300, 400, 404), (url, places, response.status_code)


# --- exports and the description ------------------------------------------------------------

def test_the_comparison_downloads_as_a_spreadsheet(client):
    response = client.get("/compare/export.xlsx", {"place": ["合肥", "成都"]})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    header, body = rows[0], rows[1:]
    assert header[:4] == ("比较", "编号", "序号", "标题") and header[-2:] == ("合肥市：适用依据", "成都市：适用依据")
    data = compare_api(client, "合肥", "成都")
    expected = ids_of(data["shared"]) + ids_of(data["only"][HEFEI]) + ids_of(data["only"][CHENGDU])
    assert [row[1] for row in body] == expected
    by_id = {row[1]: row for row in body}
    hefei_task = next(iter(task_ids("hefei-metropolitan-circle")))
    assert by_id[hefei_task][0] == "部分地方适用" and "合肥都市圈" in by_id[hefei_task][-2] and by_id[hefei_task][-1] is None
    nationwide = next(iter(nationwide_ids()))
    assert by_id[nationwide][0] == "各地共同适用" and by_id[nationwide][-1] == "推广范围为全国。"
    task = Measure.objects.get(pk=hefei_task)
    assert by_id[hefei_task][3] == task.title and by_id[hefei_task][4] == task.text  # verbatim


def test_a_text_opening_like_a_formula_stays_text_in_the_spreadsheet(client):
    task = Measure.objects.filter(region__slug="chengdu").first()
    task.title = '=HYPERLINK("https://evil.example","x")'
    task.save()
    response = client.get("/compare/export.xlsx", {"place": ["合肥", "成都"]})
    cells = [row[3] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2)]
    cell = next(c for c in cells if c.value == task.title)
    assert cell.data_type == "s"


def test_a_bad_export_request_says_why(client):
    response = client.get("/compare/export.xlsx", {"place": ["合肥", "通州"]})
    assert response.status_code == 300 and "北京市通州区" in response.content.decode()


def test_the_api_description_documents_every_answer():
    operation = openapi()["paths"]["/api/compare/"]["get"]
    assert set(operation["responses"]) == {"200", "300", "400", "404", "429"}
    place = next(p for p in operation["parameters"] if p["name"] == "place")
    assert place["schema"]["type"] == "array" and place["schema"]["maxItems"] == 4


def test_comparing_costs_what_the_places_cost_not_what_they_hold(client):
    """Two places cost about two place answers; every compared measure is read in one go."""
    def queries(url, **params):
        client.get(url, params)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured)

    one = queries("/api/applies/", place="東莞")
    assert queries("/api/compare/", place=["東莞", "合肥"]) <= 2 * one + 2
    assert queries("/compare/", place=["東莞", "合肥"]) <= 2 * one + 8
