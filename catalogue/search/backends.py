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

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections, transaction
from django.db.models import F, FloatField, Lookup, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.db.models.lookups import Contains as ContainsLookup

from . import schema
from .query import All, Any, Contains, Word, all_of, any_of, is_pure_index, leaves
from .segment import tag
from .text import bigrams, ideographs, word_pieces


def _combine(children, op):
    return functools.reduce(op, children)


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

    def verbatim(self, node):
        """The rows whose plain text contains ``node.text``. The index finds the candidates, the
        rows that carry every pair of adjacent characters of it (or its character); where the
        index's tokens say it exactly (one or two ideographs, in the text anywhere) no row is read."""
        pieces = word_pieces(node.text)
        tokens = [pair for piece in pieces for pair in bigrams(piece)]
        tokens += [piece for piece in pieces if len(piece) == 1 and ideographs(piece)]
        if not tokens:
            return self.contains(node.text, own=node.own)
        candidates = self.index_match(all_of([Word(token) for token in dict.fromkeys(tokens)]))
        exact = not node.own and pieces == [node.text] and len(node.text) <= 2 and \
            all(ideographs(character) for character in node.text)
        return candidates if exact else candidates & self.contains(node.text, own=node.own)

    def match(self, node):
        """A Q object selecting the rows that match the query tree ``node``."""
        if isinstance(node, Contains):
            return self.verbatim(node)
        if is_pure_index(node):
            return self.index_match(node)
        op = operator.and_ if isinstance(node, All) else operator.or_
        return _combine([self.match(child) for child in node.children], op)

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

    def by_keys(self, queryset, keys, field="pk"):
        """``queryset``'s rows whose ``field`` is among ``keys`` (hundreds: a city's measures)."""
        return queryset.filter(**{f"{field}__in": list(keys)})

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
        joiner = " AND " if isinstance(node, All) else " OR "
        return "(" + joiner.join(self._fts_string(child) for child in node.children) + ")"

    def index_match(self, node):
        sql = f'SELECT rowid FROM "{self.fts}" WHERE "{self.fts}" MATCH %s'
        return Q(pk__in=RawSQL(sql, [self._fts_string(node)]))

    def with_relevance(self, queryset, nodes):
        # bm25() needs its MATCH in the same query: a subquery per row, for the rows ranked (at
        # most pagination.COUNT_CAP); FTS5 finds one row's entries by its rowid. Rows matched
        # verbatim without any of the words rank 0.
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
        op = operator.and_ if isinstance(node, All) else operator.or_
        return _combine([self._tsquery(child) for child in node.children], op)

    def index_match(self, node):
        return Q(**{self.vector_field: self._tsquery(node)})

    def with_relevance(self, queryset, nodes):
        words = sorted({leaf.text for node in nodes for leaf in leaves(node) if isinstance(leaf, Word)})
        if not words:
            return super().with_relevance(queryset, nodes)
        query = self._tsquery(Any(tuple(Word(w) for w in words)) if len(words) > 1 else Word(words[0]))
        return queryset.annotate(relevance=SearchRank(F(self.vector_field), query))

    def estimated_matches(self, queryset):
        return json.loads(queryset.order_by().explain(format="json"))[0]["Plan"]["Plan Rows"]

    def by_keys(self, queryset, keys, field="pk"):
        # One array parameter, not a placeholder per key: hundreds of them cost more than the query.
        keys = [key for key in dict.fromkeys(keys) if key is not None]
        return queryset.filter(_AmongKeys(F(field), keys)) if keys else queryset.none()

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
