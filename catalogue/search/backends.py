"""One interface, one implementation per database vendor.

Both index the same thing: the space-joined tokens in a model's ``search_tokens`` column, kept in
step by the database itself (triggers), so every write path — ORM save, bulk update, raw SQL —
keeps the index true.
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
import logging
import operator

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import DatabaseError, connections, transaction
from django.db.models import F, FloatField, Q, Value
from django.db.models.expressions import RawSQL

from .query import All, Any, Contains, Word, all_of, any_of, is_pure_index, leaves
from .segment import tag
from .text import ideographs

logger = logging.getLogger(__name__)


def _combine(children, op):
    return functools.reduce(op, children)


class SearchBackend(abc.ABC):
    tokens_field = "search_tokens"
    plain_field = "search_plain"

    def __init__(self, model, alias="default"):
        self.model = model
        self.alias = alias
        self.table = model._meta.db_table
        self.pk_column = model._meta.pk.column

    def match(self, node):
        """A Q object selecting the rows that match the query tree ``node``."""
        if isinstance(node, Contains):
            substring = Q(**{f"{self.plain_field}__contains": node.text})
            chars = ideographs(node.text)
            if not chars:
                return substring
            candidates = self.index_match(all_of([Word(c) for c in chars]))
            return candidates if node.text == chars[0] else candidates & substring
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

    def estimated_matches(self, queryset):
        """The engine's estimate of how many rows ``queryset`` selects, or None where it has none."""
        return None

    @contextlib.contextmanager
    def reading_matches(self, queryset, cap):
        """Around queries that read up to ``cap + 1`` rows of ``queryset`` (a search): plans them
        the cheapest way the engine allows. Gives the engine's estimate of the number of
        matches, or None where it has none."""
        yield None

    @abc.abstractmethod
    def index_match(self, node):
        """A Q object for a tree whose leaves are all index words."""

    @abc.abstractmethod
    def ensure_schema(self):
        """Create what the index needs (tables, triggers, indexes) if missing; True if it did."""

    def schema_problems(self):
        return []


class SQLiteBackend(SearchBackend):
    @property
    def fts(self):
        return f"{self.table}_fts"

    def _fts_string(self, node):
        if isinstance(node, Word):
            return '"' + node.text.replace('"', '""') + '"'
        joiner = " AND " if isinstance(node, All) else " OR "
        return "(" + joiner.join(self._fts_string(child) for child in node.children) + ")"

    def index_match(self, node):
        sql = f'SELECT rowid FROM "{self.fts}" WHERE "{self.fts}" MATCH %s'
        return Q(pk__in=RawSQL(sql, [self._fts_string(node)]))

    def with_relevance(self, queryset, nodes):
        # bm25() needs its MATCH in the same query: join the FTS table once, on exactly the
        # expression the rows were selected by (a per-row subquery would rerun the MATCH per row).
        # Terms that match by substring only (single characters) have no bm25: no ranking then.
        if not nodes or not all(is_pure_index(node) for node in nodes):
            return super().with_relevance(queryset, nodes)
        match = " AND ".join(self._fts_string(node) for node in nodes)
        return queryset.extra(
            select={"relevance": f'-bm25("{self.fts}")'},  # lower is better in bm25: negate
            tables=[self.fts],
            where=[f'"{self.fts}".rowid = "{self.table}"."{self.pk_column}"', f'"{self.fts}" MATCH %s'],
            params=[match],
        )

    def _triggers(self):
        t, f, pk, col = self.table, self.fts, self.pk_column, self.tokens_field
        return {
            f"{f}_ai": f'AFTER INSERT ON "{t}" BEGIN INSERT INTO "{f}"(rowid, {col}) VALUES (new."{pk}", new.{col}); END',
            f"{f}_ad": f'AFTER DELETE ON "{t}" BEGIN INSERT INTO "{f}"("{f}", rowid, {col}) '
                       f'VALUES (\'delete\', old."{pk}", old.{col}); END',
            f"{f}_au": f'AFTER UPDATE OF {col} ON "{t}" BEGIN '
                       f'INSERT INTO "{f}"("{f}", rowid, {col}) VALUES (\'delete\', old."{pk}", old.{col}); '
                       f'INSERT INTO "{f}"(rowid, {col}) VALUES (new."{pk}", new.{col}); END',
        }

    def _existing(self, cursor):
        cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE %s", [f"{self.fts}%"])
        return {row[0] for row in cursor.fetchall()}

    def ensure_schema(self):
        """Create the FTS table and its triggers if missing (a table rebuild by a migration drops
        triggers); rebuild the index from the column when anything had to be recreated."""
        with connections[self.alias].cursor() as cursor:
            existing = self._existing(cursor)
            missing = [name for name in [self.fts, *self._triggers()] if name not in existing]
            if not missing:
                return False
            cursor.execute(
                f'CREATE VIRTUAL TABLE IF NOT EXISTS "{self.fts}" USING fts5({self.tokens_field}, '
                f"content='{self.table}', content_rowid='{self.pk_column}', "
                f"tokenize='unicode61 remove_diacritics 0')"
            )
            for name, body in self._triggers().items():
                cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" {body}')
            cursor.execute(f'INSERT INTO "{self.fts}"("{self.fts}") VALUES (\'rebuild\')')
            return True

    def schema_problems(self):
        with connections[self.alias].cursor() as cursor:
            existing = self._existing(cursor)
        return [name for name in [self.fts, *self._triggers()] if name not in existing]


