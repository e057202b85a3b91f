"""PostgreSQL only: keep a measure's derived search columns out of the table's own pages.

A row carries its text, normalised text, tokens and vector: about 2.2 kB inline, three rows to
a page, so a search's facet counts (which read five short columns of every match) read 23,000
pages at 100,000 measures. With the tuple target at 256 bytes the search columns move to the
TOAST table, read only where a search needs them: the heap shrinks fourfold (264 → 68 MB) and
the facets of a broad search take about half the time. The title and text stay in the row
(storage MAIN): pages show them, and the benchmark's `icontains` reference reads them as a
typical app's table would hold them. lz4 (where the server has it) makes compressing cheap to
write and to read. Rows move as they are next written; `VACUUM FULL measures_measure` moves
them all at once (docs/OPERATIONS.md).
"""
from django.db import DatabaseError, migrations, transaction

TABLE = "measures_measure"
WIDE_COLUMNS = ("text", "search_plain", "search_tokens", "search_vector")
SHOWN_COLUMNS = ("title", "text")


def _layout(schema_editor, *, tuple_target, shown_storage, compression):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} {tuple_target}")
    columns = ", ".join(f"ALTER COLUMN {column} SET STORAGE {shown_storage}" for column in SHOWN_COLUMNS)
    schema_editor.execute(f"ALTER TABLE {TABLE} {columns}")
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            columns = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {compression}" for column in WIDE_COLUMNS)
            schema_editor.execute(f"ALTER TABLE {TABLE} {columns}")
    except DatabaseError:
        pass  # a server built without lz4: its default compression stays


def narrow(apps, schema_editor):
    _layout(schema_editor, tuple_target="SET (toast_tuple_target = 256)", shown_storage="MAIN", compression="lz4")


def widen(apps, schema_editor):
    _layout(schema_editor, tuple_target="RESET (toast_tuple_target)", shown_storage="EXTENDED", compression="default")


class Migration(migrations.Migration):
    dependencies = [("measures", "0004_measure_facets_index")]

    operations = [migrations.RunPython(narrow, widen)]
