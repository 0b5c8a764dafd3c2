"""Who is asking: the visitor's address, a keyed hash of it, and a shared rate limiter.

Everything that needs the visitor's IP address asks ``client_ip``, so that
``TRUSTED_PROXY_COUNT`` (or a feature's own override) says how far ``X-Forwarded-For`` can be
believed, in one place.
"""

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


def client_ip(request, trusted_proxies=None):
    """The visitor's address: REMOTE_ADDR, or the right entry of X-Forwarded-For.

    With ``n`` trusted proxies (``TRUSTED_PROXY_COUNT`` unless a feature passes its own) the
    n-th address from the right of X-Forwarded-For is the one the outermost trusted proxy saw;
    anything further left is the client's to forge.
    """
    if trusted_proxies is None:
        trusted_proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted_proxies > 0:
        forwarded = [
            hop.strip()
            for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()
        ]
        if len(forwarded) >= trusted_proxies:
            return forwarded[-trusted_proxies]
    return request.META.get("REMOTE_ADDR", "")


def hash_ip(ip, purpose, secret=None):
    """A keyed hash of an address: repeat visitors can be spotted, nobody's IP is kept.

    ``purpose`` keeps each feature's hashes apart (and matching the ones it stored before);
    ``secret`` defaults to SECRET_KEY, so the hashes cannot be reversed by trying addresses.
    """
    return salted_hmac(f"{purpose}.ip", ip or "", secret=secret, algorithm="sha256").hexdigest()


def network_of(ip):
    """IPv6 visitors usually own a whole /64, so they count as one address per /64."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def within_rate_limit(key, limit, window):
    """Count one attempt under ``key``; True while this window's count is within ``limit``.

    A fixed window kept in Django's cache: ``add`` creates the counter with the window as its
    lifetime only if it is missing and ``incr`` is atomic on Redis and Memcached, so the limit
    holds across worker processes and servers sharing the cache.

    Home-made rather than django-ratelimit: that library counts per request (the e-bulletin
    also limits per normalised email address, known only after the form is cleaned), aligns
    windows to the clock instead of the first attempt, and refuses the local-memory cache of
    development with a system check.
    """
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The counter expired between add() and incr(): this attempt opens a new window.
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit
