"""Facet counts: for each filter of the list, how many measures each of its values would give.

This module and the search backend are where the catalogue's reads are shaped for speed at scale
(docs/BENCHMARKS.md has the figures); the rest of the code reads the plain way.
- Filters alone are counted with one GROUP BY over the facet index (measures.Measure.Meta).
- A search's matches are read once, capped at FACET_COUNT_LIMIT + 1 rows, and counted per
  grouping of columns in the same statement (``capped_group_counts``); the read is planned by
  the search backend (``reading_matches``), and departments are counted from each match's
  ``department_keys`` rather than by joining every match's links.
- Where the engine expects more matches than the limit, a count of a subset of them (the search
  narrowed to each term's first reading) tells it for less than the grouped read.
- Counts are remembered per filter and search until the catalogue next changes.
"""
import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connections
from django.db.models import Count, F, Q

from catalogue.pagination import capped_count
from django.utils.translation import gettext_lazy as _lazy

from catalogue.search import backend_for
from pilots.models import Region

from . import search
from .filters import MeasureFilterSet, lineages
from .models import Category, Department, Document, Measure, Scope
from .validity import Status, status_expression, today

FACETS = {
    "document": _lazy("文件"),
    # A document's status today (measures.validity): its counts are the documents' counts, summed.
    "status": _lazy("效力"),
    "category": _lazy("类别"),
    "department": _lazy("指导部门"),
    "scope": _lazy("推广范围"),
    "region": _lazy("试点地区"),
}
# A facet lists at most this many values; a long one (hundreds of categories across documents)
# lists the largest and the selected ones, in source order, and says how many it left out.
FACET_LIMIT = 25
# A search matching more measures than this gets its facets' values without counts: counting
# means reading every match; the values still filter, and a narrower search or a filter
# brings the counts back.
FACET_COUNT_LIMIT = 10_000
# What facet counts depend on; the page and the sort do not change them.
FACET_PARAMS = ("q", *FACETS, "department_match")
# A backstop only: a cached count is dropped as soon as the catalogue changes (see below).
FACET_CACHE_SECONDS = 600


@dataclass
class FacetValue:
    value: str
    label: str
    count: int | None  # None: not counted (see FACET_COUNT_LIMIT)
    selected: bool
    group: str = ""
    predecessors: tuple = ()  # a department's: the bodies it took over from, whose measures it finds


@dataclass
class Facet:
    name: str
    label: str
    values: list
    not_listed: int = 0  # values with matches left out of a long list
    multiple: bool = False
    counted: bool = True  # False: too many matches to count (FACET_COUNT_LIMIT); values without counts

    @property
    def any_selected(self):
        return any(v.selected for v in self.values)


GROUPED_FACET_COLUMNS = ("document_id", "category_id", "scope", "region_id", "scope_programme_id")
GROUPED_FACETS = ("document", "category", "scope", "region_tasks", "programme")
FACET_OF_COLUMN = dict(zip(GROUPED_FACET_COLUMNS, GROUPED_FACETS))
# A search's matches counted per value of these, apart: columns that vary together (a category
# has one document; scope, region and programme go together) grouped as one, so that each
# grouping gives few rows whatever the number of matches.
SEARCH_FACET_GROUPINGS = (("document_id", "category_id"), ("scope", "region_id", "scope_programme_id"),
                          ("department_keys",))


