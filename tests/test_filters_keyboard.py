"""The list page's filters as a shared link and as a form: clean URLs (empty parameters redirected
away), the default sort as an option of its own, several departments matched any or all, and a
body that took over from others finding their measures. The browser side (keyboard, phone width)
is tests/test_browser_filters.py."""
import csv
import io
import re

import pytest

from measures.models import Department, Measure

from .helpers import api_every_page

pytestmark = pytest.mark.django_db

# Measures 6 and 22 of the innovation list are guided by 科技部 and 财政部 together, among others.
MOST_AND_MOF = {6, 22}
MOST_OR_MOF = {6, 7, 8, 9, 11, 12, 14, 22}
CBIRC = {3, 11, 13}  # guided by 中国银保监会, whose duties passed to 国家金融监督管理总局 (nfra)


def numbers_of(measures):
    return {m.number for m in measures if m.number}


def result_count(html):
    return int(re.search(r"共 (\d+) 项", html)[1])


# --- clean shared URLs -------------------------------------------------------------------------

def test_a_form_sent_without_javascript_is_redirected_to_its_chosen_values_only(client):
    response = client.get("/measures/?q=&sort=&document=&department=most&department=&scope=programme&status=")
    assert response.status_code == 302
    assert response["Location"] == "/measures/?department=most&scope=programme"
    followed = client.get(response["Location"])
    assert followed.status_code == 200 and result_count(followed.content.decode()) == 1


def test_nothing_chosen_redirects_to_the_bare_list(client):
    response = client.get("/measures/?q=&sort=&document=&category=&scope=&region=&department_match=")
    assert response.status_code == 302 and response["Location"] == "/measures/"


def test_a_clean_url_is_served_as_is_and_other_parameters_are_kept(client):
    assert client.get("/measures/?department=most&sort=source").status_code == 200
    response = client.get("/measures/?q=%E8%B4%A8%E6%8A%BC&lang=en&document=")
    assert response.status_code == 302 and response["Location"] == "/measures/?q=%E8%B4%A8%E6%8A%BC&lang=en"


def test_only_the_list_page_redirects_empty_parameters(client):
    # The API and the exports read an empty value as no choice, as before.
    assert client.get("/api/measures/?document=&department=most").status_code == 200
    assert client.get("/measures/export.csv?document=&department=most").status_code == 200


# --- the default sort ----------------------------------------------------------------------------

def test_the_form_offers_the_default_sort_and_selects_it_when_none_was_chosen(client):
    html = client.get("/measures/").content.decode()
    assert '<option value="" selected>默认（有搜索词时按相关度）</option>' in html
    assert '<option value="source">' in html and 'value="source" selected' not in html
    # a query typed in the form keeps the default, so it is ranked
    html = client.get("/measures/?q=知识产权").content.decode()
    assert '<option value="" selected>' in html


def test_a_sort_chosen_explicitly_stays_selected(client):
    html = client.get("/measures/?q=知识产权&sort=source").content.decode()
    assert '<option value="source" selected>' in html and '<option value="" selected>' not in html


def test_the_default_sort_ranks_a_query_typed_in_the_form(client):
    ranked = client.get("/api/measures/", {"q": "质押"}).json()
    assert ranked["order"] == "relevance"
    assert client.get("/api/measures/", {"q": "质押", "sort": "source"}).json()["order"] == "source"


# --- several departments: any or all -----------------------------------------------------------

def test_departments_match_any_of_them_by_default_and_all_of_them_when_asked(client):
    html = client.get("/measures/?department=most&department=mof").content.decode()
    assert result_count(html) == len(MOST_OR_MOF)
    html = client.get("/measures/?department=most&department=mof&department_match=all").content.decode()
    assert result_count(html) == len(MOST_AND_MOF)
    assert 'name="department_match" value="all" checked' in html
    assert "所选部门共同指导" in html  # its chip, to undo it
    assert {int(pk) for pk in re.findall(r'<h3><a href="/measures/(\d+)/', html)} == set(
        Measure.objects.filter(number__in=MOST_AND_MOF, document__slug="innovation-reform-list-2").values_list("pk", flat=True))


@pytest.mark.parametrize("match, expected", [("any", MOST_OR_MOF), ("all", MOST_AND_MOF), ("", MOST_OR_MOF)])
def test_the_api_matches_departments_any_or_all(client, match, expected):
    params = {"department": ["most", "mof"], **({"department_match": match} if match else {})}
    assert {m["number"] for m in api_every_page(client, **params)} == expected


