"""Django's PostgreSQL backend (psycopg 3), whose waits for the server end by a deadline where
the process asks for one: the app servers' workers (catalogue.db.bound_database_waits)."""
import psycopg
from django.db.backends.postgresql import base

from catalogue.db import DatabaseTimeout, database_deadline


class BoundedConnection(psycopg.Connection):
    """psycopg's connection, whose every wait for the server ends by the deadline: queries,
    fetches, commits and rollbacks, the health check's ``SELECT 1`` all go through ``wait()``.

    A connection that times out is closed at once: whatever it was doing is lost, and closing
    only puts a Terminate message into the socket's buffer, waiting for nothing. What comes next
    (the end of the request, the next request's health check) then finds it closed without asking
    the server, and Django opens a new one."""

    def wait(self, *args, **kwargs):
        try:
            with database_deadline():
                return super().wait(*args, **kwargs)
        except DatabaseTimeout:
            self.close()
            raise


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        # psycopg's own connect_timeout cannot be under 2 s.
        with database_deadline():
            connection = super().get_new_connection(conn_params)
        # The connection psycopg made, with its waits bounded (the subclass adds no state).
        connection.__class__ = BoundedConnection
        return connection

    def close_if_unusable_or_obsolete(self):
        # At the end of a request, a connection whose health check times out is dropped, like one
        # whose check fails: the response is on its way, there is nobody to tell.
        try:
            super().close_if_unusable_or_obsolete()
        except DatabaseTimeout:
            self.close()