def capped_group_counts(queryset, groupings, cap):
    """Among the first ``cap + 1`` rows of ``queryset``, how many have each combination of values
    of each grouping's fields: ``(rows read, [[(*values, n), …] for each grouping])``, exact when
    the rows read are ``cap`` or fewer. The count and its guard in one read of the matches."""
    fields = [field for grouping in groupings for field in grouping]
    aliases = {field: f"c{i}" for i, field in enumerate(fields)}
    matches = queryset.order_by().values(**{aliases[field]: F(field) for field in fields})[: cap + 1]
    sql, params = matches.query.get_compiler(queryset.db).as_sql()
    connection = connections[queryset.db]
    # All the fields in every SELECT, a NULL of the field's type where a grouping leaves it out
    # (a UNION's columns keep one type); the first column says which grouping a row belongs to.
    nulls = {field: f"CAST(NULL AS {queryset.model._meta.get_field(field).cast_db_type(connection)})" for field in fields}
    selects = []
    for i, grouping in enumerate(groupings):
        columns = ", ".join(aliases[field] if field in grouping else nulls[field] for field in fields)
        keys = ", ".join(aliases[field] for field in grouping)
        selects.append(f"SELECT {i}, {columns}, COUNT(*) FROM matches GROUP BY {keys}")
    per_grouping = [[] for _ in groupings]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH matches AS ({sql}) {' UNION ALL '.join(selects)}", params)
        for which, *values, n in cursor.fetchall():
            per_grouping[which].append((*(values[fields.index(field)] for field in groupings[which]), n))
    return sum(row[-1] for row in per_grouping[0]), per_grouping


def _add_counts(counts, columns, rows):
    for *keys, n in rows:
        for column, key in zip(columns, keys):
            if key is not None:
                facet = counts[FACET_OF_COLUMN[column]]
                facet[key] = facet.get(key, 0) + n


def narrowed_matches(filterset):
    """What ``filterset`` selects with its search narrowed (``ParsedQuery.narrowed``): a subset of
    its matches that the index finds for less. As django-filter's ``filter_queryset``, with the
    narrowed search in place of the parsed one."""
    parsed = filterset.search_query
    if parsed is None:
        return filterset.qs
    queryset = filterset.queryset.all()
    for name, value in {**filterset.form.cleaned_data, "q": parsed.narrowed()}.items():
        queryset = filterset.filters[name].filter(queryset, value)
    return queryset


def grouped_counts(queryset, cap=None, subset=None):
    """Counts per document, category, scope and region over the matches, keyed by primary key.
    With a ``cap`` (a search): over the first ``cap + 1`` matches only, None when there are more
    than ``cap``, and per department too. ``subset``, if given, makes a queryset of some of the
    matches, cheaper to count."""
    counts = {facet: {} for facet in GROUPED_FACETS}
    if cap is None:
        rows = list(queryset.order_by().values_list(*GROUPED_FACET_COLUMNS).annotate(n=Count("*")))
        _add_counts(counts, GROUPED_FACET_COLUMNS, rows)
        counts["total"] = sum(row[-1] for row in rows)
        return counts
    backend = backend_for(Measure)
    with backend.reading_matches(queryset, cap) as estimate:
        # More than ``cap`` expected: counting (a subset, if the engine expects it alone to pass
        # ``cap``) reads less than the grouped read; either way the figures are exact.
        if estimate is not None and estimate > cap:
            probe = subset() if subset else queryset
            if probe is not queryset and (backend.estimated_matches(probe) or 0) <= cap:
                probe = queryset
            if capped_count(probe, cap) > cap:
                return None
        total, per_grouping = capped_group_counts(queryset, SEARCH_FACET_GROUPINGS, cap)
    if total > cap:
        return None
    for columns, rows in zip(SEARCH_FACET_GROUPINGS[:-1], per_grouping[:-1]):
        _add_counts(counts, columns, rows)
    departments = counts["department"] = {}
    for keys, n in per_grouping[-1]:  # "3 7": a measure's departments
        for key in map(int, keys.split()):
            departments[key] = departments.get(key, 0) + n
    counts["total"] = total
    return counts


def _shortlist(values):
    if len(values) <= FACET_LIMIT:
        return values, 0
    # the largest (uncounted: the first in source order), the selected ones always
    largest = sorted(values, key=lambda v: (not v.selected, -(v.count or 0)))[:FACET_LIMIT]
    kept = {id(v) for v in largest}
    return [v for v in values if id(v) in kept], len(values) - len(largest)


