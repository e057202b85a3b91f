"""Saving many new rows at once, for bulk loads.

``insert`` does what ``QuerySet.bulk_create`` does (one round of writes, primary keys set on the
instances, no signals), but on PostgreSQL through COPY: ``bulk_create`` sends one INSERT whose
thousands of rows are literals in the statement's text, which PostgreSQL then parses. Other
databases take ``bulk_create``.
"""
from django.db import connections, router


def insert(objs):
    """Save the unsaved model instances ``objs`` (all of one model); returns them, pks set."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model.objects.using(alias).bulk_create(objs)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [meta.pk, *fields])
    with connection.cursor() as cursor:
        # Keys from the table's own sequence, as an INSERT would take them.
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(objs)])
        pks = [row[0] for row in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for pk, obj in zip(pks, objs):
                copy.write_row([pk, *(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)])
    for pk, obj in zip(pks, objs):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
    return objs
