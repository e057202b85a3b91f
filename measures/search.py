"""What is searchable about a measure, and searching measures through ``catalogue.search``."""
import functools
import logging
import operator
import re
import threading

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When

from catalogue import search
from catalogue.models import SearchIndexState

from .models import Category, Department, Measure, Scope

logger = logging.getLogger(__name__)

INDEX_NAME = "measures"
TERMS_FILE = "search_terms.txt"
_lock = threading.Lock()
_segmenter = None


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
    """Our own vocabulary: names from the data, so jieba keeps them whole."""
    from pilots.models import Level, Place, Programme, Region

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


def get_segmenter():
    global _segmenter
    with _lock:
        if _segmenter is None:
            _segmenter = search.Segmenter(dictionary_words())
        return _segmenter


def reset_segmenter():
    """Forget the dictionary; the next search or index rebuilds it from the data."""
    global _segmenter
    with _lock:
        _segmenter = None


def index_state():
    return SearchIndexState.objects.filter(name=INDEX_NAME).first()


def check_index_version():
    """The segmenter to query with, after making sure it is the one the index was built with.

    Another process may have changed the dictionary (an admin edit): reload it from the data. If
    the index itself is older than the dictionary, say so: results would silently miss words.
    """
    segmenter = get_segmenter()
    state = index_state()
    if state and state.dictionary_version != segmenter.version:
        reset_segmenter()
        segmenter = get_segmenter()
        if state.dictionary_version != segmenter.version:
            logger.warning(
                "search index built with dictionary %s, current dictionary is %s: run `manage.py reindex`",
                state.dictionary_version, segmenter.version,
            )
    return segmenter


def searchable_fields(measure):
    """The texts a measure is found by, original script; normalised before indexing."""
    fields = [measure.title, measure.text]
    if measure.category_id:
        fields.append(measure.category.name)
    for department in measure.departments.all():
        fields += department.names
        if department.successor_id:  # who carries its duties now: 金融监管总局 finds 银保监会's measures
            fields += department.successor.names
    if measure.region_id:
        fields.append(measure.region.name)
    if measure.scope == Scope.PROGRAMME:
        fields += [measure.scope_as_written, measure.scope_programme.name]
        fields += [region.name for region in measure.scope_programme.regions.all()]
    elif measure.scope_as_written:
        fields.append(measure.scope_as_written)
    return [f for f in fields if f]


def index_values(measure, segmenter):
    plain = "\n".join(search.normalize_text(f) for f in searchable_fields(measure))
    return {
        "search_plain": plain,
        "search_tokens": " ".join(segmenter.index_tokens(plain)),
        "title_plain": search.normalize(measure.title),
    }


def parse_query(text):
    # The segmenter (and the database behind its dictionary) is only reached for a query that
    # has something to search for.
    return search.parse(text, check_index_version)


def matching(queryset, parsed):
    if parsed.is_empty:
        return queryset.none()
    backend = search.backend_for(Measure)
    for term in parsed.terms:
        queryset = queryset.filter(backend.match(term.expr))
    for term in parsed.excluded:
        queryset = queryset.exclude(backend.match(term.expr))
    return queryset


def _contains_every_term(field, terms):
    q = Q()
    for term in terms:
        q &= functools.reduce(operator.or_, [Q(**{f"{field}__contains": form}) for form in term.forms])
    return q


def ranked(queryset, parsed):
    """Whole-title matches first, then verbatim matches, then relevance; ties in source order."""
    if not parsed.terms:
        return queryset
    backend = search.backend_for(Measure)
    queryset = backend.with_relevance(queryset, [term.expr for term in parsed.terms])
    return queryset.annotate(
        title_hit=Case(When(_contains_every_term("title_plain", parsed.terms), then=Value(1)),
                       default=Value(0), output_field=IntegerField()),
        phrase_hit=Case(When(_contains_every_term("search_plain", parsed.terms), then=Value(1)),
                        default=Value(0), output_field=IntegerField()),
    ).order_by("-title_hit", "-phrase_hit", "-relevance", "source_order")


def attach_highlights(measures, parsed, *, whole_text=False):
    """Set ``title_highlight`` and ``highlight`` (escaped HTML, matches marked) on each measure."""
    needles = parsed.highlight_levels() if parsed else []
    for measure in measures:
        if not needles:
            measure.title_highlight = None
            measure.highlight = None
            continue
        measure.title_highlight = search.highlight(measure.title, needles)
        if whole_text:
            measure.highlight = search.highlight(measure.text, needles) if measure.text else None
        else:
            measure.highlight = search.snippet(measure.text, needles) if measure.text else None
    return measures
