"""The database objects a searchable table needs, per vendor, and the migration operation that
creates them. A model's migration runs ``SearchIndexSQL`` for each vendor; the backends check the
same names (``schema_problems``). Changing the SQL here changes what those migrations would run:
write a new migration that drops and recreates instead.

On SQLite, a migration that rebuilds the searchable table (most ALTERs do: copy, drop, rename)
drops its triggers with it: such a migration must end with the SQLite operation again.
``tests/test_search.py`` checks the schema after a fresh ``migrate``.
"""
from django.db import migrations

TOKENS = "search_tokens"
VECTOR = "search_vector"
PG_MATCH_FUNCTION = "ts_match_vq(tsvector, tsquery)"
PG_MATCH_COST = 100
PG_DEFAULT_MATCH_COST = 1


def fts_table(table):
    return f"{table}_fts"


def _sqlite_triggers(table, pk="id"):
    f, col = fts_table(table), TOKENS
    return {
        f"{f}_ai": f'AFTER INSERT ON "{table}" BEGIN INSERT INTO "{f}"(rowid, {col}) VALUES (new."{pk}", new.{col}); END',
        f"{f}_ad": f'AFTER DELETE ON "{table}" BEGIN INSERT INTO "{f}"("{f}", rowid, {col}) '
                   f"VALUES ('delete', old.\"{pk}\", old.{col}); END",
        f"{f}_au": f'AFTER UPDATE OF {col} ON "{table}" BEGIN '
                   f"INSERT INTO \"{f}\"(\"{f}\", rowid, {col}) VALUES ('delete', old.\"{pk}\", old.{col}); "
                   f'INSERT INTO "{f}"(rowid, {col}) VALUES (new."{pk}", new.{col}); END',
    }


def sqlite_names(table):
    return [fts_table(table), *_sqlite_triggers(table)]


def sqlite_sql(table, pk="id"):
    """An FTS5 external-content table over ``search_tokens``, triggers that keep it in step, and
    the rows already in the table indexed. Forward and reverse statements."""
    f = fts_table(table)
    forward = [
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "{f}" USING fts5({TOKENS}, content=\'{table}\', '
        f"content_rowid='{pk}', tokenize='unicode61 remove_diacritics 0')",
        *(f'CREATE TRIGGER IF NOT EXISTS "{name}" {body}' for name, body in _sqlite_triggers(table, pk).items()),
        f"INSERT INTO \"{f}\"(\"{f}\") VALUES ('rebuild')",
    ]
    reverse = [*(f'DROP TRIGGER IF EXISTS "{name}"' for name in _sqlite_triggers(table, pk)),
               f'DROP TABLE IF EXISTS "{f}"']
    return forward, reverse


def postgresql_names(table):
    return f"{table}_search_vector_gin", f"{table}_search_vector_update"


def postgresql_sql(table):
    """A GIN index over the stored ``search_vector``, a trigger that derives the vector from
    ``search_tokens`` on every write, and the vectors of rows written before it."""
    index, trigger = postgresql_names(table)
    forward = [
        f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ({VECTOR})',
        f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"',
        f'CREATE TRIGGER "{trigger}" BEFORE INSERT OR UPDATE OF {TOKENS} ON "{table}" FOR EACH ROW '
        f"EXECUTE FUNCTION tsvector_update_trigger({VECTOR}, 'pg_catalog.simple', {TOKENS})",
        f"UPDATE \"{table}\" SET {VECTOR} = to_tsvector('simple', {TOKENS}) WHERE {VECTOR} IS NULL AND {TOKENS} <> ''",
    ]
    reverse = [f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"', f'DROP INDEX IF EXISTS "{index}"']
    return forward, reverse


def postgresql_stripped_sql(table):
    """The trigger again, deriving vectors without positions (``strip``): no query reads them
    (phrases are checked in the text), and a search tests the vector of every row it reads: the
    smaller it is, the less there is to read. Rows keep their vector until they are next indexed
    (``manage.py reindex``)."""
    _index, trigger = postgresql_names(table)
    function = f"{table}_search_vector"
    forward = [
        f"CREATE OR REPLACE FUNCTION \"{function}\"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"NEW.{VECTOR} := strip(to_tsvector('pg_catalog.simple', coalesce(NEW.{TOKENS}, ''))); RETURN NEW; END $$",
        f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"',
        f'CREATE TRIGGER "{trigger}" BEFORE INSERT OR UPDATE OF {TOKENS} ON "{table}" FOR EACH ROW '
        f'EXECUTE FUNCTION "{function}"()',
    ]
    reverse = [
        f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"',
        f'CREATE TRIGGER "{trigger}" BEFORE INSERT OR UPDATE OF {TOKENS} ON "{table}" FOR EACH ROW '
        f"EXECUTE FUNCTION tsvector_update_trigger({VECTOR}, 'pg_catalog.simple', {TOKENS})",
        f'DROP FUNCTION IF EXISTS "{function}"()',
    ]
    return forward, reverse


class VendorRunSQL(migrations.RunSQL):
    """``RunSQL`` that runs on one database vendor only, and is a no-op on the others."""

    def __init__(self, vendor, sql, reverse_sql=None, **kwargs):
        self.vendor = vendor
        super().__init__(sql, reverse_sql, **kwargs)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, args, {"vendor": self.vendor, **kwargs}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Raw SQL on {self.vendor}"


def search_index_operations(table):
    """The operations that give ``table`` its full-text index, on either vendor."""
    operations = []
    for vendor, build in (("sqlite", sqlite_sql), ("postgresql", postgresql_sql)):
        forward, reverse = build(table)
        operations.append(VendorRunSQL(vendor, forward, reverse))
    return operations
