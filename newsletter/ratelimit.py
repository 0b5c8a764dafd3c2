"""Fixed-window rate limits kept in the Django cache.

``cache.add`` creates the counter only if it is missing and ``cache.incr`` is atomic on
Redis and Memcached, so the limit holds across processes and servers sharing the cache.
"""

from django.conf import settings
from django.core.cache import cache

from .hashing import hash_email, hash_ip


def allow(bucket, identifier, limit, window):
    """Count one attempt; True while the count in this window is within the limit."""
    key = f"newsletter:rate:{bucket}:{identifier}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The counter expired between add() and incr(): this attempt opens a new window.
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


def allow_signup(ip, email):
    window = settings.NEWSLETTER_RATE_WINDOW
    return allow("ip", hash_ip(ip), settings.NEWSLETTER_SIGNUPS_PER_IP, window) and allow(
        "email", hash_email(email), settings.NEWSLETTER_SIGNUPS_PER_ADDRESS, window
    )


def allow_manage_request(ip, email):
    """Requests for a manage link count like sign-ups, in buckets of their own."""
    window = settings.NEWSLETTER_RATE_WINDOW
    return allow("manage-ip", hash_ip(ip), settings.NEWSLETTER_SIGNUPS_PER_IP, window) and allow(
        "manage-email", hash_email(email), settings.NEWSLETTER_SIGNUPS_PER_ADDRESS, window
    )


def client_ip(request):
    """The visitor's IP: REMOTE_ADDR, or the right entry of X-Forwarded-For behind proxies.

    With NEWSLETTER_TRUSTED_PROXY_COUNT=n, the n-th address from the right of
    X-Forwarded-For is the one the nearest trusted proxy saw; anything further left can be
    forged by the client.
    """
    proxies = settings.NEWSLETTER_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
