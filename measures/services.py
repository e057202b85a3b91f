"""Writes: turning the seed texts into fixtures, loading them, and keeping the search index true.

Parsing keeps every text as an exact slice of its source; anything the parser cannot place raises
``SourceFormatError`` rather than being dropped or guessed.
"""
import collections
import contextlib
import datetime
import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone

from catalogue.models import SearchIndexState
from catalogue.search import Segmenter, backend_for
from catalogue.sources import FACTS_FILE, SourceFormatError, read_facts, read_source
from pilots.services import build_gazetteer_objects

from . import search
from .models import Measure

FIXTURE_NAME = "catalogue.json"
GAZETTEER_FIXTURE = "gazetteer.json"
CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class ParsedTask:
    title: str
    text: str
    separator: str


# --- the 2018 list ---------------------------------------------------------------------------

CATEGORY_RE = re.compile(rf"^\t(?P<numeral>[{CHINESE_NUMERALS}]+)、(?P<name>.+?)（共(?P<count>\d+)项）$")
NUMBER_RE = re.compile(r"^\t(\d+)$")


def parse_reform_list(text):
    """Parse the tab-laid list: title, categories with declared counts, and 5-line measure rows."""
    lines = text.split("\n")
    title = lines[1]
    if not title.endswith("清单"):
        raise SourceFormatError(f"expected the list's title on line 2, found {title!r}")
    categories, measures = [], []
    i = 2
    while i < len(lines):
        line = lines[i]
        heading = CATEGORY_RE.match(line)
        number = NUMBER_RE.match(line)
        if heading:
            first = categories[-1]["first_number"] + categories[-1]["declared_count"] if categories else 1
            categories.append({
                "ordinal": CHINESE_NUMERALS.index(heading["numeral"]) + 1,
                "numeral": heading["numeral"],
                "name": heading["name"],
                "heading": line[1:],
                "declared_count": int(heading["count"]),
                "first_number": first,
            })
            i += 1
        elif number:
            if not categories:
                raise SourceFormatError(f"measure {number[1]} before any category")
            row = lines[i + 1:i + 5]
            if len(row) != 4 or not all(cell.startswith("\t") and len(cell) > 1 for cell in row):
                raise SourceFormatError(f"measure {number[1]}: expected 4 tab-indented cells")
            measures.append({
                "number": int(number[1]),
                "category": categories[-1]["ordinal"],
                "title": row[0][1:],
                "text": row[1][1:],
                "departments_as_written": row[2][1:],
                "scope_as_written": row[3][1:],
            })
            i += 5
        else:
            i += 1
    for category in categories:
        numbers = [m["number"] for m in measures if m["category"] == category["ordinal"]]
        declared = range(category["first_number"], category["first_number"] + category["declared_count"])
        stray = [n for n in numbers if n not in declared]
        if stray:
            raise SourceFormatError(f"category {category['numeral']}: measures {stray} outside {declared}")
    return {"title": title, "categories": categories, "measures": measures}


# --- the 2025 approval -----------------------------------------------------------------------

APPROVAL_RE = re.compile(
    r"(?P<title>國務院\S+的批復) (?P<number>國函〔\d+〕\d+號) (?P<addressees>[^:]+): "
    r"(?P<opening>[^ ]+?如下:) (?P<provisions>一、.+?) (?P<attachments>附件:.+?) "
    r"(?P<issuer>國務院) (?P<date>(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日) (?P<publication>\(此件公開發布\))"
)
LEAD_END = "內容如下:"
TERM_RE = re.compile(r"自即日起\d+年內")


