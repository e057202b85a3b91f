"""The synthetic catalogue the benchmark measures, and the bulk path it is loaded through
(``bench.loader.create_measures``: searchable text computed before the INSERT)."""
import pytest
from django.db import connection

from catalogue.models import SearchIndexState
from bench import loader, synthetic
from measures import search, services
from measures.models import Category, Department, Document, Measure, Scope, source_order_of

from .helpers import api_keys

pytestmark = pytest.mark.django_db

INDEX_COLUMNS = ("pk", *search.INDEXED_COLUMNS)


def synthetic_measures():
    return Measure.objects.filter(document__slug__startswith=synthetic.SLUG_PREFIX)


def drawn(measures):
    return [(m.title, m.text, m.scope, m.region_id, tuple(sorted(d.pk for d in m.departments.all())))
            for m in measures.order_by("source_order").prefetch_related("departments")]


def test_synthetic_measures_are_indexed_as_a_reindex_would_index_them(client):
    real = list(Measure.objects.order_by("pk").values_list(*INDEX_COLUMNS))
    pks = synthetic.generate(measures=130, seed=3, batch_size=25, workers=2)  # several batches in flight
    assert len(pks) == synthetic_measures().count() == 130
    written = list(synthetic_measures().order_by("pk").values_list(*INDEX_COLUMNS))
    assert all(row[2] for row in written)  # every new row has its tokens
    services.index_measures()
    assert list(synthetic_measures().order_by("pk").values_list(*INDEX_COLUMNS)) == written
    assert list(Measure.objects.exclude(pk__in=pks).order_by("pk").values_list(*INDEX_COLUMNS)) == real
    if connection.vendor == "postgresql":
        assert not synthetic_measures().filter(search_vector__isnull=True).exists()
    # found by a search straight away, through its own words
    measure = synthetic_measures().order_by("pk").first()
    title_word = max(search.get_segmenter().query_words(measure.title), key=len)
    response = client.get("/api/measures/", {"q": title_word, "document": measure.document.slug, "page_size": 100})
    assert measure.pk in [r["id"] for r in response.json()["results"]]


def test_the_same_seed_draws_the_same_catalogue_and_clearing_keeps_the_real_one():
    real = Measure.objects.count()
    synthetic.generate(measures=40, seed=7, batch_size=15)
    first = drawn(synthetic_measures())
    synthetic.generate(measures=40, seed=7, batch_size=40)  # replaces the earlier synthetic data
    assert drawn(synthetic_measures()) == first
    synthetic.generate(measures=40, seed=8)
    assert drawn(synthetic_measures()) != first
    assert synthetic.clear() == 1
    assert Measure.objects.count() == real and not Document.objects.filter(slug__startswith="synthetic-").exists()


def test_new_measures_bringing_a_new_name_reindex_the_catalogue_with_it(client):
    document = Document.objects.order_by("position").first()
    category = Category.objects.filter(document=document).first()
    department = Department.objects.create(slug="test-bureau", name="测试数据管理局", full_name="测试数据管理局",
                                           basis="test", position=99)
    position = document.measures.order_by("-position").first().position + 1
    measure = Measure(document=document, position=position, number=None, category=category, scope=Scope.NATIONWIDE,
                      scope_as_written="全国", title="一项新举措", text="推进试点。",
                      source_order=source_order_of(document.position, position))
    [pk] = loader.create_measures([[(measure, [department.pk])]])
    state = SearchIndexState.objects.get(name=search.INDEX_NAME)
    assert state.dictionary_version == search.get_segmenter().version and state.rows == Measure.objects.count()
    assert Measure.objects.get(pk=pk).departments.get() == department
    for query in ["测试数据管理局", "測試數據管理局"]:
        assert [r["id"] for r in client.get("/api/measures/", {"q": query}).json()["results"]] == [pk]
    assert "#1" in api_keys(client, "知识产权")  # the older rows, reindexed with the new dictionary, still found


def test_a_failure_while_drawing_reaches_the_caller_and_writes_nothing():
    def failing():
        yield [1]
        raise ValueError("drawing failed")

    assert next(synthetic.drawn_ahead(iter([[1], [2]]))) == [1]
    with pytest.raises(ValueError, match="drawing failed"):
        list(synthetic.drawn_ahead(failing()))

    def interrupted(inserted, seconds):
        raise KeyboardInterrupt  # after the first batch is written

    before = Measure.objects.count()
    with pytest.raises(KeyboardInterrupt):
        synthetic.generate(measures=10, seed=1, batch_size=5, progress=interrupted)
    assert Measure.objects.count() == before and not Document.objects.filter(slug__startswith="synthetic-").exists()


def test_bulk_insert_stores_what_bulk_create_stores_and_keeps_the_key_sequence():
    from bench import bulk

    document = Document.objects.order_by("position").first()
    start = document.measures.order_by("-position").first().position

    def new(offset):
        return [Measure(document=document, position=start + offset + i, number=None, scope=Scope.NATIONWIDE,
                        scope_as_written="全国", title=f"新举措{i}", text="“引号”、\\反斜杠\t制表符\n换行", search_plain="p",
                        search_tokens="新 举措", title_plain=f"新举措{i}") for i in range(3)]

    by_copy = bulk.insert(new(1))
    by_orm = Measure.objects.bulk_create(new(11))
    assert all(m.pk for m in by_copy) and len({m.pk for m in by_copy + by_orm}) == 6
    # added_at: each instance's own creation time (its default), so equal only in being set
    columns = [f.attname for f in Measure._meta.concrete_fields
               if f.attname not in ("id", "position", "search_vector", "added_at")]
    stored = {m["id"]: m for m in Measure.objects.filter(pk__in=[m.pk for m in by_copy + by_orm]).values()}
    assert all(stored[m.pk]["added_at"] == m.added_at for m in by_copy + by_orm)
    assert [[stored[m.pk][c] for c in columns] for m in by_copy] == [[stored[m.pk][c] for c in columns] for m in by_orm]
    assert not by_copy[0]._state.adding
    later = Measure.objects.create(document=document, position=start + 50, scope=Scope.NATIONWIDE, title="再一项")
    assert later.pk > max(m.pk for m in by_copy)


def test_maintenance_commands_outlast_the_request_statement_timeout(on_postgres, monkeypatch):
    """A request's statement is cut off after DB_STATEMENT_TIMEOUT_MS; a command's bulk statements
    (a COPY of thousands of rows on a busy machine) are not, and the limit is back afterwards."""
    if not on_postgres:
        pytest.skip("runs in the PostgreSQL pass of the suite (make test-postgres): statement timeouts are PostgreSQL's")
    from django.core.management import call_command
    from django.db import transaction
    from django.db.utils import OperationalError

    from catalogue.db import without_statement_timeout

    def slow_statement():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.2)")

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '50ms'")
    with pytest.raises(OperationalError, match="statement timeout"), transaction.atomic():
        slow_statement()
    rebuild = services.rebuild_search_index

    def slow_rebuild(**options):
        slow_statement()
        return rebuild(**options)

    monkeypatch.setattr(services, "rebuild_search_index", slow_rebuild)
    call_command("reindex", "--workers", "1")  # would be cancelled by the timeout above
    with without_statement_timeout(), pytest.raises(RuntimeError):
        slow_statement()
        raise RuntimeError("the block fails")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "50ms"
