"""Error pages that leak nothing, and a fast 503 when the database is unreachable.

The 400, 500 and 503 pages are rendered without a request context: they must work when the
Host header is bad or the database is down, so they touch neither. Django routes every
exception raised in a view or a middleware to ``server_error``; if that exception is a
lost database connection the visitor gets the 503 page with ``Retry-After`` at once, and
the next request reconnects by itself (``CONN_HEALTH_CHECKS``).
"""

import logging
import math
import sys
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger("bcsp.errors")

RETRY_AFTER_SECONDS = 10
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def _static_page(template_name, status, **headers):
    """A page rendered with no request and no database: safe in any failure."""
    response = HttpResponse(loader.render_to_string(template_name), status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def database_unavailable_response():
    return _static_page("503.html", 503, Retry_After=str(RETRY_AFTER_SECONDS))


def bad_request_response(request=None):
    return _static_page("400.html", 400)


def is_database_outage(exc):
    """True for errors that mean "no usable connection right now" (refused, dropped, timed
    out, locked), as opposed to a mistake in a query."""
    return isinstance(exc, DATABASE_UNAVAILABLE)


@requires_csrf_token
def server_error(request, template_name="500.html"):
    exc = sys.exc_info()[1]
    if exc is not None and is_database_outage(exc):
        logger.error("Database unavailable; answered 503 (%s)", type(exc).__name__)
        return database_unavailable_response()
    return _static_page(template_name, 500)


@requires_csrf_token
def bad_request(request, exception, template_name="400.html"):
    return bad_request_response(request)


@requires_csrf_token
def permission_denied(request, exception, template_name="403.html"):
    return TemplateResponse(
        request,
        template_name,
        {
            "error_title": _("Access denied"),
            "error_message": _("Sorry, you do not have permission to see this page."),
        },
        status=403,
    ).render()


def csrf_failure(request, reason=""):
    """A form came back without its security token (an old tab, or cookies blocked)."""
    return TemplateResponse(
        request,
        "403.html",
        {
            "error_title": _("Please send the form again"),
            "error_message": _(
                "The form had expired or your browser did not send its security cookie. "
                "Go back, reload the page and send the form again; if this keeps happening, "
                "please allow cookies for this site."
            ),
        },
        status=403,
    ).render()


def login_locked_out(request, original_response=None, credentials=None):
    """Too many failed sign-ins from this address, or for this username from this address:
    the 429 page says when to try again, and so does ``Retry-After`` (in seconds)."""
    handler = AxesProxyHandler.get_implementation()
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    if hasattr(handler, "seconds_until_unlocked"):
        seconds = handler.seconds_until_unlocked(request, credentials)
    else:
        seconds = int(cooloff.total_seconds()) if cooloff else 30 * 60
    retry_at = timezone.localtime(timezone.now() + timedelta(seconds=seconds))
    response = TemplateResponse(
        request,
        "429.html",
        {"cooloff_minutes": max(1, math.ceil(seconds / 60)), "retry_at": retry_at},
        status=429,
    ).render()
    response["Retry-After"] = str(seconds)
    return response
