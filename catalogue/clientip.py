"""The address a request comes from, for lockouts and rate limits.

Behind a reverse proxy every request arrives from the proxy's address; the client's is in
``X-Forwarded-For``, which anyone can also send. So the header is believed only as far as it was
written by proxies the settings trust (``TRUSTED_PROXIES``: addresses or networks): walking it
from the right, each hop appended by a trusted proxy is skipped, and the first address that is
not one is the client. A request that does not come from a trusted proxy is its own address,
whatever it claims.
"""
import functools
import ipaddress

from django.conf import settings


@functools.cache
def _trusted_networks(proxies):
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in proxies if entry.strip())


def _parsed(address):
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def _is_trusted(address, networks):
    return address is not None and any(address in network for network in networks)


def client_ip(request):
    """The client's address as a string (``REMOTE_ADDR`` unless a trusted proxy forwarded it)."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(_parsed(remote), networks):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _parsed(hop)
        if address is None:
            # Not an address: whatever is left of the header was not written by a trusted proxy.
            break
        if not _is_trusted(address, networks):
            return str(address)
    # Every hop was a trusted proxy (or the header was unusable): the nearest one we can name.
    return remote
