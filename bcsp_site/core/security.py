"""Site-wide protections: the address a request is for (no script prefix or proxy header a
client can forge), the methods each address takes, the admin address allow-list, the
Permissions-Policy header, which responses the admin may show in a frame, the cross-site
check of public forms, how admin sign-ins are throttled and what that logs, and the refusal
of malformed requests with the site's own 400 page.
"""

import ipaddress
import logging
import re
from functools import lru_cache
from urllib.parse import urlsplit

from axes.handlers.database import AxesDatabaseHandler
from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.db import DataError
from django.db.models import Max, Sum
from django.http import (
    Http404,
    HttpResponseNotAllowed,
    HttpResponsePermanentRedirect,
)
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string
from django.views.decorators.clickjacking import xframe_options_sameorigin
from wagtail.models import Page

from .errors import bad_request_response
from .pagination import NotCanonical
from .visitors import client_ip

logger = logging.getLogger("bcsp.security")


def is_cross_site(request):
    """True when the browser says this form was sent from another site.

    For the public forms that pages served from a shared cache carry (comments, the
    e-bulletin sign-up), which cannot hold a per-visitor CSRF token. Browsers send Origin
    with every cross-origin POST; where it is missing (old browsers, some privacy tools) the
    Referer is checked instead. A request with neither cannot be a cross-site form post from
    a current browser, and a script outside a browser could send the same request anyway.
    Only the host is compared: behind a TLS-terminating proxy the scheme Django sees may
    differ from the browser's, and http and https of one host are the same site here.
    """
    for header in ("HTTP_ORIGIN", "HTTP_REFERER"):
        value = request.META.get(header)
        if not value:
            continue
        parts = urlsplit(value)
        if f"{parts.scheme}://{parts.netloc}" in settings.CSRF_TRUSTED_ORIGINS:
            return False
        return parts.netloc.lower() != request.get_host().lower()
    return False


# Where a request was addressed: what a proxy may say in these headers (other host, port,
# path prefix, original URL) the site never believes. Its links come from the Site records
# and FORCE_SCRIPT_NAME alone; the headers are removed so that no library reads them either.
# X-Forwarded-Proto and X-Forwarded-For stay: SECURE_PROXY_SSL_HEADER and
# TRUSTED_PROXY_COUNT say when they count.
ADDRESSING_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_FORWARDED_SERVER",
    "HTTP_X_HOST",
    "HTTP_X_ORIGINAL_HOST",
    "HTTP_X_ORIGINAL_URL",
    "HTTP_X_REWRITE_URL",
)


def addressed_as_asked(application):
    """The WSGI application, given the path as the client asked for it.

    The script prefix is ``FORCE_SCRIPT_NAME`` (never None, so Django never takes one from
    the server for its links). A server that split the path at a ``SCRIPT_NAME`` it was
    sent (gunicorn does so for a ``SCRIPT_NAME`` header from an address it trusts) would
    have the site answer ``/evil/en/`` with the home page; here the path is put back
    together, so ``/evil/en/`` is an address the site does not have. This runs before
    Django builds its request, which forgets the server's ``SCRIPT_NAME``.
    """

    def guarded(environ, start_response):
        configured = settings.FORCE_SCRIPT_NAME or ""
        given = environ.get("SCRIPT_NAME", "")
        if given != configured:
            requested = given.rstrip("/") + environ.get("PATH_INFO", "")
            if configured and (requested == configured or requested.startswith(configured + "/")):
                requested = requested[len(configured) :]
            environ["SCRIPT_NAME"] = configured
            environ["PATH_INFO"] = requested or "/"
        return application(environ, start_response)

    return guarded