def split_tasks(paragraph, headings):
    """Split a region's paragraph at its task headings; the pieces rejoin to the paragraph."""
    starts, cursor = [], 0
    for heading in headings:
        at = paragraph.find(heading, cursor)
        if at < 0:
            raise SourceFormatError(f"task heading {heading!r} not found in order")
        starts.append(at)
        cursor = at + len(heading)
    if not starts or starts[0] != 0:
        raise SourceFormatError(f"paragraph does not open with its first heading: {paragraph[:20]!r}")
    tasks = []
    for heading, start, end in zip(headings, starts, starts[1:] + [len(paragraph)]):
        rest = paragraph[start + len(heading):end]
        body = rest.rstrip()
        tasks.append(ParsedTask(title=heading, text=body, separator=rest[len(body):]))
    return tasks


def parse_approval(text, regions):
    """Parse the news item: lead, each region's paragraph split into tasks, then the approval."""
    lines = text.split("\n")
    body = lines[2]
    lead_end = body.find(LEAD_END)
    if lead_end < 0:
        raise SourceFormatError("the lead sentence ending 內容如下: was not found")
    lead_end += len(LEAD_END)
    approval = APPROVAL_RE.search(body, lead_end)
    if not approval:
        raise SourceFormatError("the approval text (title, number, addressees … date) was not found")
    labels = [f"{region['name']}:" for region in regions]
    starts, cursor = [], lead_end
    for label in labels:
        at = body.find(label, cursor)
        if at < 0:
            raise SourceFormatError(f"region {label!r} not found in order")
        starts.append(at)
        cursor = at + len(label)
    paragraphs = {}
    for region, label, start, end in zip(regions, labels, starts, starts[1:] + [approval.start()]):
        paragraphs[region["slug"]] = body[start + len(label):end].rstrip()
    provisions = re.split(r" (?=[二三四五六七八九十]、)", approval["provisions"])
    term = TERM_RE.search(provisions[0])
    return {
        "title": approval["title"],
        "number": approval["number"],
        "addressees": approval["addressees"],
        "opening": approval["opening"],
        "provisions": provisions,
        "attachments": approval["attachments"],
        "issuer": approval["issuer"],
        "date": datetime.date(int(approval["y"]), int(approval["m"]), int(approval["d"])),
        "date_as_written": approval["date"],
        "publication": approval["publication"],
        "term": term[0] if term else "",
        "context": body[:lead_end],
        "paragraphs": paragraphs,
        "tasks": {slug: split_tasks(p, next(r["tasks"] for r in regions if r["slug"] == slug))
                  for slug, p in paragraphs.items()},
    }


# --- fixtures --------------------------------------------------------------------------------

def _obj(model, **fields):
    return {"model": model, "fields": fields}