class PostgresBackend(SearchBackend):
    vector_field = "search_vector"

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

    # What counting ``cap`` matches costs either way, per row, measured on these machines (see
    # docs/BENCHMARKS.md): a sequential scan tests each row's vector, read back from TOAST
    # (migration measures.0005), ≈ 10 µs, until it has found ``cap``; the GIN index's exact
    # bitmap costs ≈ 0.2 µs per match, for every match, before the first is counted.
    SCAN_TEST_US = 10.0
    BITMAP_MATCH_US = 0.2
    # An exact bitmap takes some 60 bytes per table page with matches: 1,000,000 measures lie on
    # about 70,000 pages, and a search with a filter holds two bitmaps before combining them.
    BITMAP_WORK_MEM = "32MB"

    def estimated_matches(self, queryset):
        return json.loads(queryset.order_by().explain(format="json"))[0]["Plan"]["Plan Rows"]

    @contextlib.contextmanager
    def reading_matches(self, queryset, cap):
        # The planner takes the test to be cheap and prefers the scan for thousands of matches:
        # 115 ms to count 10,001 of a word in most of 100,000 measures, against 27 ms by the
        # bitmap. Only for a word in most of a far larger table does the scan win (1,000,000
        # measures: 100 ms against 180). So: estimate both, and where the bitmap is cheaper, plan
        # the read without sequential scans (settings are undone with their savepoint).
        estimate = self.estimated_matches(queryset)
        matches = max(estimate, 1)
        with connections[self.alias].cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [self.table])
            rows = max(cursor.fetchone()[0], matches)
        bitmap = cap * rows / matches * self.SCAN_TEST_US >= matches * self.BITMAP_MATCH_US
        with transaction.atomic(using=self.alias):
            with connections[self.alias].cursor() as cursor:
                # Nor parallel workers for a read of at most ``cap`` rows: starting them costs
                # more than they save (the facets of a search in 100,000 measures: 28 ms with two
                # workers, 17 without).
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                if bitmap:
                    cursor.execute("SET LOCAL enable_seqscan = off")
                    # And room for the bitmap to stay exact: past work_mem it degrades to whole
                    # pages, whose rows are then tested one by one, each vector read back from
                    # TOAST (a word and a scope at 1,000,000 measures: 285 ms with the default
                    # 4 MB, 67 ms with this).
                    cursor.execute(f"SET LOCAL work_mem = '{self.BITMAP_WORK_MEM}'")
            yield estimate
            transaction.set_rollback(True, using=self.alias)

    @property
    def _names(self):
        return f"{self.table}_search_vector_gin", f"{self.table}_search_vector_update"

    def ensure_schema(self):
        index, trigger = self._names
        with connections[self.alias].cursor() as cursor:
            problems = self.schema_problems()
            cursor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{self.table}" USING gin ({self.vector_field})')
            cursor.execute(f'DROP TRIGGER IF EXISTS "{trigger}" ON "{self.table}"')
            cursor.execute(
                f'CREATE TRIGGER "{trigger}" BEFORE INSERT OR UPDATE OF {self.tokens_field} ON "{self.table}" '
                f"FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger({self.vector_field}, 'pg_catalog.simple', "
                f"{self.tokens_field})"
            )
            cursor.execute(
                f'UPDATE "{self.table}" SET {self.vector_field} = to_tsvector(\'simple\', {self.tokens_field}) '
                f"WHERE {self.vector_field} IS NULL AND {self.tokens_field} <> ''"
            )
        self.declare_match_cost()
        return bool(problems)

    # What evaluating `tsvector @@ tsquery` on one row costs, in the planner's units. PostgreSQL
    # ships it at 1 (a cheap operator), so for a frequent word it prefers reading every row and
    # evaluating the match on each compressed vector over the GIN index's exact bitmap: 540 ms
    # against 130 ms for the facets of a word in most of 100,000 measures. Only the function's
    # owner (a superuser) may change it; without that right the catalogue still works, slower.
    MATCH_COST = 100
    MATCH_FUNCTION = "ts_match_vq(tsvector, tsquery)"

    def match_cost(self):
        with connections[self.alias].cursor() as cursor:
            cursor.execute("SELECT procost FROM pg_proc WHERE oid = %s::regprocedure", [self.MATCH_FUNCTION])
            return cursor.fetchone()[0]

    def declare_match_cost(self):
        if self.match_cost() >= self.MATCH_COST:
            return True
        try:
            with transaction.atomic(using=self.alias), connections[self.alias].cursor() as cursor:
                cursor.execute(f"ALTER FUNCTION {self.MATCH_FUNCTION} COST {self.MATCH_COST}")
            return True
        except DatabaseError as exc:
            logger.warning(
                "could not declare the cost of %s (%s): as a superuser, run `ALTER FUNCTION %s COST %d;` "
                "in this database; until then broad searches are slower", self.MATCH_FUNCTION, exc,
                self.MATCH_FUNCTION, self.MATCH_COST,
            )
            return False

    def schema_problems(self):
        index, trigger = self._names
        with connections[self.alias].cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [index])
            problems = [] if cursor.fetchone() else [index]
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [trigger])
            return problems + ([] if cursor.fetchone() else [trigger])


BACKENDS = {"sqlite": SQLiteBackend, "postgresql": PostgresBackend}


def backend_for(model, alias="default"):
    vendor = connections[alias].vendor
    try:
        return BACKENDS[vendor](model, alias)
    except KeyError:
        raise RuntimeError(f"no search backend for database vendor {vendor!r}") from None
