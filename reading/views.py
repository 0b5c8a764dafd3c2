"""The page-view beacon and the counted document download.

The beacon (``static/js/reading.js`` posts to ``/reading/<page id>/`` once a page is visible)
counts views where no cache can hide them: publication pages come whole from the page
cache or a CDN, which never reach a view. Documents are always handed over by the document
view (``bcsp_site.core.documents``), from disk, through nginx or as a redirect to a signed S3
address, so a download is counted there, before the answer goes out.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bcsp_site.caching.generation import remembered
from bcsp_site.core import documents
from bcsp_site.core.security import is_cross_site, takes_only_posts
from publications.models import PublicationPage

from .counting import (
    COUNTED,
    LIMITED,
    counts_as_a_reader,
    record_download,
    record_page_view,
    visit_verdict,
)

# A download answered by the file itself, or by a redirect to the file on S3.
HANDED_OVER = (200, 302)


def countable_language(page_id):
    """The language of the live, public publication `page_id`, or None (nothing to count).

    Kept for the content generation, so unpublishing or restricting it ends the counting."""
    return remembered(
        f"reading:countable:{page_id}",
        lambda: (
            PublicationPage.objects.live()
            .public()
            .filter(pk=page_id)
            .values_list("locale__language_code", flat=True)
            .first()
        ),
    )


def _no_content():
    return HttpResponse(status=204)


@takes_only_posts
@csrf_exempt  # posted from pages served from a cache, which carry no token; see below
@never_cache
@require_POST
def page_view(request, page_id):
    """Counts one view of a publication: 204, whether counted or not (a repeat in the visit, a
    robot, a prefetch); 400 for anything that is not a live public publication (a 404 here
    would be redirected by LocaleMiddleware to the same address under /en/); 403 when posted
    from another site; 429 over the address's limit. Sets no cookie."""
    if is_cross_site(request):
        return HttpResponse(status=403)
    language = countable_language(page_id)
    if language is None:
        return HttpResponseBadRequest("Not a publication that is read here.")
    if not counts_as_a_reader(request):
        return _no_content()
    verdict = visit_verdict(request, f"page:{page_id}")
    if verdict == LIMITED:
        return HttpResponse(status=429, headers={"Retry-After": str(settings.READING_RATE_WINDOW)})
    if verdict == COUNTED:
        record_page_view(page_id, language)
    return _no_content()


def is_continuation(request):
    """A request for the rest of a file already begun (a resumed download, a PDF viewer
    fetching pages): the download was counted when it began."""
    wanted = request.META.get("HTTP_RANGE", "").replace(" ", "")
    return bool(wanted) and not wanted.startswith("bytes=0-")


def download_language(request):
    """The language of the page the download was started from (the Referer of a link on
    this site names it in its path), else the visitor's language."""
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc and referer.netloc.lower() == request.get_host().lower():
        prefix = referer.path.lstrip("/").split("/", 1)[0]
        if prefix in dict(settings.LANGUAGES):
            return prefix
    return translation.get_language() or settings.LANGUAGE_CODE


def serve_document(request, document_id, document_filename):
    """The document view (``core.documents.serve``), counting a download of a document
    handed over by a GET that starts it (never a HEAD, nor the rest of a file begun)."""
    response = documents.serve(request, document_id, document_filename)
    if (
        request.method == "GET"
        and response.status_code in HANDED_OVER
        and not is_continuation(request)
        and counts_as_a_reader(request)
        and visit_verdict(request, f"document:{int(document_id)}") == COUNTED
    ):
        record_download(int(document_id), download_language(request))
    return response