@pytest.mark.parametrize("query", ["改革", "科技"])
def test_all_of_the_departments_with_a_search_agrees_with_the_links(client, query):
    from measures import search

    matching = set(search.matching(Measure.objects.all(), search.parse_query(query)).values_list("pk", flat=True))
    both = set(Measure.objects.filter(departments__slug="most").filter(departments__slug="mof").values_list("pk", flat=True))
    found = api_every_page(client, q=query, department=["most", "mof"], department_match="all")
    assert {m["id"] for m in found} == matching & both and found


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_exports_match_departments_all_of_them(client, fmt):
    response = client.get(f"/measures/export.{fmt}", {"department": ["most", "mof"], "department_match": "all"})
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    if fmt == "csv":
        cells = {cell for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"))) for cell in row}
    else:
        from openpyxl import load_workbook

        cells = {cell for row in load_workbook(io.BytesIO(raw)).active.iter_rows(values_only=True) for cell in row}
    titles = dict(Measure.objects.filter(number__in=MOST_OR_MOF, document__slug="innovation-reform-list-2")
                  .values_list("number", "title"))
    assert {n for n, title in titles.items() if title in cells} == MOST_AND_MOF


@pytest.mark.parametrize("url, lang, message", [
    ("/measures/", "zh-hans", "没有这种部门匹配方式：both"),
    ("/measures/", "en", "both"),
    ("/measures/export.csv", "zh-hans", "没有这种部门匹配方式：both"),
])
def test_a_bad_department_match_is_a_400_that_says_which_value(client, url, lang, message):
    response = client.get(url, {"department": "most", "department_match": "both", "lang": lang})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_bad_department_match_in_the_api_is_a_400_naming_the_parameter(client):
    response = client.get("/api/measures/", {"department": "most", "department_match": "both"})
    assert response.status_code == 400
    body = response.json()
    assert "没有这种部门匹配方式：both" in body["error"] and "department_match" in body["fields"]


# --- a body and its predecessors ---------------------------------------------------------------

def test_the_successor_is_offered_and_finds_its_predecessors_measures(client):
    nfra = Department.objects.get(slug="nfra")
    assert not nfra.measures.exists() and Department.objects.get(slug="cbirc").successor == nfra
    html = client.get("/measures/").content.decode()
    # offered although no measure names it, counted with what it took over
    option = re.search(r'value="nfra"[^>]*> 国家金融监督管理总局 <span class="lineage">（含前身中国银保监会）</span> '
                       r'<span class="count">(\d+)</span>', html)
    assert option and int(option[1]) == len(CBIRC)
    html = client.get("/measures/?department=nfra").content.decode()
    assert result_count(html) == len(CBIRC)
    assert "国家金融监督管理总局：含其前身中国银保监会指导的举措。" in html
    assert "2023年撤销，职责划入国家金融监督管理总局" in html and "《党和国家机构改革方案》（2023年3月）" in html


def test_the_successor_explains_itself_in_english(client):
    html = client.get("/measures/", {"department": "nfra", "lang": "en"}).content.decode()
    assert "Dissolved in 2023; its duties passed to" in html
    assert "also lists the measures guided by its predecessor" in html


def test_the_api_and_exports_accept_the_successors_slug(client):
    assert {m["number"] for m in api_every_page(client, department="nfra")} == CBIRC
    # with a search too (through the index's department tags)
    from measures import search

    matching = numbers_of(search.matching(Measure.objects.all(), search.parse_query("知识产权")))
    assert {m["number"] for m in api_every_page(client, q="知识产权", department="nfra")} == matching & CBIRC
    rows = list(csv.reader(io.StringIO(b"".join(
        client.get("/measures/export.csv", {"department": "nfra"}).streaming_content).decode("utf-8-sig"))))
    assert len(rows) - 1 == len(CBIRC)


def test_all_of_a_successor_and_another_department(client):
    # 国家金融监督管理总局 (through 中国银保监会) and 科技部 together: measure 11 only
    found = api_every_page(client, department=["nfra", "most"], department_match="all")
    assert {m["number"] for m in found} == {11}


def test_the_phone_fold_says_how_many_filters_are_active(client):
    html = client.get("/measures/?department=most&department=mof&q=科技").content.decode()
    assert re.search(r'<button type="button" class="filter-toggle" aria-expanded="false" '
                     r'aria-controls="filter-options" hidden>筛选 \(2\)</button>', html)
    assert ">筛选</button>" in client.get("/measures/").content.decode()
