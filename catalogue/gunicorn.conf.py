"""gunicorn settings: `gunicorn -c catalogue/gunicorn.conf.py catalogue.wsgi`.

The app is imported once in the master (preload), so jieba's dictionary (about a second to load,
tens of MB) is read before the workers fork and shared copy-on-write.
"""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG")  # unset: no access log
errorlog = "-"


def post_worker_init(worker):
    """A sync worker serves its requests in its main thread: there every wait for the database
    ends by DB_CLIENT_TIMEOUT, and a database that hangs is a 503, not a frozen worker. (With
    GUNICORN_THREADS above 1, requests run in other threads, which no deadline reaches.)"""
    from catalogue import liveness
    from catalogue.db import bound_database_waits

    bound_database_waits()
    # Long streamed responses (exports) tell the master the worker is alive while they advance.
    liveness.register(worker.notify)
