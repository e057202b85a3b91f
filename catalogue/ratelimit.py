"""Rate limits on the paths that cost the most to serve anonymously (an export of every measure,
a misspelt place name matched against the gazetteer): a client — by the address
``catalogue.clientip`` gives, so behind a proxy it is the client, not the proxy — may ask for each
at most ``RATE_LIMITS[scope]`` = (requests, seconds) times per window; beyond it the answer is a
429 in the reader's language with ``Retry-After``. Staff are not limited.

Counts are kept in the default cache: per process with the local-memory cache, shared by every
server with a shared one (Redis, docs/OPERATIONS.md).
"""
import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _

from .clientip import client_ip
from .jsonapi import json_response


def retry_after(request, scope):
    """``None`` if the client may go on; otherwise the seconds until its window ends. Counts
    this request."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return None
    requests, seconds = settings.RATE_LIMITS[scope]
    window = int(time.time() // seconds)
    client = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{client}:{window}"
    cache.add(key, 0, timeout=seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count afresh
        cache.set(key, 1, timeout=seconds + 1)
        count = 1
    if count <= requests:
        return None
    return max(1, int((window + 1) * seconds - time.time()))


def too_many_requests(request, wait):
    message = _("请求过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": wait}
    if request.path.startswith("/api/"):
        response = json_response({"error": message}, status=429)
    else:
        response = render(request, "error.html", {"status": 429, "message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limited(scope):
    """A view limited to ``RATE_LIMITS[scope]`` per client."""

    def decorator(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            wait = retry_after(request, scope)
            if wait is not None:
                return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return limited

    return decorator