def _department_counts(queryset):
    links = Measure.departments.through.objects.all()
    if queryset.query.where:  # with no filter and no search every link counts: no need to ask which
        links = links.filter(measure__in=queryset.order_by().values("pk"))
    return dict(links.values_list("department_id").annotate(n=Count("*")))


def _selected(data, name):
    values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
    return {v for v in values if v}


def facet_counts(data, queryset, matches=None):
    """For each facet, the count of each value with every *other* filter (and the search) applied.

    Counting each facet without its own filter is what lets a user see what another choice would
    give. Facets with no selection share one count over the current matches; each facet with a
    selection costs one more. Over FACET_COUNT_LIMIT matches of a search, a facet lists its
    values with ``count`` None (and ``Facet.counted`` False).

    ``matches``, where the caller has it, is what ``data`` itself selects from ``queryset``.
    Returns the facets and, where counting them counted those matches, their number (exact,
    except for a search over FACET_COUNT_LIMIT: then FACET_COUNT_LIMIT + 1), else None.
    """
    reads, counted = {}, {}  # per facet query: what to count; what was counted of it

    def counts_without(name):
        key = name if _selected(data, name) else None
        if key not in reads:
            others = data.copy()
            if key is not None:
                others.pop(key, None)
            # Filters alone are counted whatever their size; a search only up to the limit.
            cap = FACET_COUNT_LIMIT if (others.get("q") or "").strip() else None
            filterset = MeasureFilterSet(others, queryset=queryset)
            qs = matches if key is None and matches is not None else filterset.qs
            reads[key] = (qs, cap, lambda: narrowed_matches(filterset))
        qs, cap, subset = reads[key]
        computed = counted.setdefault(key, {})
        if name == "department" and cap is None:  # filters alone: the links, counted apart
            if "department" not in computed:
                computed["department"] = _department_counts(qs)
            return computed["department"]
        if "grouped" not in computed:
            computed["grouped"] = grouped_counts(qs, cap, subset)
        grouped = computed["grouped"]
        if name == "department":  # a search's capped read counted its departments too
            return None if grouped is None else grouped["department"]
        return grouped

    facets = []
    regions = list(Region.objects.select_related("programme"))
    statuses = {}  # document pk → status code, of the documents the document facet reads
    for name, label in FACETS.items():
        selected = _selected(data, name)
        counts = counts_without(name)
        unlisted = 0  # values not even read (below)
        # (key counted by, value in the URL, label, group) for every option
        if name == "department":
            departments = list(Department.objects.all())
            lineage = lineages(departments)
            if counts is not None:
                counts = _with_predecessors(counts, lineage)
            options = [(d.pk, d.slug, d.name, "") for d in departments]
        elif name == "region":
            if counts is not None:
                counts = {r.pk: counts["region_tasks"].get(r.pk, 0) + counts["programme"].get(r.programme_id, 0)
                          for r in regions}
            options = [(r.pk, r.slug, r.name, r.programme.name) for r in regions]
        elif name == "status":
            if counts is not None:
                counts = _status_counts(counts["document"], statuses)
            options = [(code, code, str(label), "") for code, label in Status.choices]
        else:
            counts = counts[name] if counts is not None else None
            if name == "scope":
                options = [(value, value, text, "") for value, text in Scope.choices]
            elif name == "document":
                documents = Document.objects.annotate(status_code=status_expression())

                def label_of(document):
                    statuses[document.pk] = document.status_code
                    return document.title

                options, unlisted = _named_options(documents, counts, selected, label_of)
            else:
                options, unlisted = _named_options(Category.objects.all(), counts, selected,
                                                   lambda c: f"{c.numeral}、{c.name}")
        if counts is None:
            values = [FacetValue(value, text, None, value in selected, group) for key, value, text, group in options]
        else:
            values = [
                FacetValue(value, text, counts.get(key, 0), value in selected, group)
                for key, value, text, group in options
                if counts.get(key, 0) or value in selected
            ]
        if name == "department":
            by_slug = {d.slug: d.pk for d in departments}
            for v in values:
                v.predecessors = tuple(p.name for p in lineage.get(by_slug[v.value], ()))
        values, not_listed = _shortlist(values)
        facets.append(Facet(name, label, values, not_listed + unlisted, multiple=name in ("department", "status"),
                            counted=counts is not None))
    # The matches of ``data`` itself were read where a grouped facet has no selection.
    own = counted.get(None, {})
    if "grouped" not in own:
        total = None
    else:
        total = FACET_COUNT_LIMIT + 1 if own["grouped"] is None else own["grouped"]["total"]
    return facets, total


