"""Telling the app server that a long response is still making progress.

gunicorn's master kills a worker that has not told it it is alive for ``GUNICORN_TIMEOUT``
seconds, and a sync worker tells it only between requests: a response streamed for minutes (an
export of 100,000 measures in a converted script) would be killed mid-file. Code producing such
a response calls ``progressed()`` as it goes; the worker then lives as long as the response
advances, and is still killed if it hangs (a query, or a client that stops reading). The worker's
``notify`` is handed over by catalogue/gunicorn.conf.py; elsewhere (tests, runserver) nothing is
told.
"""
import time

# At most this often: notifying touches a file, and a row is written every few microseconds.
INTERVAL_SECONDS = 1.0

_notify = None
_last = 0.0


def register(notify):
    """The running worker's way of telling its master it is alive."""
    global _notify
    _notify = notify


def progressed():
    global _last
    if _notify is None:
        return
    now = time.monotonic()
    if now - _last >= INTERVAL_SECONDS:
        _notify()
        _last = now
