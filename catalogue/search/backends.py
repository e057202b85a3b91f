"""One interface, one implementation per database vendor.

Both index the same thing: the space-joined tokens in a model's ``search_tokens`` column, kept in
step by the database itself (triggers created by the model's migrations, see
``catalogue.search.schema``), so every write path — ORM save, bulk update, raw SQL — keeps the
index true.
- PostgreSQL: a stored ``tsvector`` ('simple' config: our tokens are already normalised) with a
  GIN index, queried through ``django.contrib.postgres.search``.
- SQLite: an FTS5 external-content table over the same column.
Single characters, which no word holds, are found through the ideograph tokens every text also
carries (a character's token means "the character is somewhere in the text"); a run of them (杭甬)
must also be a substring of the normalised text (``search_plain``), checked on those candidates.
"""
import abc
import contextlib
import functools
import json
import operator
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery
from django.db import connections, transaction
from django.db.models import F, FloatField, Lookup, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Length, Replace, Substr
from django.db.models.lookups import Contains as ContainsLookup

from . import schema
from .query import All, Any, Contains, Word, all_of, any_of, is_pure_index, leaves
from .segment import tag
from .text import bigrams, ideographs, word_pieces


def _combine(children, op):
    return functools.reduce(op, children)


# What the index says of a string it cannot find by its tokens (every row may hold it), and of one
# whose tokens do not say it exactly (no row surely holds it).
EVERYTHING, NOTHING = object(), object()


@dataclass(frozen=True)
class _Without:
    """Index query: the rows ``base`` selects that ``minus`` does not."""
    base: object
    minus: object