def _with_predecessors(counts, lineage):
    """Counts per department, a successor's with its predecessors' added: choosing it finds their
    measures too (filters.DepartmentsField). Added rather than counted apart: a source names a body
    as it stood when it was issued, so no measure is guided by both a body and its successor."""
    added = dict(counts)
    for pk, bodies in lineage.items():
        added[pk] = counts.get(pk, 0) + sum(counts.get(body.pk, 0) for body in bodies)
    return added


def _status_counts(per_document, statuses):
    """Counts per status from counts per document. ``statuses`` has those of the documents the
    document facet listed: all of the counted ones unless they are more than it lists; the
    others are read."""
    missing = [pk for pk in per_document if pk not in statuses]
    if missing:
        documents = Document.objects.all()
        if len(missing) <= FACET_LIMIT * 40:
            documents = documents.filter(pk__in=missing)
        statuses = {**statuses, **documents.status_codes()}
    counts = {}
    for pk, n in per_document.items():
        code = statuses.get(pk)
        counts[code] = counts.get(code, 0) + n
    return counts


def _named_options(queryset, counts, selected, label):
    """A long facet's options (documents, categories: thousands in a large catalogue), reading
    only the rows it can show: the selected ones, and the counted values large enough to be
    listed, or, uncounted, the first FACET_LIMIT in source order. Returns the options and how
    many values were left unread."""
    if counts is not None:
        counted = {key: n for key, n in counts.items() if n}
        keys = list(counted)
        if len(keys) > FACET_LIMIT:  # the ones ``_shortlist`` can keep: the largest, ties included
            smallest_kept = sorted(counted.values(), reverse=True)[FACET_LIMIT - 1]
            keys = [key for key in keys if counted[key] >= smallest_kept]
        rows = list(queryset.filter(Q(pk__in=keys) | Q(slug__in=selected)))
        read = {row.pk for row in rows}
        return [(row.pk, row.slug, label(row), "") for row in rows], sum(1 for key in counted if key not in read)
    first = list(queryset.values_list("pk", flat=True)[:FACET_LIMIT])
    rows = list(queryset.filter(Q(pk__in=first) | Q(slug__in=selected)))
    unread = queryset.count() - len(rows) if len(first) == FACET_LIMIT else 0
    return [(row.pk, row.slug, label(row), "") for row in rows], unread


def catalogue_facet_counts(data, matches=None):
    """``facet_counts`` over the whole catalogue, remembered per filter and search until the
    catalogue next changes: paging through a broad search, or coming back to it, then costs the
    page alone.

    The key carries the index state's time stamp, which every write that can change a count
    moves (indexing a measure, deleting one, editing a document or a name), in whichever process
    made it; so no process serves counts older than the data. It carries today's date too: a
    document's status, which the counts depend on, changes at midnight by itself."""
    state = search.index_state()
    selection = {name: sorted(_selected(data, name)) for name in FACET_PARAMS}
    digest = hashlib.sha256(json.dumps(selection, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    key = f"facets:4:{today().isoformat()}:{state.built_at.timestamp() if state else 0}:{FACET_COUNT_LIMIT}:{digest}"
    counted = cache.get(key)
    if counted is None:
        counted = facet_counts(data, Measure.objects.all(), matches)
        cache.set(key, counted, FACET_CACHE_SECONDS)
    return counted
