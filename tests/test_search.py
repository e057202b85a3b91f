"""Search behaviour beyond relevance: scripts, hostile input, highlighting, the API, the index."""
import logging

import pytest
from django.db import connection
from django.db.models import Count
from hypothesis import HealthCheck, given, settings, strategies as st
from opencc import OpenCC

from catalogue.models import SearchIndexState
from catalogue.search import backend_for, normalize, tag as index_tag
from measures import search
from measures.models import Department, Measure

from .helpers import api_keys, measure_by_key, openapi

pytestmark = pytest.mark.django_db

S2T, S2TWP = OpenCC("s2t"), OpenCC("s2twp")


def result_ids(query):
    parsed = search.parse_query(query)
    return set(search.matching(Measure.objects.all(), parsed).values_list("pk", flat=True))


# Phrases drawn from the catalogue: the jieba words of every measure's title and text (2+ chars),
# in Simplified (the 2018 list's own script, or the approval's text converted to it).
def catalogue_phrases():
    segmenter = search.get_segmenter()
    phrases = set()
    for title, text in Measure.objects.values_list("title", "text"):
        for word in segmenter.query_words(normalize(title + " " + text)):
            if len(word) >= 2 and not word.isascii():
                phrases.add(word)
    return sorted(phrases)


@pytest.fixture(scope="module")
def phrases(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return catalogue_phrases()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_simplified_traditional_and_taiwan_forms_find_the_same_measures(phrases, data):
    phrase = data.draw(st.sampled_from(phrases))
    expected = result_ids(phrase)
    assert expected, f"{phrase!r} is drawn from the catalogue, so it must find something"
    assert result_ids(S2T.convert(phrase)) == expected
    assert result_ids(S2TWP.convert(phrase)) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_two_word_queries_are_script_blind_too(phrases, data):
    first, second = data.draw(st.sampled_from(phrases)), data.draw(st.sampled_from(phrases))
    query = f"{first} {second}"
    assert result_ids(S2T.convert(query)) == result_ids(query) == result_ids(S2TWP.convert(query))


@pytest.mark.parametrize("query", [
    '"', "*", "NEAR", "NEAR(知识 产权)", "C++", "OR", "AND", "NOT", '"知识产权', "知识产权'", "\\", ":", "^",
    "-", "--", "- -", "知识 & 产权", "知识 | 产权", "!产权", "产权:*", "(质押)", "{}", "'; DROP TABLE x; --",
    "\u3000\u3000", "ｃ＋＋", "\x1c", "🙂", "𠀀", "a" * 100,
])
def test_operator_syntax_is_just_text(client, query):
    response = client.get("/api/measures/", {"q": query})
    assert response.status_code == 200, (query, response.content)
    assert client.get("/measures/", {"q": query}).status_code == 200


@pytest.mark.parametrize("query", ["", "   ", "!!!", "、。，", "\u3000", '"*"', "-", "()"])
def test_empty_or_punctuation_queries_return_nothing_without_the_database(client, django_assert_num_queries,
                                                                           query):
    with django_assert_num_queries(0):
        response = client.get("/api/measures/", {"q": query}) if query.strip() else None
    if response is not None:
        assert response.json() == {"count": 0, "count_is_exact": True, "order": "source", "next": None,
                                   "previous": None, "results": []}


def test_punctuation_query_page_explains_itself(client):
    html = client.get("/measures/", {"q": "！？"}).content.decode()
    assert "搜索词里没有可以查找的文字" in html


def test_a_query_over_the_cap_gets_a_clear_message(client):
    from catalogue.search.query import MAX_QUERY_LENGTH

    response = client.get("/api/measures/", {"q": "知" * (MAX_QUERY_LENGTH + 1)})
    assert response.status_code == 400
    assert "搜索词太长" in response.json()["error"]
    page = client.get("/measures/", {"q": "知" * (MAX_QUERY_LENGTH + 1)})
    assert page.status_code == 400 and "搜索词太长" in page.content.decode()


def test_no_match_is_a_friendly_empty_page(client):
    response = client.get("/measures/", {"q": "量子计算"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "没有找到与“量子计算”相符的举措" in html and 'href="/measures/"' in html


# --- highlighting --------------------------------------------------------------------------

def test_traditional_query_highlights_simplified_measure_in_its_own_script(client):
    response = client.get("/api/measures/", {"q": "知識產權質押", "document": "innovation-reform-list-2"})
    result = next(r for r in response.json()["results"] if r["number"] == 11)
    assert "<mark>知识产权质押</mark>" in result["highlight"]


def test_simplified_query_highlights_traditional_task_in_its_own_script(client):
    response = client.get("/api/measures/", {"q": "知识产权保险", "region": "hang-yong-wen"})
    result = response.json()["results"][0]
    assert "寧波市探索<mark>知識產權保險</mark>" in result["highlight"]


def test_taiwan_vocabulary_highlights_mainland_words(client):
    response = client.get("/api/measures/", {"q": "智慧財產權質押", "region": "chengdu"})
    assert "<mark>知識產權質押</mark>" in response.json()["results"][0]["highlight"]


def test_list_page_and_measure_page_highlight(client):
    html = client.get("/measures/", {"q": "技術經理人"}).content.decode()
    assert "<mark>技术经理人</mark>" in html
    seven = measure_by_key("#7")
    detail = client.get(seven.get_absolute_url(), {"q": "技術經理人"}).content.decode()
    assert "<h1><span class=\"num\">7.</span> <mark>技术经理人</mark>全程参与的科技成果转化服务模式</h1>" in detail
    assert f'href="{seven.get_absolute_url()}?q=' in html


def test_stored_and_typed_markup_is_shown_as_text(client):
    measure = measure_by_key("#7")
    measure.text = "<script>alert(1)</script>" + measure.text
    measure.save()
    html = client.get("/measures/", {"q": "技术经理人 <script>"}).content.decode()
    assert "<script>alert" not in html
    api = client.get("/api/measures/", {"q": "技术经理人"}).json()
    highlight = next(r["highlight"] for r in api["results"] if r["number"] == 7)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in highlight and "<script>" not in highlight
    detail = client.get(measure.get_absolute_url(), {"q": "<script>"}).content.decode()
    assert "<script>alert" not in detail
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in detail


# --- the API ---------------------------------------------------------------------------------

def _validate(instance, schema):
    from jsonschema import Draft202012Validator

    Draft202012Validator({**schema, "components": openapi()["components"]}).validate(instance)


def test_api_results_have_the_promised_shape(client, settings):
    settings.API_PAGE_SIZE = 5
    response = client.get("/api/measures/", {"q": "知识产权", "page": 2})
    data = response.json()
    schema = openapi()["paths"]["/api/measures/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    _validate(data, schema)
    assert data["previous"].endswith("page=1") and "q=" in data["previous"] and "page=3" in data["next"]
    first = data["results"][0]
    assert set(first) >= {"id", "url", "title", "number", "document", "category", "departments", "scope",
                          "regions", "highlight"}
    six = client.get("/api/measures/", {"q": "以事前产权激励为核心的职务科技成果权属改革"}).json()["results"][0]
    assert six["number"] == 6 and six["category"] == "科技成果转化激励方面"
    assert six["departments"][:2] == ["科技部", "国家发展改革委"]
    assert six["scope"] == "programme" and "京津冀" in six["regions"] and len(six["regions"]) == 8
    assert six["document"] == {"slug": "innovation-reform-list-2", "title": "第二批支持创新相关改革举措推广清单"}
    task = client.get("/api/measures/", {"q": "優化知識產權交易服務市場"}).json()["results"][0]
    assert task["number"] is None and task["regions"] == ["粵港澳大灣區內地九市"] and task["category"] is None


@pytest.mark.parametrize("path, params, key", [
    ("/api/measures/", {"q": "知识产权"}, "results"), ("/api/applies/", {"place": "東莞"}, "measures"),
])
def test_every_listed_measure_links_to_its_own_page(client, path, params, key):
    listed = client.get(path, params).json()[key]
    assert len(listed) > 5
    for item in listed:
        assert item["url"] == f"http://testserver{Measure.objects.get(pk=item['id']).get_absolute_url()}"
    page = client.get(listed[-1]["url"])
    assert page.status_code == 200 and listed[-1]["title"] in page.content.decode()


@pytest.mark.parametrize("params, message", [
    ({"department": "nope"}, "没有这个指导部门"),
    ({"scope": "mars"}, "没有这种推广范围"),
    ({"page": "x"}, "页码必须是正整数"),
    ({"page": "-1"}, "页码必须是正整数"),
    ({"q": "质" * 500}, "搜索词太长"),
])
def test_api_bad_parameters_are_400_with_an_error(client, params, message):
    response = client.get("/api/measures/", params)
    assert response.status_code == 400
    _validate(response.json(), {"$ref": "#/components/schemas/Error"})
    assert message in response.json()["error"]


def test_api_page_past_the_end_is_404_json(client):
    response = client.get("/api/measures/", {"page": 999})
    assert response.status_code == 404 and response.json()["error"]


def test_api_shares_the_list_pages_filters(client):
    data = client.get("/api/measures/", {"department": ["ndrc", "csrc"]}).json()
    assert data["count"] == Measure.objects.filter(departments__slug__in=["ndrc", "csrc"]).distinct().count()


def test_openapi_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    params = {p["name"] for p in schema["paths"]["/api/measures/"]["get"]["parameters"]}
    assert params == {"q", "document", "category", "department", "department_match", "scope", "region", "status", "page"}


# --- the list page -------------------------------------------------------------------------

def test_search_box_keeps_filters_and_facets_count_the_search(client):
    html = client.get("/measures/", {"q": "质押", "document": "innovation-reform-list-2"}).content.decode()
    assert 'name="q" value="质押"' in html
    assert 'value="innovation-reform-list-2" checked' in html
    assert "共 2 项" in html
    # the document facet counts the search without its own filter: 8 in all, 6 of them in the approval
    assert 'value="guohan-2025-86"> 國務院關于全國部分地區要素市場化配置綜合改革試點實施方案的批復 <span class="count">6</span>' in html


# --- keeping the index true ------------------------------------------------------------------

def test_an_edited_measure_is_found_by_its_new_words(client):
    measure = measure_by_key("#9")
    assert "#9" not in api_keys(client, "量子计算")
    measure.text += "量子计算"
    measure.save()
    assert api_keys(client, "量子计算") == ["#9"]


def test_a_new_department_alias_is_searchable_at_once(client):
    department = Department.objects.get(slug="most")
    department.aliases = [*department.aliases, "科技主管部门"]
    department.save()
    assert set(api_keys(client, "科技主管部门")) == {"#6", "#7", "#8", "#9", "#11", "#22"}
    assert SearchIndexState.objects.get(name="measures").dictionary_version == search.get_segmenter().version


def test_changing_a_measures_departments_reindexes_it(client):
    measure = measure_by_key("#9")
    measure.departments.add(Department.objects.get(slug="csrc"))
    assert "#9" in api_keys(client, "证监会")
    measure.departments.remove(Department.objects.get(slug="csrc"))
    assert "#9" not in api_keys(client, "证监会")


def test_a_stale_dictionary_is_noticed(client, caplog):
    SearchIndexState.objects.filter(name="measures").update(dictionary_version="jieba-0.0-old")
    search.reset_segmenter()
    with caplog.at_level(logging.WARNING, logger="measures.search"):
        client.get("/api/measures/", {"q": "质押"})
    assert "manage.py reindex" in caplog.text


def test_reindex_command_reports_and_restores(capsys):
    from django.core.management import call_command

    SearchIndexState.objects.filter(name="measures").update(dictionary_version="jieba-0.0-old")
    call_command("reindex")
    assert "indexed 45 measures" in capsys.readouterr().out
    assert SearchIndexState.objects.get(name="measures").dictionary_version == search.get_segmenter().version


def test_reindexing_in_worker_processes_finds_what_in_process_indexing_finds(client):
    from measures import services

    def wiped():
        Measure.objects.update(search_plain="", search_tokens="", title_plain="")
        assert api_keys(client, "知识产权") == []

    expected = {q: api_keys(client, q) for q in ["知识产权", "甬", "智慧財產權", "科技部 成果"]}
    assert all(expected.values())
    wiped()
    assert services.index_measures(workers=2, batch_size=7) == 45  # several batches in flight
    assert {q: api_keys(client, q) for q in expected} == expected
    columns = list(Measure.objects.order_by("pk").values_list("search_plain", "search_tokens", "title_plain"))
    wiped()
    services.index_measures(workers=1)
    assert list(Measure.objects.order_by("pk").values_list("search_plain", "search_tokens", "title_plain")) == columns


def test_the_full_text_index_exists_for_this_database():
    backend = backend_for(Measure)
    assert backend.schema_problems() == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM measures_measure WHERE search_vector IS NULL")
            assert cursor.fetchone()[0] == 0
            # long texts out of the table's pages, so that facet counts read a narrow heap (migration 0005)
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'measures_measure'")
            assert "toast_tuple_target=256" in cursor.fetchone()[0]
        # so that a broad search reads the index's bitmap rather than every row (see the backend)
        assert backend.match_cost() >= backend.MATCH_COST


@pytest.mark.parametrize("params", [{"q": "\x00"}, {"q": "知识\x00产权"}, {"department": "ndrc\x00"}])
def test_a_nul_byte_is_refused_with_a_message(client, params):
    response = client.get("/api/measures/", params)
    assert response.status_code == 400 and "NUL" in response.json()["error"]
    page = client.get("/measures/", params)
    assert page.status_code == 400 and "请求中含有空字符" in page.content.decode()


def test_every_single_character_finds_exactly_the_texts_containing_it():
    """Single characters (甬, 粤) are answered by the index's character tokens; the answer must be
    what a scan of the normalised texts gives, for every character of the catalogue, in both scripts."""
    from catalogue.search.text import ideographs

    texts = dict(Measure.objects.values_list("pk", "search_plain"))
    characters = ideographs("".join(texts.values()))
    assert len(characters) > 500
    for char in characters:
        expected = {pk for pk, plain in texts.items() if char in plain}
        assert result_ids(char) == expected, char
    for pair in ("杭甬", "宁波", "甬温"):  # runs of characters: index candidates, then the substring
        assert result_ids(pair) == {pk for pk, plain in texts.items() if pair in plain} != set(), pair


@pytest.mark.parametrize("bitmap_cost", [0.2, 1e9])  # PostgreSQL: through the GIN bitmap, or as planned
@pytest.mark.parametrize("query", ["知识产权", "甬", "科技部 成果", "質押"])
def test_reading_a_searchs_matches_is_exact_and_leaves_the_connection_as_it_was(query, bitmap_cost, on_postgres,
                                                                                  planner_settings):
    from catalogue.pagination import capped_count
    from measures.facets import capped_group_counts

    matches = search.matching(Measure.objects.all(), search.parse_query(query))
    total = matches.count()
    assert total > 0
    per_scope = dict(matches.order_by().values_list("scope").annotate(n=Count("*")))
    per_place = {(d, r): n for d, r, n in matches.order_by().values_list("document_id", "region_id").annotate(n=Count("*"))}
    backend = backend_for(Measure)
    backend.BITMAP_MATCH_US = bitmap_cost
    for cap in (1, total - 1, total, total + 5):
        with backend.reading_matches(matches, cap):
            assert capped_count(matches, cap) == min(total, cap + 1)
            counted, (by_scope, by_place) = capped_group_counts(matches, [["scope"], ["document_id", "region_id"]], cap)
        assert counted == sum(n for *_, n in by_scope) == sum(n for *_, n in by_place) == min(total, cap + 1)
        if cap >= total:
            assert dict(by_scope) == per_scope
            assert {(d, r): n for d, r, n in by_place} == per_place
    if on_postgres:  # the planner settings made for the count are gone with it
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            assert cursor.fetchone()[0] == "on"
            for name, value in planner_settings.items():
                cursor.execute(f"SHOW {name}")
                assert cursor.fetchone()[0] == value, name


@pytest.fixture
def planner_settings(on_postgres):
    if not on_postgres:
        return {}
    values = {}
    with connection.cursor() as cursor:
        for name in ("max_parallel_workers_per_gather", "work_mem"):
            cursor.execute(f"SHOW {name}")
            values[name] = cursor.fetchone()[0]
    return values


@pytest.mark.parametrize("query", ["知识产权", "甬", "科技部 成果", "智慧財產權"])
def test_facet_counts_capped_at_a_limit_are_exact_below_it_and_none_above(query):
    from measures import facets

    parsed = search.parse_query(query)
    matches = search.matching(Measure.objects.all(), parsed)
    total = matches.count()
    exact = facets.grouped_counts(matches)
    assert exact["total"] == total == sum(exact["document"].values())
    links = Measure.departments.through.objects.filter(measure__in=matches)
    per_department = dict(links.values_list("department_id").annotate(n=Count("*")))
    # With or without a subset of the matches to learn cheaply that they are too many
    for subset in (None, lambda: search.matching(Measure.objects.all(), parsed.narrowed())):
        for cap in (total, total + 1, 10_000):
            capped = facets.grouped_counts(matches, cap, subset)
            assert capped.pop("department") == per_department
            assert capped == exact
        for cap in (total - 1, total // 2):
            assert facets.grouped_counts(matches, cap, subset) is None


@pytest.mark.parametrize("query", ["知识产权", "智慧財產權", "知識產權 -质押", "科技部 成果", "技术经理人", "甬", "杭甬"])
def test_a_narrowed_query_matches_some_of_what_the_query_matches(query):
    # What the facets count to learn cheaply that a search has too many matches to count
    parsed = search.parse_query(query)
    matches = set(search.matching(Measure.objects.all(), parsed).values_list("pk", flat=True))
    narrowed = set(search.matching(Measure.objects.all(), parsed.narrowed()).values_list("pk", flat=True))
    assert narrowed <= matches
    # Each term narrowed to its first reading, the word as typed: found wherever the seeds use it
    # (the Taiwan form 智慧財產權 they do not).
    typed = [term.forms[0] for term in parsed.terms]
    assert bool(narrowed) == any(all(form in plain for form in typed) for plain in
                                 Measure.objects.filter(pk__in=matches).values_list("search_plain", flat=True))


@pytest.mark.parametrize("typed", ["標department{pk}", "标department{pk}", "標 department{pk}", "department{pk}"])
def test_no_query_finds_measures_by_their_department_tag(client, typed):
    # Tags share the index with words; a query typing one (in either script) is plain text.
    from catalogue.search.query import leaves

    department = Department.objects.get(slug="ndrc")
    text = typed.format(pk=department.pk)
    parsed = search.parse_query(text)
    tag = index_tag(search.DEPARTMENT_TAG, department.pk)
    assert tag not in {leaf.text for term in parsed.terms for leaf in leaves(term.expr)}
    assert client.get("/api/measures/", {"q": text}).json()["count"] == 0
