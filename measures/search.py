"""What is searchable about a measure, and searching measures through ``catalogue.search``.

The index and its dictionary go together: the words jieba was given when the index was built are
stored with its state (``SearchIndexState.words``), and queries are segmented with those words,
so a search stays right while a rebuild with a new dictionary runs in the worker (the new index
and its words commit together). Writes go through ``services``.
"""
import functools
import hashlib
import itertools
import json
import logging
import operator
import re
import threading
from typing import NamedTuple

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from catalogue import search
from catalogue.models import SearchIndexState
from pilots.models import Level, Place, Programme, Region

from .models import Category, Department, Measure, Scope

logger = logging.getLogger(__name__)

INDEX_NAME = "measures"
# What services.index_measures writes; the database derives its full-text index from search_tokens.
INDEXED_COLUMNS = ("search_plain", "search_tokens", "title_plain", "department_keys", "own_length")
TERMS_FILE = "search_terms.txt"
DEPARTMENT_TAG = "department"


def static_terms():
    path = settings.REFERENCE_DIR / TERMS_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _name_variants(name):
    """粤港澳大湾区内地九市 → itself; 广东（珠三角） → 广东（珠三角）, 广东, 珠三角; 成都市 → 成都市, 成都."""
    variants = [name, *re.split(r"[（）()]", name)]
    variants += [v[:-1] for v in variants if len(v) > 2 and v.endswith(("市", "省"))]
    return [v for v in variants if len(v) >= 2]


def dictionary_words():
    """Our own vocabulary, from the data as it is now: names that jieba should keep whole."""
    words = list(static_terms())
    # Province and prefecture names, full and short (county names are too many and too often
    # ordinary words: 合作市, 和平区).
    for name, short in Place.objects.exclude(level=Level.COUNTY).values_list("name", "short_name"):
        words += [name, short]
    for department in Department.objects.all():
        words += department.names
    for name in [*Region.objects.values_list("name", flat=True), *Programme.objects.values_list("name", flat=True),
                 *Category.objects.values_list("name", flat=True)]:
        words += _name_variants(name)
    return words


def index_state():
    return SearchIndexState.objects.defer("words").filter(name=INDEX_NAME).first()


def touch_index_state():
    """Note a change that indexing does not see (a measure deleted, a document or a name edited):
    the state's time stamp keys cached facet counts (facets.catalogue_facet_counts)."""
    SearchIndexState.objects.filter(name=INDEX_NAME).update(built_at=timezone.now())


class _Segmenters:
    """The process's segmenter for the index's dictionary, built again when the index's
    dictionary version moves (in any process)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kept = None

    def for_index(self):
        version = SearchIndexState.objects.filter(name=INDEX_NAME).values_list("dictionary_version", flat=True).first()
        with self._lock:
            if self._kept is not None and self._kept[0] == version:
                return self._kept[1]
        words = SearchIndexState.objects.filter(name=INDEX_NAME).values_list("words", flat=True).first()
        # No index yet, or one whose dictionary was not recorded: the data's own words.
        segmenter = search.Segmenter(words if words else dictionary_words())
        if version is not None and segmenter.version != version:
            logger.warning("search index built with dictionary %s, current dictionary is %s: run `manage.py reindex`",
                           version, segmenter.version)
        with self._lock:
            self._kept = (version, segmenter)
        return segmenter

    def forget(self):
        with self._lock:
            self._kept = None


_segmenters = _Segmenters()


def get_segmenter():
    """The segmenter of the dictionary the index was built with: what queries are read by."""
    return _segmenters.for_index()


def reset_segmenter():
    """Forget this process's segmenter; the next search builds it again."""
    _segmenters.forget()


class IndexRow(NamedTuple):
    """What indexing reads of a measure: its own texts, the keys of the names it is also found
    by, and its index as stored now (to leave rows whose index does not change untouched)."""

    pk: int
    title: str
    text: str
    category_id: int | None
    region_id: int | None
    scope: str
    scope_as_written: str
    scope_programme_id: int | None
    department_ids: tuple = ()
    indexed: tuple = ()


INDEX_ROW_COLUMNS = (*IndexRow._fields[:8], *INDEXED_COLUMNS)


