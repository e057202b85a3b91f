from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def without_statement_timeout(using=DEFAULT_DB_ALIAS):
    """Lift, for this connection while the block runs, the request-sized statement timeout the
    settings give every PostgreSQL connection (``DB_STATEMENT_TIMEOUT_MS``): a maintenance
    command's statements (a reindex's batch, a bulk load, VACUUM) may take longer without
    anything being wrong. Restored afterwards."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        previous = cursor.fetchone()[0]
        cursor.execute("SET statement_timeout = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [previous])