class RequestGuardMiddleware:
    """Nothing a client can forge says where a request was addressed.

    - ``ADDRESSING_HEADERS`` are removed (unless ``USE_X_FORWARDED_HOST`` or
      ``USE_X_FORWARDED_PORT`` says the proxy sets them); the script prefix is settled
      before (``addressed_as_asked``, in ``bcsp_site/wsgi.py``).
    - A view that raises ``NotCanonical`` redirects to the address it names.

    First in ``MIDDLEWARE``: everything after it, the page cache's key included, sees only
    what a client cannot forge.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trusted = set()
        if settings.USE_X_FORWARDED_HOST:
            trusted.add("HTTP_X_FORWARDED_HOST")
        if settings.USE_X_FORWARDED_PORT:
            trusted.add("HTTP_X_FORWARDED_PORT")
        for header in ADDRESSING_HEADERS:
            if header not in trusted:
                request.META.pop(header, None)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotCanonical):
            return HttpResponsePermanentRedirect(exception.url)
        return None


# Methods ---------------------------------------------------------------------------------

READ = ("GET", "HEAD")
READ_AND_POST = ("GET", "HEAD", "POST")
# Forms of Wagtail's own that post: the sign-in of pages open to signed-in visitors. (The
# password forms of private pages and collections go through core.passwords, which marks
# its views with takes_posts.)
POSTING_VIEWS = frozenset({"django.contrib.auth.views.LoginView"})


def takes_posts(view):
    """Mark a view that a form posts to; every other view takes only GET and HEAD."""
    view.allowed_methods = READ_AND_POST
    return view


def takes_only_posts(view):
    """Mark a view that only a form's POST reaches (GET and HEAD are its own 405)."""
    view.allowed_methods = ("POST",)
    return view


def allowed_methods(request, match):
    """The methods the address of `match` (None: no view) answers."""
    if request.path_info.startswith("/admin/"):
        return READ_AND_POST  # the admin's own forms and views
    if match is None:
        return READ
    view = match.func
    if hasattr(view, "allowed_methods"):
        return view.allowed_methods
    view = getattr(view, "view_class", view)  # a class-based view's own class
    if f"{view.__module__}.{view.__name__}" in POSTING_VIEWS:
        return READ_AND_POST
    if any(import_string(check)(request, match) for check in settings.PAGE_POST_CHECKS):
        return READ_AND_POST
    return READ


class AllowedMethodsMiddleware:
    """Every address answers GET and HEAD alike, POST only where a form posts, and any other
    method (TRACE, OPTIONS, PUT, PROPFIND, …) with 405 and the ``Allow`` header.

    Wagtail serves a page to any method, and a view without a method decorator answers
    TRACE like GET; this refuses them before the view. It sits after
    ``comments.middleware.CommentPostMiddleware`` (which takes comments posted to their page)
    and before CSRF (so a post to a page without a form is a 405, not a CSRF failure), after
    LocaleMiddleware (so the address resolves in its language).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in READ_AND_POST or request.path_info.startswith("/admin/"):
            # The admin's views say which methods they take themselves: the translation
            # editor (wagtail-localize) saves each string with PUT and clears it with DELETE.
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        return HttpResponseNotAllowed(allowed_methods(request, match))

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        match = request.resolver_match
        allowed = allowed_methods(request, match)
        if "POST" in allowed:
            return None
        if match.url_name == "wagtail_serve" and not Page.route_for_request(
            request, match.args[0] if match.args else match.kwargs.get("path", "")
        ):
            raise Http404("No page here")  # as a GET would be told
        return HttpResponseNotAllowed(allowed)


@lru_cache(maxsize=8)
def _networks(entries):
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def address_allowed(ip, allowed):
    """True when ``ip`` falls in one of the ``allowed`` addresses or networks (CIDR)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(tuple(allowed)))