def build_fixture_objects(*, sources_dir=None, reference_dir=None):
    """Every object of the catalogue as fixture dicts, in load order, with natural keys."""
    facts = read_facts(reference_dir)
    list_facts, approval_facts = facts["documents"]["list2"], facts["documents"]["approval"]
    reform_list = parse_reform_list(read_source(list_facts["source_file"], sources_dir))
    pilot_regions = [r for r in facts["regions"] if r.get("tasks")]
    approval = parse_approval(read_source(approval_facts["source_file"], sources_dir), pilot_regions)

    list_slug, approval_slug = list_facts["slug"], approval_facts["slug"]
    objects = []
    for position, programme in enumerate(facts["programmes"], start=1):
        objects.append(_obj(
            "pilots.programme", slug=programme["slug"], name=programme["name"],
            description=programme.get("description", ""), description_en=programme.get("description_en", ""),
            basis=programme["basis"], basis_en=programme.get("basis_en", ""), position=position,
        ))
    for position, region in enumerate(facts["regions"], start=1):
        objects.append(_obj(
            "pilots.region", slug=region["slug"], programme=[region["programme"]], name=region["name"],
            composition=region.get("composition", ""), basis=region["basis"], basis_en=region.get("basis_en", ""),
            to_confirm=region.get("to_confirm", False), position=position,
        ))
    objects += [
        _obj("measures.document", slug=list_slug, position=1, title=reform_list["title"], issuer="",
             number="", date=None, date_as_written="", script="hans", source_file=list_facts["source_file"],
             context="", addressees="", opening="", term="", attachments="", publication="",
             programme=[list_facts["programme"]] if list_facts.get("programme") else None,
             note=list_facts["note"], note_en=list_facts.get("note_en", "")),
        _obj("measures.document", slug=approval_slug, position=2, title=approval["title"],
             issuer=approval["issuer"], number=approval["number"], date=approval["date"].isoformat(),
             date_as_written=approval["date_as_written"], script="hant",
             source_file=approval_facts["source_file"], context=approval["context"],
             addressees=approval["addressees"], opening=approval["opening"], term=approval["term"],
             attachments=approval["attachments"], publication=approval["publication"],
             programme=[approval_facts["programme"]] if approval_facts.get("programme") else None,
             note=approval_facts["note"], note_en=approval_facts.get("note_en", "")),
    ]
    objects += [_obj("measures.provision", document=[approval_slug], number=n, text=t)
                for n, t in enumerate(approval["provisions"], start=1)]
    objects += [_obj("measures.category", document=[list_slug], slug=f"{list_slug}-{c['ordinal']}", **c)
                for c in reform_list["categories"]]

    departments = facts["departments"]
    by_name = {d["name"]: d for d in departments}
    # Successors first, so a predecessor's natural-key reference resolves on load.
    for position, dept in sorted(enumerate(departments, start=1), key=lambda pd: "successor" in pd[1]):
        objects.append(_obj(
            "measures.department", slug=dept["slug"], name=dept["name"], full_name=dept["full_name"],
            aliases=dept.get("aliases", []),
            successor=[dept["successor"]] if dept.get("successor") else None,
            changes=dept.get("changes", ""), changes_en=dept.get("changes_en", ""),
            basis=dept["basis"], basis_en=dept.get("basis_en", ""), position=position,
        ))

    areas_programme = facts["programmes"][0]["slug"]
    for position, m in enumerate(reform_list["measures"], start=1):
        names = m["departments_as_written"].split("、")
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise SourceFormatError(f"measure {m['number']}: departments {unknown} are not in {FACTS_FILE}")
        if m["scope_as_written"] == "全国":
            scope, programme = "nationwide", None
        elif m["scope_as_written"] == "8个改革试验区域":
            scope, programme = "programme", [areas_programme]
        else:
            raise SourceFormatError(f"measure {m['number']}: unknown scope {m['scope_as_written']!r}")
        objects.append(_obj(
            "measures.measure", document=[list_slug], position=position, number=m["number"],
            category=[list_slug, m["category"]], region=None, title=m["title"], text=m["text"], separator="",
            departments=[[by_name[n]["slug"]] for n in names], departments_as_written=m["departments_as_written"],
            scope=scope, scope_as_written=m["scope_as_written"], scope_programme=programme,
        ))
    position = 0
    for region in pilot_regions:
        for task in approval["tasks"][region["slug"]]:
            position += 1
            objects.append(_obj(
                "measures.measure", document=[approval_slug], position=position, number=None, category=None,
                region=[region["slug"]], title=task.title, text=task.text, separator=task.separator,
                departments=[], departments_as_written="", scope="region", scope_as_written="",
                scope_programme=None,
            ))
    return objects


def render_fixture(objects):
    return json.dumps(objects, ensure_ascii=False, indent=2) + "\n"


def fixture_path(name=FIXTURE_NAME):
    return Path(settings.FIXTURE_DIRS[0]) / name


def fixture_builders():
    """Each fixture file and the function that builds its objects, in load order."""
    return {FIXTURE_NAME: build_fixture_objects, GAZETTEER_FIXTURE: build_gazetteer_objects}


def rendered_fixtures():
    return {name: render_fixture(build()) for name, build in fixture_builders().items()}


class DryRun(Exception):
    """Raised inside a transaction to roll back what a dry run did."""


def table_counts():
    models = [*apps.get_app_config("measures").get_models(), *apps.get_app_config("pilots").get_models()]
    return {m._meta.label: m.objects.count() for m in models if not m._meta.label.split(".")[1].startswith("Historical")}


