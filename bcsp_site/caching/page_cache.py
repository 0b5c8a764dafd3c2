"""The full-page cache: public pages kept whole in the shared cache for anonymous visitors.

What is kept: the 200 answers to GET requests of views that say they may be shared
(Wagtail pages and their routes such as year and tag archives and feeds, the sitemap,
robots.txt, the comment lists and the e-bulletin sign-up page, through ``mark_cacheable``
or ``@cacheable``), for visitors who carry neither a session nor a message cookie, when the
query string is empty or only a page number (``?page=2``) of a view that paginates; on any
other page ``?page=`` is redirected away (``bcsp_site.core.pagination``).

The key is made only of what a client cannot forge: the address of the Site that answers
(as configured, whatever spelling of its host the request used), the path (with the
configured script prefix: ``core.security.addressed_as_asked`` has put right a path a server
split at a request header), which names the language, and the page number. Nothing
a page shows depends on the request's Host, scheme or headers (absolute addresses are built
on the Site's), so one copy serves them all. ``/sitemap.xml`` and ``/robots.txt``, the same
in every language (as are the child sitemaps under ``/sitemaps/``), are sent without
``Content-Language`` or ``Vary: Accept-Language``.

The same answers are sent with ``Cache-Control: public, max-age=…, s-maxage=…`` so a CDN in
front may keep them too, and without ``Vary: Cookie``; everything else is sent
``private, no-cache`` unless its view set its own Cache-Control.

Never kept or shared: responses to signed-in editors (or anyone with a session), previews,
anything but GET (a HEAD is answered from the cache but never stored), responses that set a
cookie (a CSRF token, a message, a session), pages that show or queue a message, anything
but a 200, views that said ``private``/``no-cache``/``no-store`` themselves (pages behind
Wagtail view restrictions do), answers that vary by ``Accept-Language`` (``/`` picks the
visitor's language, so it stays private), and any other query string (search results, list
filters, tracking parameters): their number is unbounded and the cache would fill with
one-off copies.

Invalidation: each entry records the content generation (``bcsp_site.caching.generation``) that
was current when its request began, and counts only while that generation is. Publishing,
unpublishing, moving or deleting a page, moderating a comment and editing settings, kinds,
menus, sites or images start a new generation, so every page is rendered afresh once on its
next request. That is correct without knowing every place a page appears (cards, the
carousel, related publications, menus, the footer), and cheap: editors change things a few
dozen times a day while a page renders in milliseconds. A generation is a random token, not
a counter, so an evicted generation key can never bring old entries back. Without a shared
cache (no ``REDIS_URL``) each process would keep its own generation and miss the changes
made in another (a second worker, the ``publish_scheduled`` cron job), so the cache is off
unless ``REDIS_URL`` or ``PAGE_CACHE`` turns it on.

A hit costs no round trip to Redis: the generation is watched (Redis reports its changes to
each process, ``bcsp_site.caching.backends.KeyWatch``), and each worker keeps the pages it
served last (``PAGE_CACHE_LOCAL_BYTES`` of them), valid, like the shared copies, only for
the generation they were rendered in. A page a worker has not served yet is one round trip
away. While Redis is unreachable the generation is read from the database, and these copies
still answer.

A page whose content changes with time as well as with the content (the home page's "Most
read") says how long it may be kept, ``keep_no_longer_than(request, seconds)``: its entry,
each worker's copy, browsers and a CDN then keep it no longer.

A kept page is sent byte for byte as it was rendered, to everyone: public pages carry no
per-response value (no CSP nonce, no CSRF token), so a CDN may share them too.
"""

import hashlib
import re
import threading
import time
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.http.request import split_domain_port
from django.utils.cache import cc_delim_re, patch_cache_control
from wagtail.models import Site

from .generation import content_generation, remembered

ENTRY_KEY = "pagecache:entry:{digest}"
HEADER = "X-Cache"
# Paths never looked up: the admin, documents (Wagtail serves them with its own headers),
# static and uploaded files.
SKIPPED_PREFIXES = ("/admin/", "/documents/", "/static/", "/media/")
# Paths outside the language prefixes whose content is the same in every language, so the
# Vary: Accept-Language that LocaleMiddleware gives them can go.
LANGUAGE_NEUTRAL_PATHS = frozenset({"/sitemap.xml", "/robots.txt", "/.well-known/security.txt"})
# …and the child sitemaps (bcsp_site.seo).
LANGUAGE_NEUTRAL_PREFIXES = ("/sitemaps/",)
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,3}")
# A CDN cannot be told about every ?page=N of a listing, so those copies live briefly there.
CDN_SECONDS_WITH_QUERY = 300
# Headers that belong to one response only, or that the cache sets itself.
UNSTORED_HEADERS = frozenset({"set-cookie", "content-length", HEADER.lower()})
NOT_SHAREABLE = re.compile(r"\b(private|no-cache|no-store)\b", re.IGNORECASE)