class SearchBackend(abc.ABC):
    tokens_field = "search_tokens"
    plain_field = "search_plain"
    # How much of the plain text is the row's own text (the rest: names it is also found by).
    own_length_field = "own_length"

    def __init__(self, model, alias="default"):
        self.model = model
        self.alias = alias
        self.table = model._meta.db_table
        self.pk_column = model._meta.pk.column

    def contains(self, text, *, own=False):
        """A Q object: the plain text (or its own part) contains ``text``, checked in the row."""
        plain = F(self.plain_field)
        if own:
            plain = Substr(plain, 1, F(self.own_length_field))
        return Q(ContainsLookup(plain, text))

    @staticmethod
    def _pairs(node):
        """The index words every row whose text contains ``node.text`` carries (the pairs of
        adjacent characters of its runs, a lone ideograph), and whether having them says exactly
        that the searchable text contains it (one or two ideographs)."""
        pieces = word_pieces(node.text)
        tokens = [pair for piece in pieces for pair in bigrams(piece)]
        tokens += [piece for piece in pieces if len(piece) == 1 and ideographs(piece)]
        exact = bool(tokens) and not node.own and pieces == [node.text] and len(node.text) <= 2 and \
            all(ideographs(character) for character in node.text)
        return all_of([Word(token) for token in dict.fromkeys(tokens)]) if tokens else None, exact

    def _bounds(self, node):
        """Index-only trees for what ``node`` matches at most and at least (EVERYTHING, NOTHING
        where the index cannot say): a string is at most the rows with its pairs, and at least
        those, if the pairs say it exactly."""
        if isinstance(node, Word):
            return node, node
        if isinstance(node, Contains):
            pairs, exact = self._pairs(node)
            return (EVERYTHING, NOTHING) if pairs is None else (pairs, pairs if exact else NOTHING)
        bounds = [self._bounds(child) for child in node.children]
        uppers, lowers = [upper for upper, _ in bounds], [lower for _, lower in bounds]
        if isinstance(node, All):
            uppers = [upper for upper in uppers if upper is not EVERYTHING]
            return (all_of(uppers) if uppers else EVERYTHING,
                    NOTHING if NOTHING in lowers else all_of(lowers))
        lowers = [lower for lower in lowers if lower is not NOTHING]
        return (EVERYTHING if EVERYTHING in uppers else any_of(uppers),
                any_of(lowers) if lowers else NOTHING)

    def _checked(self, node):
        """``node`` as a Q object that reads each row's text where the index cannot decide."""
        if isinstance(node, Contains):
            pairs, exact = self._pairs(node)
            if pairs is None:
                return self.contains(node.text, own=node.own)
            return self.index_match(pairs) if exact else self.index_match(pairs) & self.contains(node.text, own=node.own)
        if is_pure_index(node):
            return self.index_match(node)
        op = operator.and_ if isinstance(node, All) else operator.or_
        return _combine([self._checked(child) for child in node.children], op)

    @staticmethod
    def _has_all(node, tokens):
        """Whether every row that carries all of ``tokens`` matches the index tree ``node``."""
        if isinstance(node, Word):
            return node.text in tokens
        if isinstance(node, All):
            return all(SearchBackend._has_all(child, tokens) for child in node.children)
        if isinstance(node, Any):
            return any(SearchBackend._has_all(child, tokens) for child in node.children)
        return False

    def _simplified(self, node):
        """``node`` without the strings that an alternative beside them already finds: a row
        with every pair of 知识产权 has 知识 and 产权, so the string adds nothing to its words."""
        if isinstance(node, (Word, Contains)):
            return node
        children = [self._simplified(child) for child in node.children]
        if isinstance(node, Any):
            words = [child for child in children if is_pure_index(child)]

            def implied(child):
                if not isinstance(child, Contains) or child.own:
                    return False
                pairs, _ = self._pairs(child)
                tokens = {leaf.text for leaf in leaves(pairs)} if pairs is not None else set()
                return bool(tokens) and any(self._has_all(word, tokens) for word in words)

            return any_of([child for child in children if not implied(child)])
        return all_of(children)

    def match(self, node):
        """A Q object selecting the rows that match the query tree ``node``.

        The index decides what it can in one condition: the rows that may match, less those that
        surely do. Only the rows between — those that have a string's pairs of characters but not
        its words — are read to see whether their text contains the string: for a word that jieba
        keeps whole, those are a handful, where reading every candidate would be every match."""
        node = self._simplified(node)
        if is_pure_index(node):
            return self.index_match(node)
        upper, lower = self._bounds(node)
        if upper is EVERYTHING:
            return self._checked(node)
        if upper == lower:
            return self.index_match(upper)
        between = upper if lower is NOTHING else _Without(upper, lower)
        # Read now, apart: usually none, and a subquery would change the plan of every query
        # that carries the search (the page, its count, the facets).
        with self.reading_few():
            failing = list(self.model._base_manager.using(self.alias).filter(self.index_match(between)).exclude(
                self._checked(node)).values_list("pk", flat=True))
        return self.index_match(upper) & ~self.by_keys_q(failing) if failing else self.index_match(upper)

    def tagged(self, name, keys):
        """A Q object selecting the rows whose index carries the tag ``name`` with any of ``keys``."""
        return self.index_match(any_of([Word(tag(name, key)) for key in keys]))

    def with_relevance(self, queryset, nodes):
        """``queryset`` annotated with ``relevance`` for the query trees ``nodes`` (higher is better),
        computed by the engine's own ranking in a single pass over the matches."""
        return queryset.annotate(relevance=Value(0.0, output_field=FloatField()))

    @contextlib.contextmanager
    def reading_matches(self, queryset, cap):
        """Around queries that read up to ``cap + 1`` rows of ``queryset`` (a search): plans them
        the cheapest way the engine allows. Gives the engine's estimate of the number of matches,
        or None where it has none."""
        yield None

    def estimated_matches(self, queryset):
        """The engine's estimate of how many rows ``queryset`` selects, or None where it has none."""
        return None

    @contextlib.contextmanager
    def reading_few(self):
        """Around a query expected to read few rows, whatever the planner thinks."""
        yield

    def by_keys_q(self, keys, field="pk"):
        """A Q object: ``field`` is among ``keys``."""
        return Q(**{f"{field}__in": list(keys)})

    def by_keys(self, queryset, keys, field="pk"):
        """``queryset``'s rows whose ``field`` is among ``keys`` (hundreds: a city's measures)."""
        return queryset.filter(self.by_keys_q(keys, field))

    @abc.abstractmethod
    def index_match(self, node):
        """A Q object for a tree whose leaves are all index words."""

    @abc.abstractmethod
    def schema_problems(self):
        """What the index needs (tables, triggers, indexes) and the database lacks, by name."""