class AdminAccessMiddleware:
    """With ``ADMIN_ALLOWED_IPS`` set, the admin answers 404 to every other address.

    A 404 rather than a 403: an attacker scanning for a Wagtail admin learns nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = getattr(settings, "ADMIN_ALLOWED_IPS", ())
        if (
            allowed
            and request.path_info.startswith("/admin/")
            and not address_allowed(client_ip(request), allowed)
        ):
            raise Http404("Not found")
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` (browser features the site never uses are switched off)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


def framable_by_admin(view):
    """Let pages of this site's own origin show the view's response in a frame.

    For previews: the page editor shows them in an iframe beside the form. Every other
    response keeps ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``. Works on view
    functions and on methods such as ``Page.serve_preview``.
    """
    return xframe_options_sameorigin(csp_replace({"frame-ancestors": [SELF]})(view))


def _pseudonym(kind, value):
    return salted_hmac(f"bcsp.log.{kind}", value or "", algorithm="sha256").hexdigest()[:12]


def login_client_str(username, ip_address, user_agent, path_info, request):
    """How failed admin logins are described in the logs: keyed pseudonyms, so repeated
    attempts can be told apart and correlated, but no username or address is written."""
    return f"user#{_pseudonym('username', username)} client#{_pseudonym('ip', ip_address)}"


class LoginThrottle(AxesDatabaseHandler):
    """django-axes' database handler with two limits instead of one.

    ``AXES_LOCKOUT_PARAMETERS`` is ``[["username", "ip_address"], "ip_address"]``: the first
    counts the failures of one username from one address, the second every failure from one
    address. django-axes compares the larger of the two with a single ``AXES_FAILURE_LIMIT``;
    here the pair is paused at ``AXES_FAILURE_LIMIT`` and the address at the higher
    ``AXES_IP_FAILURE_LIMIT``. So guessing an editor's password from elsewhere never locks
    the editor out, and one address cannot try username after username either.
    """

    def _counts(self, request, credentials):
        pair, address = self.get_user_attempts(request, credentials)[:2]
        return (
            pair.aggregate(total=Sum("failures_since_start"))["total"] or 0,
            address.aggregate(total=Sum("failures_since_start"))["total"] or 0,
        )

    def get_failures(self, request, credentials=None):
        """The pair's failures, or the pair's limit once the address is over its own limit
        (django-axes locks when this reaches ``AXES_FAILURE_LIMIT``)."""
        pair, address = self._counts(request, credentials)
        if address >= settings.AXES_IP_FAILURE_LIMIT:
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair

    def reset_user_attempts(self, request, credentials=None):
        """A successful sign-in clears that username's failures from that address, not the
        address's count: signing in to an account of one's own must not buy more guesses at
        the others."""
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count

    def seconds_until_unlocked(self, request, credentials=None):
        """When the pause ends at the latest: the cool-off after the newest failure that
        counts against this request (each failure during the pause starts it again)."""
        cooloff = settings.AXES_COOLOFF_TIME
        newest = max(
            (
                attempts.aggregate(newest=Max("attempt_time"))["newest"]
                for attempts in self.get_user_attempts(request, credentials)
            ),
            default=None,
            key=lambda moment: moment or timezone.now(),
        )
        if not cooloff or newest is None:
            return int(cooloff.total_seconds()) if cooloff else 0
        return max(1, int((newest + cooloff - timezone.now()).total_seconds()))


# A path segment that is a number (optionally with an extension, as in /cite/<id>.bib)
# too long for a 64-bit integer column.
OVERSIZED_NUMBER = re.compile(r"^\d{19,}(?:\.\w+)?$")
# An id a database column can hold, and the views that take a list of them as ?id=.
DATABASE_ID = re.compile(r"^[0-9]{1,18}\Z")
ID_LIST_VIEWS = {"wagtail_bulk_action"}


class RequestSanityMiddleware:
    """Answer input no browser sends with a 4xx instead of letting it reach the database.

    - A NUL byte in the path, or a query string longer than ``MAX_QUERY_STRING_LENGTH``:
      the 400 page.
    - A number in the path too large for any database id (``/comments/99999…/``): 404.
    - An ``id`` that is not a number in the list of a bulk action in the admin: the 400 page.
    - A NUL byte in a query parameter (PostgreSQL cannot compare text containing one):
      the 400 page, except for the views in ``FORM_VALIDATED_VIEWS``, whose forms say
      what is wrong next to the field and keep the rest of the query.
    - Any other value the database refuses (``DataError``) in a view: the 400 page
      rather than a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._malformed(request):
            return bad_request_response(request)
        if self._impossible_number(request):
            # No page, comment, year or document has a number this long; the database
            # would reject it (and SQLite with an OverflowError).
            raise Http404("Not found")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.url_name in ID_LIST_VIEWS:
            # Wagtail's bulk actions look the ids up as they come (?id=abc is a 500).
            ids = request.GET.getlist("id")
            if not all(value == "all" or DATABASE_ID.match(value) for value in ids):
                return bad_request_response(request)
        view_name = f"{view_func.__module__}.{view_func.__name__}"
        if view_name in getattr(settings, "FORM_VALIDATED_VIEWS", ()):
            return None
        has_nul = any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        )
        return bad_request_response(request) if has_nul else None

    def process_exception(self, request, exception):
        if isinstance(exception, DataError):
            logger.warning(
                "Refused input the database cannot use (%s) on %s",
                type(exception).__name__,
                request.path,
            )
            return bad_request_response(request)
        return None

    @staticmethod
    def _impossible_number(request):
        return any(OVERSIZED_NUMBER.match(segment) for segment in request.path_info.split("/"))

    @staticmethod
    def _malformed(request):
        limit = getattr(settings, "MAX_QUERY_STRING_LENGTH", 4096)
        query_string = request.META.get("QUERY_STRING", "")
        return len(query_string) > limit or "\x00" in request.path
