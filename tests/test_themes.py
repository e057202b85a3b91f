"""A theme across a programme's pilot regions: every region a row, its matching tasks marked in
their own script, and the figures they state pulled out exactly as the source writes them."""
import re

import pytest

from lookup.themes import figures
from measures.models import Measure
from pilots.models import Programme

from .helpers import openapi
from .seeds import APPROVAL_FILE, source_text

pytestmark = pytest.mark.django_db

THEME = "职务科技成果所有权"
PILOTS = "factor-market-reform-pilots"


def theme_api(client, status=200, **params):
    response = client.get("/api/themes/", params)
    assert response.status_code == status, response.content.decode()
    return response.json()


def theme_page(client, status=200, **params):
    response = client.get("/themes/", params)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def test_every_region_of_the_2025_approval_is_a_row_by_default(client):
    data = theme_api(client, q=THEME)
    assert data["programme"]["slug"] == PILOTS
    programme = Programme.objects.get(slug=PILOTS)
    assert [r["slug"] for r in data["regions"]] == list(programme.regions.values_list("slug", flat=True))
    assert len(data["regions"]) == 10


def test_regions_without_a_matching_task_are_shown_empty(client):
    data = theme_api(client, q=THEME)
    empty = {r["slug"] for r in data["regions"] if not r["tasks"]}
    assert empty == {"beijing-city-sub-centre", "chengdu"}
    assert all(r["count"] == 0 for r in data["regions"] if r["slug"] in empty)
    page = theme_page(client, q=THEME)
    assert page.count("无相关任务") == 2
    rows = re.findall(r'<tr class="(has-tasks|no-tasks)">\s*<th scope="row"><a href="/regions/([^/]+)/', page)
    assert [slug for kind, slug in rows if kind == "no-tasks"] == ["beijing-city-sub-centre", "chengdu"]
    assert len(rows) == 10


def test_matching_tasks_are_each_regions_own(client):
    data = theme_api(client, q=THEME)
    for region in data["regions"]:
        for task in region["tasks"]:
            measure = Measure.objects.get(pk=task["id"])
            assert measure.region.slug == region["slug"]
            # found by its own words, not its region's name
            assert "職務科技成果" in measure.title + measure.text


def test_figures_are_pulled_out_exactly_as_the_tasks_write_them(client):
    data = theme_api(client, q=THEME)
    by_region = {r["slug"]: r["tasks"] for r in data["regions"]}
    assert by_region["hefei-metropolitan-circle"][0]["figures"] == ["不低于70%", "不低于10年"]
    assert by_region["gba-nine-mainland-cities"][0]["figures"] == ["50%以上"]
    source = source_text(APPROVAL_FILE)
    for region in data["regions"]:
        for task in region["tasks"]:
            measure = Measure.objects.get(pk=task["id"])
            for figure in task["figures"]:
                assert figure in measure.title + measure.text and figure in source
    page = theme_page(client, q=THEME)
    assert "<li>不低于70%</li>" in page and "<li>不低于10年</li>" in page and "<li>50%以上</li>" in page


def test_another_theme_finds_its_own_figures(client):
    data = theme_api(client, q="技术转移机构")
    hefei = next(r for r in data["regions"] if r["slug"] == "hefei-metropolitan-circle")
    assert "不低于10%" in hefei["tasks"][0]["figures"]
    assert "不低于10%" in Measure.objects.get(pk=hefei["tasks"][0]["id"]).text


@pytest.mark.parametrize("text, expected", [
    ("可提取不低于10%的经费", ["不低于10%"]),
    ("分享比例提高至50%以上。", ["50%以上"]),
    ("期限不少于3年，最高500万元", ["不少于3年", "最高500万元"]),
    ("不超過5億元；至少2個；不低於70％", ["不超過5億元", "至少2個", "不低於70％"]),
    ("不少于三年，三项以上，最高五百万元", ["不少于三年", "三项以上", "最高五百万元"]),
    ("不低于70%的权益，或不低于70%的收益", ["不低于70%"]),
    ("最高人民法院；自即日起2年內；第10項", []),
])
def test_figure_pattern(text, expected):
    assert figures(text) == expected
    assert all(figure in text for figure in expected)


def test_matches_are_marked_in_each_tasks_own_script(client):
    for query in (THEME, "職務科技成果所有權"):
        page = theme_page(client, q=query)
        assert "<mark>職務科技成果所有權</mark>" in page  # the approval is published in Traditional
        assert "<mark>职务科技成果所有权</mark>" not in page


def test_both_scripts_find_the_same_tasks(client):
    simplified = theme_api(client, q=THEME)
    traditional = theme_api(client, q="職務科技成果所有權")
    assert [[t["id"] for t in r["tasks"]] for r in simplified["regions"]] == \
           [[t["id"] for t in r["tasks"]] for r in traditional["regions"]]


def test_a_task_found_only_through_its_regions_name_is_not_listed(client):
    # 合肥都市圈 is the region's name, not words of any of its tasks.
    data = theme_api(client, q="合肥都市圈")
    assert all(r["tasks"] == [] for r in data["regions"])
    assert theme_page(client, q="合肥都市圈").count("无相关任务") == 10


def test_another_programme_can_be_chosen(client):
    data = theme_api(client, q=THEME, programme="comprehensive-innovation-reform")
    assert len(data["regions"]) == 8 and all(r["tasks"] == [] for r in data["regions"])


def test_the_programme_page_leads_to_the_matrix(client):
    page = client.get(f"/pilots/{PILOTS}/").content.decode()
    assert 'action="/themes/"' in page and f'name="programme" value="{PILOTS}"' in page
    # a programme whose regions have no tasks of their own has nothing to compare
    assert 'action="/themes/"' not in client.get("/pilots/comprehensive-innovation-reform/").content.decode()


def test_without_a_query_the_page_is_the_form(client):
    page = theme_page(client)
    assert 'name="q"' in page and f'<option value="{PILOTS}" selected>' in page


@pytest.mark.parametrize("query", ["", "   ", "，。！", "\x01\x02", "-知识产权", "“”"])
def test_an_empty_or_punctuation_query_is_400(client, query):
    assert "主题词" in theme_api(client, 400, q=query)["error"]
    assert "主题词" in theme_page(client, 400, q=query)


def test_a_missing_or_too_long_query_is_400(client):
    assert theme_api(client, 400)["error"]
    assert "太长" in theme_api(client, 400, q="知" * 201)["error"]
    assert "太长" in theme_page(client, 400, q="知" * 201)


@pytest.mark.parametrize("programme", ["nope", "\x01", "a" * 300, "../admin", "全面创新改革试验"])
def test_an_unknown_programme_is_404(client, programme):
    assert "没有这个试点项目" in theme_api(client, 404, q=THEME, programme=programme)["error"]
    assert "没有这个试点项目" in theme_page(client, 404, q=THEME, programme=programme)


def test_the_api_description_documents_every_answer():
    operation = openapi()["paths"]["/api/themes/"]["get"]
    assert set(operation["responses"]) == {"200", "400", "404"}