def load_catalogue(*, verbosity=0, dry_run=False):
    """Load (or reload) the committed fixtures, all or nothing; natural keys make a second load a
    no-op. (Our ``loaddata`` rebuilds the search index after loading.) Returns the row counts
    before and after; a dry run reports them and rolls everything back."""
    before = table_counts()
    try:
        with transaction.atomic():
            call_command("loaddata", *fixture_builders(), verbosity=verbosity)
            after = table_counts()
            if dry_run:
                raise DryRun
    except DryRun:
        search.reset_segmenter()  # it may have been built from data that was rolled back
    return before, after


# --- search index ----------------------------------------------------------------------------
#
# Every write of the index is short. A rebuild reads, segments and writes the measures a batch at
# a time, each batch in a transaction of its own, and records the new dictionary (the index state,
# which queries are parsed with) in a last short transaction. Row locks (PostgreSQL) or the
# database's write lock (SQLite) are held for one batch's UPDATEs, never for the whole rebuild, and
# readers never wait for them (MVCC; WAL).
#
# Why rows of both dictionaries side by side are safe while a rebuild runs (or after one that
# failed part-way): every row carries each ideograph and each pair of adjacent characters of its
# text whatever the dictionary (Segmenter.index_tokens), and a query's run of characters matches
# by its words *or* as the run itself, found through those pairs and confirmed in the text
# (catalogue.search.query._run_expr; backends.SearchBackend.match). So a measure that contains the
# string typed is found whichever dictionary its row was written with. What may differ until the
# rebuild ends is a match on words that stand apart in a row (知识产权 … 质押 for 知识产权质押), where
# the new dictionary cuts a word of three or more characters of the old one differently in that
# row. tests/test_reindex_online.py checks the first claim on every measure.
#
# Saves go on meanwhile and index their measures (index_measures). A rebuild first records its
# dictionary as pending (a second state row), and index writes use the pending dictionary while
# there is one, so that a measure saved after its batch was written is not left with the old one.
# Each index write changes a row only if its index columns are still those its writer read with
# the texts (else someone wrote it since, from texts as new or newer). An index_measures checks,
# holding the state's lock, that the dictionary it used is still the one to use (a rebuild may
# have announced or recorded another meanwhile) and indexes again if not; a rebuild announces and
# switches holding the same lock.

# Measures per write transaction.
BATCH_SIZE = 250
# The state row naming the dictionary of the rebuild under way.
PENDING = f"{search.INDEX_NAME}:pending"
# Attempts of an index_measures before it indexes with the state's lock held (writers of the same
# rows, or a rebuild that announces or switches, overtook it every time).
SETTLE_ATTEMPTS = 3
# Rebuilds run one at a time, whichever process starts them (the worker, `manage.py reindex`): one
# that read the names before an edit would otherwise record its dictionary over a newer one's.
REBUILD_LOCK_KEY = 0x6D656173757265  # PostgreSQL advisory lock key: any constant
# Tries of a rebuild's write on SQLite (``_patiently``).
LOCKED_ATTEMPTS = 6


@dataclass
class IndexReport:
    """What an indexing run did: measures read, rows rewritten (in a dry run: that would be), rows
    a save rewrote between this run's read and its write (left as the save wrote them), write
    transactions and the longest of them (what a writer of those measures may wait for), and the
    transaction that recorded the dictionary."""

    processed: int = 0
    rewritten: int = 0
    overtaken: int = 0
    transactions: int = 0
    longest_ms: float = 0.0
    switch_ms: float = 0.0

    def transaction_took(self, seconds):
        self.transactions += 1
        self.longest_ms = max(self.longest_ms, seconds * 1000)


