"""What the catalogue asks of its database connections beyond Django's: maintenance work without
the request-sized statement timeout, and, in the app servers' workers, a deadline on every wait
for the server."""
import signal
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections


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


class DatabaseTimeout(OperationalError):
    """The database did not answer within ``DATABASE_CLIENT_TIMEOUT`` (a query, a commit, the
    health check, a connection attempt): it hangs, behind a network partition or stopped. An
    OperationalError, so that the request answers 503 as for a database that refuses."""


# Whether this process bounds its waits (bound_database_waits), and whether one is bounded now.
_waits_bounded = False
_armed = False


def bound_database_waits():
    """From now on, every wait for the database in this process's main thread ends with
    DatabaseTimeout after ``settings.DATABASE_CLIENT_TIMEOUT`` seconds (0: never).

    For the app servers' workers (catalogue/gunicorn.conf.py): a sync worker serves requests one
    at a time in its main thread, the only thread a signal reaches, so a database that hangs would
    hold it, and every request queued behind it, until gunicorn kills it. A request answers 503
    instead, within the deadline. Nothing else calls this: the task worker, the management
    commands (a reindex, a bulk load) and the test suite wait as long as their statements take."""
    global _waits_bounded
    signal.signal(signal.SIGALRM, _expired)
    _waits_bounded = True


def _expired(signum, frame):
    global _armed
    if not _armed:
        return  # the wait ended as the timer did
    # Cleared here as well as by the block it interrupts: the exception may be raised in that
    # block's own clean-up, before the clean-up has cleared it.
    _armed = False
    raise DatabaseTimeout(f"the database did not answer within {settings.DATABASE_CLIENT_TIMEOUT:g} s")


@contextmanager
def database_deadline():
    """Bounds the wait for the database in the block (see bound_database_waits): SIGALRM raises
    DatabaseTimeout in it when the deadline passes. psycopg waits in slices of 0.1 s and checks
    for signals between them, so the exception arrives within 0.1 s of the deadline. Does nothing
    in a process that does not bound its waits, outside the main thread, or inside a block
    already bounded (the outer deadline holds)."""
    global _armed
    seconds = settings.DATABASE_CLIENT_TIMEOUT
    if (not _waits_bounded or _armed or not seconds
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    _armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