class Vocabulary:
    """The names a measure is found by besides its own words, read once per indexing run."""

    def __init__(self):
        self.categories = dict(Category.objects.values_list("pk", "name"))
        self.regions = dict(Region.objects.values_list("pk", "name"))
        departments = sorted(Department.objects.select_related("successor"), key=lambda d: (d.position, d.pk))
        self.department_rank = {d.pk: rank for rank, d in enumerate(departments)}
        # A department's names, then its successor's: 金融监管总局 finds 银保监会's measures.
        self.department_names = {d.pk: d.names + (d.successor.names if d.successor_id else []) for d in departments}
        self.programmes = {
            p.pk: [p.name, *(r.name for r in p.regions.all())] for p in Programme.objects.prefetch_related("regions")
        }

    def digest(self, words):
        """What the index built from these names and ``words`` depends on, as one string."""
        names = [sorted(set(words)), sorted(self.categories.items()), sorted(self.regions.items()),
                 sorted(self.department_rank.items()), sorted(self.department_names.items()),
                 sorted(self.programmes.items())]
        return hashlib.sha256(json.dumps(names, ensure_ascii=False).encode()).hexdigest()

    def searchable_fields(self, row):
        """The texts a measure is found by, original script; normalised before indexing."""
        fields = [row.title, row.text]
        if row.category_id:
            fields.append(self.categories[row.category_id])
        for department_id in sorted(row.department_ids, key=self.department_rank.__getitem__):
            fields += self.department_names[department_id]
        if row.region_id:
            fields.append(self.regions[row.region_id])
        if row.scope == Scope.PROGRAMME:
            fields += [row.scope_as_written, *self.programmes[row.scope_programme_id]]
        elif row.scope_as_written:
            fields.append(row.scope_as_written)
        return [f for f in fields if f]


def index_values(row, vocabulary, segmenter):
    """The index columns of a measure, in the order of ``INDEXED_COLUMNS``. The plain text opens
    with the title and the text, normalised (same lengths), each on its own line (``own_plain``);
    the names it is also found by follow. The tokens end with the measure's departments as tags
    (``filters.MeasureFilterSet``)."""
    plain = "\n".join(search.normalize_text(f) for f in vocabulary.searchable_fields(row))
    departments = sorted(row.department_ids)
    tags = [search.tag(DEPARTMENT_TAG, pk) for pk in departments]
    own_length = len(row.title) + (1 + len(row.text) if row.text else 0)
    return (plain, " ".join(segmenter.index_tokens(plain) + tags), search.normalize(row.title),
            " ".join(map(str, departments)), own_length)


def own_plain(title, text, search_plain):
    """A measure's own title and text, normalised, cut from its indexed plain text (above)
    rather than normalised again."""
    return search_plain[:len(title) + (1 + len(text) if text else 0)]


def index_rows(queryset, batch_size):
    """``queryset``'s measures as lists of ``IndexRow``, ``batch_size`` at a time, with their
    departments (one query per batch)."""
    through = Measure.departments.through
    backend = search.backend_for(Measure)
    rows = queryset.order_by("pk").values_list(*INDEX_ROW_COLUMNS).iterator(chunk_size=batch_size)
    for batch in batched(rows, batch_size):
        links = {}
        batch_links = backend.by_keys(through.objects.all(), [r[0] for r in batch], "measure_id")
        for measure_id, department_id in batch_links.values_list("measure_id", "department_id"):
            links.setdefault(measure_id, []).append(department_id)
        yield [IndexRow(*r[:8], department_ids=tuple(links.get(r[0], ())), indexed=tuple(r[8:])) for r in batch]


def batched(iterable, size):
    # itertools.batched from Python 3.12 on
    iterator = iter(iterable)
    while batch := tuple(itertools.islice(iterator, size)):
        yield batch


def parse_query(text):
    # The segmenter (and the database behind its dictionary) is only reached for a query that
    # has something to search for.
    return search.parse(text, get_segmenter)


def matching(queryset, parsed):
    if parsed.is_empty:
        return queryset.none()
    backend = search.backend_for(Measure)
    for term in parsed.terms:
        queryset = queryset.filter(backend.match(term.expr))
    for term in parsed.excluded:
        queryset = queryset.exclude(backend.match(term.expr))
    return queryset


