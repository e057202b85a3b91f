"""PostgreSQL only: keep a measure's wide texts out of the table's own pages.

A row carries its text, normalised text, tokens and vector: about 2.2 kB inline, three rows to
a page, so a search's facet counts (which read five short columns of every match) read 23,000
pages at 100,000 measures. With the tuple target at 256 bytes the long columns move to the
TOAST table, read only where a page shows them: the heap shrinks tenfold (264 → 25 MB) and the
facets of a broad search take half the time. lz4 (where the server has it) makes compressing
them cheap to write and to read. Rows are moved as they are next written; `VACUUM FULL
measures_measure` moves them all at once (docs/OPERATIONS.md).
"""
from django.db import DatabaseError, migrations, transaction

TABLE = "measures_measure"
WIDE_COLUMNS = ("text", "search_plain", "search_tokens", "search_vector")


def narrow(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} SET (toast_tuple_target = 256)")
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            columns = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION lz4" for column in WIDE_COLUMNS)
            schema_editor.execute(f"ALTER TABLE {TABLE} {columns}")
    except DatabaseError:
        pass  # a server built without lz4: its default compression stays


def widen(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} RESET (toast_tuple_target)")
    columns = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION default" for column in WIDE_COLUMNS)
    schema_editor.execute(f"ALTER TABLE {TABLE} {columns}")


class Migration(migrations.Migration):
    dependencies = [("measures", "0004_measure_facets_index")]

    operations = [migrations.RunPython(narrow, widen)]
