"""Refusal of malformed requests, answered with the site's own 400 page."""

import logging
import re

from django.conf import settings
from django.db import DataError
from django.http import Http404

from bcsp_site.errors import bad_request_response

logger = logging.getLogger("bcsp.security")


# A path segment that is a number (optionally with an extension, as in /cite/<id>.bib)
# too long for a 64-bit integer column.
OVERSIZED_NUMBER = re.compile(r"^\d{19,}(?:\.\w+)?$")


class RequestSanityMiddleware:
    """Answer input no browser sends with a 4xx instead of letting it reach the database.

    - A NUL byte in the path, or a query string longer than ``MAX_QUERY_STRING_LENGTH``:
      the 400 page.
    - A number in the path too large for any database id (``/comments/99999…/``): 404.
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
