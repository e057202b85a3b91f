"""No N+1: the number of queries a page makes does not grow with what it shows. Pinned on the
seed data; each page is also checked at twice the size (more measures per page) for the same count.
(Related rows are prefetched by key rather than joined: a few more queries, each tiny, and page
queries PostgreSQL can answer from the source-order index; see MeasureQuerySet.with_related.)"""
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures.models import Measure

pytestmark = pytest.mark.django_db
SAVEPOINT_SQL = re.compile(r"(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT) ")


def queries_for(client, url, **params):
    client.get(url, params)  # warm: dictionary, place index
    cache.clear()  # but count what the page costs when it computes its facets
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, url
    # Savepoints exist here only because each test runs inside a transaction: not the page's queries.
    return len([q for q in captured.captured_queries if not SAVEPOINT_SQL.match(q["sql"])])


@pytest.mark.parametrize("url, params, most", [
    # (the list and place pages: with the data version their print header states, one query)
    ("/measures/", {}, 18),  # with the index state's time stamp, which keys the cached facets
    # …and with a search, one capped read of the matches per distinct facet query (every facet's
    # counts and the page's count at once; FACET_COUNT_LIMIT); on PostgreSQL each is planned
    # first (estimate, table size, planner settings: SearchBackend.reading_matches); and the
    # plain texts of the results whose own words lack the search, to name what they matched through
    ("/measures/", {"q": "知识产权", "department": "cnipa"}, 30),
    ("/api/measures/", {"q": "知识产权"}, 10),
    ("/api/measures/", {"region": "hang-yong-wen"}, 7),
    ("/measures/11/", {}, 9),  # with its line: accepted links, both ends, in one query (lineage)
    ("/documents/guohan-2025-86/", {}, 7),
    # each group's keys, then every group's measures loaded together: as model instances for the
    # page (lookup.selectors.load_measures), as value rows for the API (api.payloads); and the
    # version of the place names, so that every process sees an edit (pilots.places.place_index)
    ("/places/330200/", {}, 17),
    ("/api/applies/", {"place": "東莞"}, 17),
])
def test_query_counts_are_pinned(client, url, params, most):
    assert queries_for(client, url, **params) <= most


@pytest.mark.parametrize("url, params", [
    ("/measures/", {}), ("/measures/", {"q": "科技部"}), ("/api/measures/", {}),
    ("/api/measures/", {"q": "科技部"}),
])
def test_more_measures_per_page_cost_no_more_queries(client, settings, url, params):
    # Both page sizes hold every kind of measure (list, programme-scoped, task), so the same
    # prefetches run: only the number of rows differs.
    settings.MEASURES_PAGE_SIZE = settings.API_PAGE_SIZE = 20
    few = queries_for(client, url, **params)
    settings.MEASURES_PAGE_SIZE = settings.API_PAGE_SIZE = 45
    many = queries_for(client, url, **params)
    assert many == few


def test_city_page_queries_do_not_grow_with_its_measures(client):
    """東莞 (two regions, many measures) costs what 昆明 (nationwide only) costs, plus its groups."""
    kunming = queries_for(client, "/api/applies/", place="昆明")
    dongguan = queries_for(client, "/api/applies/", place="東莞")
    # per extra group (areas, region): the keys of its measures and their count; the measures
    # themselves are read with the nationwide ones, in a fixed number of queries
    assert dongguan - kunming <= 2 * 2
    assert Measure.objects.count() > 40


@pytest.mark.parametrize("values", [
    "all", "some with duplicates and None", "none", "only None",
])
def test_a_long_key_list_selects_what_in_selects_with_one_parameter_on_postgresql(values, on_postgres):
    # A city's answer reads hundreds of measures by key (SearchBackend.by_keys).
    from catalogue.search import backend_for

    backend = backend_for(Measure)
    keys = list(Measure.objects.values_list("pk", flat=True))
    asked = {"all": keys, "some with duplicates and None": keys[::3] + keys[:5] + [None],
             "none": [], "only None": [None]}[values]
    links = Measure.departments.through.objects
    with CaptureQueriesContext(connection) as captured:
        found = sorted(backend.by_keys(Measure.objects.all(), asked).values_list("pk", flat=True))
        found_links = sorted(backend.by_keys(links.all(), asked, "measure_id").values_list("measure_id", "department_id"))
    assert found == sorted(Measure.objects.filter(pk__in=asked).values_list("pk", flat=True))
    assert found_links == sorted(links.filter(measure_id__in=asked).values_list("measure_id", "department_id"))
    assert len(found) == len({k for k in asked if k is not None})
    if on_postgres and found:
        assert all("= ANY(" in q["sql"] and "IN (" not in q["sql"] for q in captured.captured_queries)