def mark_cacheable(request):
    """Say that the response to this request is the same for every anonymous visitor."""
    request.page_cacheable = True


def cacheable(view):
    """Decorate a view whose GET answer is the same for every anonymous visitor."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        mark_cacheable(request)
        return view(request, *args, **kwargs)

    return wrapped


def keep_no_longer_than(request, seconds):
    """Say that the response to this request may be kept for `seconds` at most."""
    kept = getattr(request, "page_cache_seconds", None)
    request.page_cache_seconds = seconds if kept is None else min(kept, seconds)


def _expired(entry):
    """An entry is (generation, headers, body, the time it expires or None); one of another
    shape was kept by an earlier release and is not used."""
    if len(entry) != 4:
        return True
    expires = entry[3]
    return bool(expires) and expires <= time.time()


class LocalCopies:
    """The pages this worker served last, each kept with the generation it belongs to."""

    def __init__(self):
        self._entries = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key, generation):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != generation or _expired(entry):
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        limit = settings.PAGE_CACHE_LOCAL_BYTES
        size = len(entry[2])
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[2])
            if size > limit:
                return
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > limit:
                _key, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped[2])

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self):
        return len(self._entries)


local_copies = LocalCopies()


def cache_key(request):
    """The cache key for this request, or None when its answer may not be shared."""
    if request.method not in ("GET", "HEAD"):
        return None
    if getattr(request, "is_dummy", False) or getattr(request, "is_preview", False):
        return None  # Wagtail's previews
    path = request.path
    if path.startswith(SKIPPED_PREFIXES):
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return None
    query = ""
    if request.META.get("QUERY_STRING"):
        params = request.GET
        if list(params) != ["page"]:
            return None
        numbers = params.getlist("page")
        if len(numbers) != 1 or not PAGE_NUMBER.fullmatch(numbers[0]):
            return None
        query = f"page={numbers[0]}"
    try:
        root_url = site_root_url(request)
    except DisallowedHost:
        return None  # CommonMiddleware answers with the 400 page
    if root_url is None:
        return None
    address = f"{root_url}{path}?{query}"
    digest = hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()
    return ENTRY_KEY.format(digest=digest)


def language_neutral(request):
    path = request.path_info
    return path in LANGUAGE_NEUTRAL_PATHS or path.startswith(LANGUAGE_NEUTRAL_PREFIXES)


def _messages_shown_or_queued(request):
    storage = getattr(request, "_messages", None)
    if storage is None:
        return False
    return bool(storage._queued_messages or getattr(storage, "_loaded_data", None))


def _shareable_vary(request, response):
    """Drop Vary: Cookie (the cookie-less answer is the same for everyone; visitors with a
    session never get it) and, on language-neutral paths, Vary: Accept-Language. False when
    what is left still varies by visitor."""
    if not response.has_header("Vary"):
        return True
    dropped = {"cookie"}
    if language_neutral(request):
        dropped.add("accept-language")
    kept = [
        field
        for field in cc_delim_re.split(response["Vary"])
        if field and field.lower() not in dropped
    ]
    if any(field == "*" or field.lower() in ("cookie", "accept-language") for field in kept):
        return False
    if kept:
        response["Vary"] = ", ".join(kept)
    else:
        del response["Vary"]
    return True


def may_be_shared(request, response):
    """True when this response may be kept and served to every anonymous visitor."""
    if not getattr(request, "page_cacheable", False):
        return False
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if getattr(request, "is_preview", False) or getattr(request, "is_dummy", False):
        return False
    if NOT_SHAREABLE.search(response.get("Cache-Control", "")):
        return False
    if _messages_shown_or_queued(request):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return _shareable_vary(request, response)


def _store(key, generation, request, response):
    body = response.content
    headers = [
        (name, value) for name, value in response.items() if name.lower() not in UNSTORED_HEADERS
    ]
    seconds = settings.PAGE_CACHE_SECONDS
    limit = getattr(request, "page_cache_seconds", None)
    expires = None
    if limit is not None:
        seconds = min(seconds, limit)
        expires = time.time() + limit
    entry = (generation, headers, body, expires)
    cache.set(key, entry, seconds)
    local_copies.put(key, entry)


def _replay(entry):
    _generation, headers, body, _expires = entry
    response = HttpResponse(body)
    for name, value in headers:
        response[name] = value
    response["Content-Length"] = str(len(body))
    response[HEADER] = "hit"
    return response


def _page_number_unread(request, response):
    """True for ?page= given to a shared page that has no pages (a publication, the home
    page, a feed): the same page again, which would be kept again under another address."""
    return (
        "page" in request.GET
        and response.status_code == 200
        and getattr(request, "page_cacheable", False)
        and not getattr(request, "paginated", False)
    )


def _without_page_number(request):
    query = request.GET.copy()
    query.pop("page")
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _share(request, response):
    cdn_seconds = settings.PAGE_CACHE_CDN_SECONDS
    browser_seconds = settings.PAGE_CACHE_BROWSER_SECONDS
    if request.META.get("QUERY_STRING"):
        cdn_seconds = min(cdn_seconds, CDN_SECONDS_WITH_QUERY)
    limit = getattr(request, "page_cache_seconds", None)
    if limit is not None:
        cdn_seconds, browser_seconds = min(cdn_seconds, limit), min(browser_seconds, limit)
    patch_cache_control(response, public=True, max_age=browser_seconds, s_maxage=cdn_seconds)


class PageCacheMiddleware:
    """Serves cached pages before sessions, CSRF and the rest are even looked at.

    It sits just after WhiteNoise: a hit costs one cache round trip and skips every inner
    middleware; the headers those add (CSP, X-Frame-Options, Content-Language) are stored
    with the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        enabled = settings.PAGE_CACHE_ENABLED
        key = cache_key(request)
        generation = None
        if key is not None and enabled:
            generation = content_generation()
            entry = local_copies.get(key, generation)
            if entry is None:
                entry = cache.get(key)
                if entry is not None and entry[0] == generation and not _expired(entry):
                    local_copies.put(key, entry)
                else:
                    entry = None
            if entry is not None:
                return _replay(entry)

        response = self.get_response(request)
        if language_neutral(request):
            # LocaleMiddleware names the language it picked for this visitor, and says the
            # answer varies by it (a stream the cache does not keep keeps its own headers).
            if response.has_header("Content-Language"):
                del response["Content-Language"]
            if response.streaming:
                _shareable_vary(request, response)
        if _page_number_unread(request, response):
            response = HttpResponsePermanentRedirect(_without_page_number(request))

        if key is not None and may_be_shared(request, response):
            _share(request, response)
            if enabled and request.method == "GET":
                _store(key, generation, request, response)
                response[HEADER] = "miss"
        elif not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        if enabled and not response.has_header(HEADER):
            response[HEADER] = "bypass"
        return response


