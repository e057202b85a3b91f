"""A synthetic catalogue, for measurement only: N measures whose texts recombine real sentences
of the two sources, in both scripts, with real departments, scopes and regions. Deterministic for a
seed. Lives in the database only (documents slugged ``synthetic-…``), never in the fixtures."""
import datetime
import os
import random
import re
import threading
import time
from queue import Empty, Queue

from django.db import connection, transaction

from catalogue.db import without_statement_timeout
from catalogue.search.text import _converter
from measures.models import Category, Department, Document, Measure, Scope, source_order_of
from measures.search import batched
from pilots.models import Programme, Region

from .loader import create_measures

SLUG_PREFIX = "synthetic-"
MEASURES_PER_DOCUMENT = 1000
SENTENCE_RE = re.compile(r"[^。；]+[。；]?")


def source_sentences():
    """Every sentence and title of the real catalogue, each in Simplified and in Traditional."""
    real = Measure.objects.exclude(document__slug__startswith=SLUG_PREFIX)
    pieces = set()
    for title, text in real.values_list("title", "text"):
        pieces.add(title.rstrip("。"))
        pieces.update(s for s in SENTENCE_RE.findall(text) if len(s) > 4)
    ordered = sorted(pieces)
    both = set()
    for piece in ordered:
        both.add(_converter("t2s").convert(piece))
        both.add(_converter("s2t").convert(_converter("t2s").convert(piece)))
    return sorted(both)


def clear():
    """Remove synthetic data with plain DELETEs: no change history and no reindex signals for
    rows that were never curated (the FTS triggers still keep the index true)."""
    with transaction.atomic():
        synthetic = Document.objects.filter(slug__startswith=SLUG_PREFIX)
        count = synthetic.count()
        measures = Measure.objects.filter(document__in=synthetic)
        Measure.departments.through.objects.filter(measure__in=measures)._raw_delete(Measure.objects.db)
        measures._raw_delete(Measure.objects.db)
        Category.objects.filter(document__in=synthetic)._raw_delete(Measure.objects.db)
        synthetic._raw_delete(Measure.objects.db)
        return count


def generate(*, measures, seed=1, batch_size=5000, workers=1, progress=None):
    """Add ``measures`` synthetic measures (after removing earlier ones), searchable as they are
    inserted (``loader.create_measures``). Returns their pks."""

    rng = random.Random(seed)
    clear()
    sentences = source_sentences()
    titles = [s for s in sentences if 6 <= len(s) <= 40]
    departments = list(Department.objects.filter(measures__isnull=False).distinct())
    regions = list(Region.objects.filter(tasks__isnull=False).distinct())
    areas = Programme.objects.get(slug="comprehensive-innovation-reform")
    real_categories = list(Category.objects.exclude(document__slug__startswith=SLUG_PREFIX).values_list("name", flat=True))
    started = time.perf_counter()
    documents = -(-measures // MEASURES_PER_DOCUMENT)
    with transaction.atomic():
        base = Document.objects.order_by("-position").values_list("position", flat=True).first() or 0
        docs = Document.objects.bulk_create([
            Document(slug=f"{SLUG_PREFIX}{i:04d}", position=base + 1 + i, title=f"合成测试清单第{i + 1}批（仅供性能测量）",
                     script=rng.choice(["hans", "hant"]), source_file="(synthetic)",
                     date=None if i % 3 else datetime.date(2020 + i % 6, 1 + i % 12, 1 + i % 28),
                     note="Synthetic data for benchmarks: recombined sentences of the real sources.")
            for i in range(documents)
        ])
        categories = {}
        for doc in docs:
            for ordinal, name in enumerate(rng.sample(real_categories, k=min(5, len(real_categories))), start=1):
                categories.setdefault(doc.pk, []).append(Category(
                    document=doc, slug=f"{doc.slug}-{ordinal}", ordinal=ordinal, numeral="一二三四五"[ordinal - 1],
                    name=name, heading=f"{'一二三四五'[ordinal - 1]}、{name}", declared_count=MEASURES_PER_DOCUMENT // 5,
                    first_number=(ordinal - 1) * (MEASURES_PER_DOCUMENT // 5) + 1))
        Category.objects.bulk_create([c for cs in categories.values() for c in cs])
        rows = _synthetic_measures(rng, measures, docs, categories, sentences, titles, departments, regions, areas)
        return create_measures(drawn_ahead(batched(rows, batch_size)), workers=workers,
                               progress=lambda n: progress(n, time.perf_counter() - started) if progress else None)


def drawn_ahead(batches, ahead=2):
    """``batches``, drawn in a thread of their own up to ``ahead`` batches before they are asked
    for: the drawing (random choices, model instances) then runs while the caller waits for the
    database to write the previous batch. Only for iterables that touch no database (a thread
    has a connection, and a transaction, of its own)."""
    queue = Queue(maxsize=ahead)
    done = object()
    stop = threading.Event()

    def draw():
        try:
            for batch in batches:
                if stop.is_set():
                    return
                queue.put(batch)
            queue.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            queue.put(exc)

    thread = threading.Thread(target=draw, daemon=True, name="synthetic-draw")
    thread.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:  # the consumer stopped early (or finished): let the thread end rather than block
        stop.set()
        while thread.is_alive():
            try:
                queue.get(timeout=0.1)
            except Empty:
                pass


def _synthetic_measures(rng, measures, docs, categories, sentences, titles, departments, regions, areas):
    """(Measure, department pks) pairs, unsaved, drawn from ``rng`` in a fixed order."""
    for i in range(measures):
        doc = docs[i // MEASURES_PER_DOCUMENT]
        position = i % MEASURES_PER_DOCUMENT + 1
        roll = rng.random()
        scope = Scope.NATIONWIDE if roll < 0.5 else (Scope.PROGRAMME if roll < 0.6 else Scope.REGION)
        text = "".join(rng.sample(sentences, k=rng.randint(2, 6)))
        chosen = rng.sample(departments, k=rng.randint(0, 3)) if scope != Scope.REGION else []
        yield Measure(
            departments_as_written="、".join(d.name for d in chosen),
            document=doc, position=position, number=position,
            source_order=source_order_of(doc.position, position),  # a bulk insert sends no signals
            category=categories[doc.pk][(position - 1) // (MEASURES_PER_DOCUMENT // 5)],
            region=rng.choice(regions) if scope == Scope.REGION else None,
            title=rng.choice(titles), text=text, scope=scope,
            scope_as_written={"nationwide": "全国", "programme": "8个改革试验区域", "region": ""}[scope],
            scope_programme=areas if scope == Scope.PROGRAMME else None,
        ), [d.pk for d in chosen]


def analyze():
    """Planner statistics, and on PostgreSQL the visibility map that index-only scans (facet
    counts) need: what autovacuum does some time after a bulk load, done now so that a benchmark
    does not measure the minutes before it runs."""
    tables = [Measure._meta.db_table, Measure.departments.through._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
        else:
            cursor.execute("ANALYZE")


def build_and_index(*, measures, seed=1, progress=None):
    """Generate measures searchable as they are inserted (one forked segmenting process per CPU),
    then refresh the planner's statistics; returns (count, seconds to insert and index, not
    counting the removal of earlier synthetic data)."""
    with without_statement_timeout():  # a command, not a request
        clear()  # before the clock starts; ``generate``'s own clear then finds nothing to remove
        started = time.perf_counter()
        pks = generate(measures=measures, seed=seed, workers=os.cpu_count(), progress=progress)
        elapsed = time.perf_counter() - started
        analyze()
    return len(pks), elapsed