def _compare_and_set_sql():
    """One row's index columns, set only where they still are the values given after the pk."""
    qn = connection.ops.quote_name
    same = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
    columns = [qn(column) for column in search.INDEXED_COLUMNS]
    return (f"UPDATE {qn(Measure._meta.db_table)} SET {', '.join(f'{c} = %s' for c in columns)} "
            f"WHERE {qn(Measure._meta.pk.column)} = %s AND {' AND '.join(f'{c} {same} %s' for c in columns)}")


def _row_batches(pks, batch_size):
    """``search.IndexRow`` lists of the measures in ``pks`` (all when None), each batch read by a
    query of its own: no read stays open for a whole rebuild (it would hold back PostgreSQL's
    vacuum, or SQLite's checkpoint of the WAL)."""
    if pks is None:
        keys = list(Measure.objects.order_by("pk").values_list("pk", flat=True))
        for chunk in search.batched(keys, batch_size):
            yield from search.index_rows(Measure.objects.filter(pk__gte=chunk[0], pk__lte=chunk[-1]), batch_size)
        return
    backend = backend_for(Measure)
    for chunk in search.batched(sorted(set(pks)), batch_size):
        yield from search.index_rows(backend.by_keys(Measure.objects.all(), chunk), batch_size)


class _Indexer:
    """Writes measures' index columns computed with one dictionary, a batch per transaction, each
    row only where its index is still the one read with its texts (``overtaken`` counts the others).
    A dry run writes each batch and rolls it back: the same locks, as long. ``patient``: a write
    that SQLite gave up on (``_patiently``) is tried again."""

    def __init__(self, segmenter, vocabulary, *, batch_size=BATCH_SIZE, workers=1, dry_run=False, patient=False,
                 report=None):
        self.segmenter = segmenter
        self.vocabulary = vocabulary
        self.batch_size = batch_size
        self.workers = workers
        self.dry_run = dry_run
        self.patient = patient
        self.report = IndexReport() if report is None else report
        self.sql = _compare_and_set_sql()

    def run(self, pks=None):
        """Index the measures in ``pks`` (all when None); returns how many were read."""
        read = collections.deque()

        def batches():
            for batch in _row_batches(pks, self.batch_size):
                read.append(batch)
                yield batch

        count = 0
        for processed, changed in changed_index_values(batches(), self.segmenter, self.vocabulary, self.workers):
            self._write(read.popleft(), changed)
            count += processed
        return count

    def _write(self, rows, changed):
        if not changed:
            return
        before = {row.pk: row.indexed for row in rows}
        params = [(*values, pk, *before[pk]) for *values, pk in changed]

        def write():
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(self.sql, params)
                written = cursor.rowcount
                if self.dry_run:
                    transaction.set_rollback(True)
            self.report.transaction_took(time.perf_counter() - started)
            return written

        written = _patiently(write) if self.patient else write()
        self.report.rewritten += written
        self.report.overtaken += len(changed) - written


def _patiently(write):
    """``write()`` (a function that opens its own transaction), again when SQLite gave up waiting
    for another writer (its busy timeout, 5 s: a curator's save holds the database while its
    process builds its dictionary, longer on a busy machine). A rebuild waits for its turn
    rather than fail; PostgreSQL makes it wait by itself."""
    for attempt in range(1, LOCKED_ATTEMPTS + 1):
        try:
            return write()
        except OperationalError as error:
            if (connection.vendor != "sqlite" or connection.in_atomic_block or "locked" not in str(error)
                    or attempt == LOCKED_ATTEMPTS):
                raise


def _dictionaries():
    """``{state name: dictionary version}``: the index's, and a rebuild's pending one."""
    return dict(SearchIndexState.objects.filter(name__in=[search.INDEX_NAME, PENDING])
                .values_list("name", "dictionary_version"))


def _to_write_with(dictionaries):
    """The version of the dictionary index writes use: a rebuild's under way, else the index's."""
    return dictionaries.get(PENDING, dictionaries.get(search.INDEX_NAME))