class SQLiteBackend(SearchBackend):
    @property
    def fts(self):
        return schema.fts_table(self.table)

    def _fts_string(self, node):
        if isinstance(node, Word):
            return '"' + node.text.replace('"', '""') + '"'
        if isinstance(node, _Without):
            return f"({self._fts_string(node.base)} NOT {self._fts_string(node.minus)})"
        joiner = " AND " if isinstance(node, All) else " OR "
        return "(" + joiner.join(self._fts_string(child) for child in node.children) + ")"

    def index_match(self, node):
        sql = f'SELECT rowid FROM "{self.fts}" WHERE "{self.fts}" MATCH %s'
        return Q(pk__in=RawSQL(sql, [self._fts_string(node)]))

    def with_relevance(self, queryset, nodes):
        # bm25() needs its MATCH in the same query. Where the index alone selected the rows, join
        # the FTS table once on exactly that expression; otherwise a subquery per row ranked (at
        # most pagination.COUNT_CAP), rows matched verbatim without any of the words ranking 0.
        simplified = [self._simplified(node) for node in nodes]
        if simplified and all(is_pure_index(node) for node in simplified):
            return queryset.extra(
                select={"relevance": f'-bm25("{self.fts}")'},  # lower is better in bm25: negate
                tables=[self.fts],
                where=[f'"{self.fts}".rowid = "{self.table}"."{self.pk_column}"', f'"{self.fts}" MATCH %s'],
                params=[" AND ".join(self._fts_string(node) for node in simplified)],
            )
        words = sorted({leaf.text for node in nodes for leaf in leaves(node) if isinstance(leaf, Word)})
        if not words:
            return super().with_relevance(queryset, nodes)
        fts = self.fts
        rank = (f'COALESCE((SELECT -bm25("{fts}") FROM "{fts}" WHERE "{fts}" MATCH %s '  # lower is better: negate
                f'AND "{fts}".rowid = "{self.table}"."{self.pk_column}"), 0)')
        return queryset.annotate(relevance=RawSQL(rank, [self._fts_string(Any(tuple(Word(w) for w in words)))],
                                                  output_field=FloatField()))

    def schema_problems(self):
        with connections[self.alias].cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE %s", [f"{self.fts}%"])
            existing = {row[0] for row in cursor.fetchall()}
        return [name for name in schema.sqlite_names(self.table) if name not in existing]


