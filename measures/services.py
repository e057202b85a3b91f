"""Writes: turning the seed texts into fixtures, loading them, and keeping the search index true.

Parsing keeps every text as an exact slice of its source; anything the parser cannot place raises
``SourceFormatError`` rather than being dropped or guessed.
"""
import collections
import datetime
import json
import multiprocessing
import re
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from catalogue.models import SearchIndexState
from catalogue.search import Segmenter
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

def _write_index(queryset, segmenter, vocabulary, *, batch_size, workers):
    """Recompute the index columns of ``queryset``'s measures and write those that change (one
    prepared UPDATE per row, sent in batches). Returns how many measures were read."""
    table = connection.ops.quote_name(Measure._meta.db_table)
    assignments = ", ".join(f"{column} = %s" for column in search.INDEXED_COLUMNS)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s"
    count = 0
    with connection.cursor() as cursor:
        batches = search.index_rows(queryset, batch_size)
        for processed, changed in changed_index_values(batches, segmenter, vocabulary, workers):
            count += processed
            if changed:
                cursor.executemany(sql, changed)
    return count


def index_measures(pks=None, *, batch_size=1000, workers=1):
    """Recompute the searchable text of measures (all, or those in ``pks``) with the dictionary
    the index was built with, so the index stays of one piece; the database derives its
    full-text index from it. ``workers`` > 1 segments in that many forked processes while this
    one writes (commands only). Returns how many measures were processed."""
    segmenter = search.get_segmenter()
    queryset = Measure.objects.all() if pks is None else Measure.objects.filter(pk__in=list(pks))
    with transaction.atomic():
        count = _write_index(queryset, segmenter, search.Vocabulary(), batch_size=batch_size, workers=workers)
        SearchIndexState.objects.update_or_create(name=search.INDEX_NAME, defaults={
            "dictionary_version": segmenter.version, "words": segmenter.words, "rows": Measure.objects.count(),
        })
    return count


def rebuild_search_index(*, dry_run=False, workers=1, force=True):
    """The dictionary from the names in the data now, every measure reindexed with it, and the
    index's state (dictionary, names) recorded: all in one transaction, so searches use the old
    index and its dictionary until the new one is complete, and a failure leaves it as it was.
    Unless ``force``, nothing is done when the names are those the index was built from.
    Returns how many measures were processed."""
    words = search.dictionary_words()
    vocabulary = search.Vocabulary()
    digest = vocabulary.digest(words)
    segmenter = Segmenter(words)
    state = search.index_state()
    if not force and state and state.vocabulary == digest and state.dictionary_version == segmenter.version:
        return 0
    try:
        with transaction.atomic():
            count = _write_index(Measure.objects.all(), segmenter, vocabulary, batch_size=1000, workers=workers)
            SearchIndexState.objects.update_or_create(name=search.INDEX_NAME, defaults={
                "dictionary_version": segmenter.version, "words": segmenter.words, "vocabulary": digest,
                "rows": Measure.objects.count(),
            })
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    search.reset_segmenter()
    return count


def _changed_rows(rows, segmenter, vocabulary):
    """(rows processed, [(*index values, pk) of the rows whose index changes]): a vocabulary
    edit rewrites only the measures it changes."""
    changed = []
    for row in rows:
        values = search.index_values(row, vocabulary, segmenter)
        if values != row.indexed:
            changed.append((*values, row.pk))
    return len(rows), changed


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
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending = collections.deque()
            for batch in batches:  # read here: the database connection stays in this process
                pending.append(pool.apply_async(_changed_rows_in_worker, (batch,)))
                if len(pending) > 2 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _worker_state = None