def _lock_state():
    """``_dictionaries()``, read after taking the state's row lock (PostgreSQL) or the database's
    write lock (SQLite) with a write: a SQLite transaction that has read cannot become a writer
    once another has committed (it fails at once, "database is locked"); one that writes first
    waits for its turn."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {qn(SearchIndexState._meta.db_table)} SET {qn('rows')} = {qn('rows')} "
                       f"WHERE {qn('name')} = %s", [search.INDEX_NAME])
    return _dictionaries()


_pending_lock = threading.Lock()
_pending_segmenter = None


def _segmenter_to_write_with():
    """``(version, segmenter)`` of the dictionary index writes use now (``_to_write_with``)."""
    global _pending_segmenter
    dictionaries = _dictionaries()
    version = _to_write_with(dictionaries)
    if PENDING not in dictionaries:
        return version, search.get_segmenter()
    with _pending_lock:
        if _pending_segmenter is None or _pending_segmenter.version != version:
            words = SearchIndexState.objects.filter(name=PENDING).values_list("words", flat=True).first()
            if words is None:  # recorded meanwhile: the check under the lock will see it
                return version, search.get_segmenter()
            _pending_segmenter = Segmenter(words)
        return version, _pending_segmenter


def _record_rows(segmenter, dictionaries, rows):
    """The state after an index_measures: the number of rows and a new time stamp (a state is
    created with the dictionary used, if there was none)."""
    if search.INDEX_NAME not in dictionaries:
        SearchIndexState.objects.get_or_create(name=search.INDEX_NAME, defaults={
            "dictionary_version": segmenter.version, "words": segmenter.words, "rows": rows})
    else:
        SearchIndexState.objects.filter(name=search.INDEX_NAME).update(rows=rows, built_at=timezone.now())


@contextlib.contextmanager
def _one_rebuild_at_a_time():
    if connection.vendor == "postgresql":
        if connection.in_atomic_block:  # released with the transaction this runs in
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REBUILD_LOCK_KEY])
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [REBUILD_LOCK_KEY])
        try:
            yield
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [REBUILD_LOCK_KEY])
            except DatabaseError:  # a connection that is gone has lost its locks too
                pass
        return
    database = Path(str(connection.settings_dict["NAME"]))
    if not database.is_file():  # in memory: no other process sees it
        yield
        return
    # SQLite has no advisory locks: a lock file of the database's own, outside the project.
    key = hashlib.sha256(str(database.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"catalogue-reindex-{key}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def index_measures(pks=None, *, batch_size=BATCH_SIZE, workers=1):
    """Recompute the searchable text of measures (all, or those in ``pks``) with the dictionary
    the index was built with (or the one a rebuild under way writes with), so the index stays of
    one piece; the database derives its full-text index from it. A batch of measures per
    transaction; ``workers`` > 1 segments in that many forked processes while this one writes
    (commands only). Returns how many measures were processed."""
    def indexed():  # with the names as they are now too: a rebuild may follow an edit of them
        version, segmenter = _segmenter_to_write_with()
        indexer = _Indexer(segmenter, search.Vocabulary(), batch_size=batch_size, workers=workers)
        return version, indexer, indexer.run(pks)

    for _ in range(SETTLE_ATTEMPTS):
        version, indexer, processed = indexed()
        rows = Measure.objects.count()  # counted before the lock, not under it
        with transaction.atomic():
            dictionaries = _lock_state()
            if _to_write_with(dictionaries) == version and not indexer.report.overtaken:
                _record_rows(indexer.segmenter, dictionaries, rows)
                return processed
    # Overtaken every time: once more with the state locked, so that no rebuild announces or
    # switches meanwhile.
    rows = Measure.objects.count()
    with transaction.atomic():
        dictionaries = _lock_state()
        _, indexer, processed = indexed()
        _record_rows(indexer.segmenter, dictionaries, rows)
    return processed


def rebuild_search_index(*, dry_run=False, workers=1, force=True, batch_size=BATCH_SIZE, report=None):
    """The dictionary from the names in the data now, every measure reindexed with it in batches
    that each commit, then the index's state (dictionary, names) recorded in a short transaction:
    queries are parsed with the old dictionary until then (the comment above says why rows of
    both are safe meanwhile). A failure part-way leaves the old state recorded, so the next
    rebuild, forced or not, runs again. Unless ``force``, nothing is done when the names are
    those the index was built from. A dry run writes each batch and rolls it back, and records
    nothing. Returns how many measures were processed; ``report`` (an IndexReport) gets the rest."""
    report = IndexReport() if report is None else report
    with _one_rebuild_at_a_time():
        words = search.dictionary_words()
        vocabulary = search.Vocabulary()
        digest = vocabulary.digest(words)
        segmenter = Segmenter(words)
        state = search.index_state()
        if not force and state and state.vocabulary == digest and state.dictionary_version == segmenter.version:
            return 0
        indexer = _Indexer(segmenter, vocabulary, batch_size=batch_size, workers=workers, dry_run=dry_run,
                           patient=True, report=report)
        if dry_run:
            report.processed = indexer.run()
        else:
            _patiently(lambda: _record(PENDING, {"dictionary_version": segmenter.version, "words": segmenter.words}))
            try:
                report.processed = indexer.run()
                rows = Measure.objects.count()  # counted before the lock, not under it
                started = time.perf_counter()
                _patiently(lambda: _record(search.INDEX_NAME, {
                    "dictionary_version": segmenter.version, "words": segmenter.words, "vocabulary": digest,
                    "rows": rows}))
                report.switch_ms = (time.perf_counter() - started) * 1000
            finally:
                _withdraw_pending()
    search.reset_segmenter()
    return report.processed


def _record(name, values):
    """Write a state row (the pending dictionary, or the index's, which ends the pending one), the
    state's lock held: no index_measures checks its dictionary in between."""
    with transaction.atomic():
        _lock_state()
        SearchIndexState.objects.update_or_create(name=name, defaults=values)
        if name == search.INDEX_NAME:
            SearchIndexState.objects.filter(name=PENDING).delete()


def _withdraw_pending():
    """After a rebuild that failed: index writes go back to the dictionary recorded. (Left by a
    process killed part-way, the next rebuild replaces it.)"""
    try:
        with transaction.atomic():
            SearchIndexState.objects.filter(name=PENDING).delete()
    except DatabaseError:  # the database is gone, or the transaction this runs in failed
        pass


def _changed_rows(rows, segmenter, vocabulary):
    """(rows processed, [(*index values, pk) of the rows whose index changes]): a vocabulary
    edit rewrites only the measures it changes."""
    changed = []
    for row in rows:
        values = search.index_values(row, vocabulary, segmenter)
        if values != row.indexed:
            changed.append((*values, row.pk))
    return len(rows), changed


# The forked indexing workers' CPU priority, below the app servers' (niceness 0): on a machine that
# also serves, requests come first.
SEGMENTING_NICENESS = 10

# What a forked indexing worker works with: inherited from the parent at fork, never pickled
# (the dictionary is tens of megabytes).
_worker_state = None


def _changed_rows_in_worker(rows):
    return _changed_rows(rows, *_worker_state)


def changed_index_values(batches, segmenter, vocabulary, workers=1):
    """``(rows processed, changed rows)`` for each batch of ``search.IndexRow``, in order; with
    ``workers`` > 1 computed ahead in forked processes while the caller writes."""
    global _worker_state
    if workers <= 1:
        for batch in batches:
            yield _changed_rows(batch, segmenter, vocabulary)
        return
    _worker_state = (segmenter, vocabulary)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=os.nice, initargs=(SEGMENTING_NICENESS,)) as pool:
            pending = collections.deque()
            for batch in batches:  # read here: the database connection stays in this process
                pending.append(pool.apply_async(_changed_rows_in_worker, (batch,)))
                if len(pending) > 2 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _worker_state = None