def ranked(queryset, parsed):
    """Measures whose title contains every term verbatim first, then those whose own text does
    (punctuation included, compared normalised), then by relevance; ties in source order."""
    if not parsed.terms:
        return queryset
    backend = search.backend_for(Measure)

    def verbatim(contains):
        q = Q()
        for term in parsed.terms:
            q &= functools.reduce(operator.or_, [contains(form) for form in term.forms])
        return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())

    queryset = backend.with_relevance(queryset, [term.expr for term in parsed.terms])
    return queryset.annotate(
        title_hit=verbatim(lambda form: Q(title_plain__contains=form)),
        phrase_hit=verbatim(lambda form: backend.contains(form, own=True)),
    ).order_by("-title_hit", "-phrase_hit", "-relevance", "source_order")


def highlighted(title, text, parsed, *, whole_text=False):
    """``(title, text)`` as escaped HTML with the query's matches marked, the text as a snippet
    around its first match unless ``whole_text``; ``(None, None)`` without a search."""
    needles = parsed.highlight_levels() if parsed else []
    if not needles:
        return None, None
    if not text:
        return search.highlight(title, needles), None
    marked = search.highlight(text, needles) if whole_text else search.snippet(text, needles)
    return search.highlight(title, needles), marked


def needs_names(parsed, title, text):
    """Whether some term of the search is nowhere in the measure's own title and text, so that
    only a name can explain why it matched (``matched_via``)."""
    if not parsed or not parsed.terms:
        return False
    own = search.normalize_text(title) + "\n" + search.normalize_text(text)
    return not all(any(needle in own for level in levels for needle in level if needle)
                   for levels in parsed.highlight_levels())


def plain_texts(keys):
    """``{pk: (plain text, own length)}`` of these measures, as their index holds them."""
    rows = search.backend_for(Measure).by_keys(Measure.objects.all(), keys)
    return {pk: (plain, own) for pk, plain, own in rows.values_list("pk", "search_plain", "own_length")}


def matched_via(parsed, plain, own_length):
    """The names (a department's, a region's …) through which a measure matched the search, for
    each term its own title and text do not contain, normalised: so that nobody wonders why a
    measure with nothing marked is listed. ``plain`` is its indexed plain text (its own words, then
    a line per name). ``display_names`` tells what to show for each."""
    if not parsed or not parsed.terms or own_length is None:
        return []
    own, names = plain[:own_length], plain[own_length:].split("\n")[1:]
    via = []
    for levels in parsed.highlight_levels():
        if any(needle in own for level in levels for needle in level if needle):
            continue
        # the name that holds the term as typed, else its words, else its sub-words
        for level in levels:
            line = next((line for line in names if any(needle and needle in line for needle in level)), None)
            if line is not None:
                via.append(line)
                break
    return list(dict.fromkeys(via))


def display_names(departments, names):
    """``{normalised name: name to show}`` for the names a measure is found by: each department's
    names (``(name, every name)`` pairs: its full name and aliases show as the department), then
    the others (category, region, programme …) as they are."""
    shown = {}
    for department, every in departments:
        for name in every:
            shown.setdefault(search.normalize_text(name), department)
    for name in names:
        if name:
            shown.setdefault(search.normalize_text(name), name)
    return shown


def names_of(measure):
    """The names other than its departments' that a measure (with its related rows) is found by."""
    programme = [measure.scope_programme.name, *(r.name for r in measure.scope_programme.regions.all())] \
        if measure.scope_programme_id else []
    return [measure.category.name if measure.category_id else "", measure.region.name if measure.region_id else "",
            *programme, measure.scope_as_written]


def attach_highlights(measures, parsed, *, whole_text=False):
    """Set ``title_highlight`` and ``highlight`` (``highlighted``) on each measure, and
    ``matched_via`` (the names it matched through, if only through names)."""
    measures = list(measures)
    plains = plain_texts([m.pk for m in measures if needs_names(parsed, m.title, m.text)])
    for measure in measures:
        measure.title_highlight, measure.highlight = highlighted(measure.title, measure.text, parsed,
                                                                 whole_text=whole_text)
        via = matched_via(parsed, *plains.get(measure.pk, ("", None)))
        if via:
            shown = display_names([(d.name, d.names) for d in measure.departments.all()], names_of(measure))
            via = list(dict.fromkeys(shown.get(line, line) for line in via))
        measure.matched_via = via
    return measures