class PostgresBackend(SearchBackend):
    vector_field = "search_vector"

    # Per-row costs of reading ``cap`` matches either way, in microseconds (docs/BENCHMARKS.md):
    # a sequential scan tests each row's vector; the GIN index's exact bitmap is built for every match.
    SCAN_TEST_US = 10.0
    BITMAP_MATCH_US = 0.2
    # Room for an exact bitmap of a large table's matching pages, and a second one for a filter.
    BITMAP_WORK_MEM = "32MB"
    # The planner cost of a text match that the migration declares (measures.0009, docs/OPERATIONS.md).
    MATCH_COST = schema.PG_MATCH_COST
    MATCH_FUNCTION = schema.PG_MATCH_FUNCTION

    def _tsquery(self, node):
        if isinstance(node, Word):
            return SearchQuery(node.text, config="simple", search_type="plain")
        if isinstance(node, _Without):
            return self._tsquery(node.base) & self._tsquery_not(node.minus)
        op = operator.and_ if isinstance(node, All) else operator.or_
        return _combine([self._tsquery(child) for child in node.children], op)

    def _tsquery_not(self, node):
        # Django negates a single SearchQuery, not a combined one: the negation goes to the leaves.
        if isinstance(node, Word):
            return ~self._tsquery(node)
        op = operator.or_ if isinstance(node, All) else operator.and_
        return _combine([self._tsquery_not(child) for child in node.children], op)

    def index_match(self, node):
        return Q(**{self.vector_field: self._tsquery(node)})

    def with_relevance(self, queryset, nodes):
        # How often the query's words and strings occur in the text (the vectors keep no
        # positions, so ts_rank could not count them); for the rows ranked, which a phrase match
        # reads anyway.
        needles = sorted({leaf.text for node in nodes for leaf in leaves(node)})
        if not needles:
            return super().with_relevance(queryset, nodes)
        plain = F(self.plain_field)
        occurrences = [(Length(plain) - Length(Replace(plain, Value(needle), Value("")))) / len(needle)
                       for needle in needles]
        return queryset.annotate(relevance=Cast(_combine(occurrences, operator.add), FloatField()))

    def estimated_matches(self, queryset):
        return json.loads(queryset.order_by().explain(format="json"))[0]["Plan"]["Plan Rows"]

    @contextlib.contextmanager
    def reading_few(self):
        # Starting parallel workers costs more than such a read (the planner misjudges its size).
        with transaction.atomic(using=self.alias):
            with connections[self.alias].cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            yield
            transaction.set_rollback(True, using=self.alias)

    def by_keys_q(self, keys, field="pk"):
        # One array parameter, not a placeholder per key: hundreds of them cost more than the query.
        keys = [key for key in dict.fromkeys(keys) if key is not None]
        return Q(_AmongKeys(F(field), keys)) if keys else Q(pk__in=[])

    def by_keys(self, queryset, keys, field="pk"):
        keys = [key for key in dict.fromkeys(keys) if key is not None]
        return queryset.filter(self.by_keys_q(keys, field)) if keys else queryset.none()

    @contextlib.contextmanager
    def reading_matches(self, queryset, cap):
        # The planner takes a text match to be cheap and prefers a sequential scan for thousands
        # of matches: estimate both ways and, where the bitmap is cheaper, plan without
        # sequential scans (the settings end with the savepoint).
        estimate = self.estimated_matches(queryset)
        matches = max(estimate, 1)
        with connections[self.alias].cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [self.table])
            rows = max(cursor.fetchone()[0], matches)
        bitmap = cap * rows / matches * self.SCAN_TEST_US >= matches * self.BITMAP_MATCH_US
        with transaction.atomic(using=self.alias):
            with connections[self.alias].cursor() as cursor:
                # Starting parallel workers costs more than they save on a read of ``cap`` rows.
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                if bitmap:
                    cursor.execute("SET LOCAL enable_seqscan = off")
                    # Past work_mem the bitmap degrades to whole pages, whose rows are tested again.
                    cursor.execute(f"SET LOCAL work_mem = '{self.BITMAP_WORK_MEM}'")
            yield estimate
            transaction.set_rollback(True, using=self.alias)

    def match_cost(self):
        with connections[self.alias].cursor() as cursor:
            cursor.execute("SELECT procost FROM pg_proc WHERE oid = %s::regprocedure", [self.MATCH_FUNCTION])
            return cursor.fetchone()[0]

    def schema_problems(self):
        index, trigger = schema.postgresql_names(self.table)
        with connections[self.alias].cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [index])
            problems = [] if cursor.fetchone() else [index]
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [trigger])
            return problems + ([] if cursor.fetchone() else [trigger])


class _AmongKeys(Lookup):
    """``key = ANY(%s::bigint[])``: keys as one array parameter (PostgreSQL)."""

    lookup_name = "among_keys"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*params, self.rhs)


BACKENDS = {"sqlite": SQLiteBackend, "postgresql": PostgresBackend}


def backend_for(model, alias="default"):
    vendor = connections[alias].vendor
    try:
        return BACKENDS[vendor](model, alias)
    except KeyError:
        raise RuntimeError(f"no search backend for database vendor {vendor!r}") from None