# Which Site answers a request ------------------------------------------------------------


def site_for_request(request):
    """The Site for this request's host and port, or None when no site matches.

    Wagtail looks the Site up once per request; the sites change rarely, so they are kept
    by host and port for the content generation, which saving or deleting a site renews.
    """
    hostname = split_domain_port(request.get_host())[0]
    return remembered(f"sites:by-host:{hostname}:{request.get_port()}", lambda: _find_site(request))


def site_root_url(request):
    """The configured address of the Site for this request's host (None: no site answers),
    kept in the process for the content generation: every hit asks for it."""
    hostname, port = split_domain_port(request.get_host())[0], request.get_port()
    return remembered(
        f"sites:root-url:{hostname}:{port}",
        lambda: getattr(site_for_request(request), "root_url", None),
        in_process=True,
    )


def _find_site(request):
    site = Site.find_for_request(request)
    if site is not None:
        # In its specific class (no query), so that routing starts from the home page's
        # kept translation in the visitor's language (see HomePage.localized).
        site.root_page = site.root_page.specific_deferred
    return site


class CachedSiteMiddleware:
    """Hands Wagtail the request's Site from the cache (public pages only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/admin/"):
            site = site_for_request(request)
            if site is not None:
                request._wagtail_site = site
        return self.get_response(request)
