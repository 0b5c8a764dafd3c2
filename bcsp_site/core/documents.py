"""Who may download a document, and who may keep a copy of the answer.

Documents are served only through Wagtail's document view (``/documents/<id>/<name>``),
never from a public media address. Wagtail refuses documents of a private collection;
``private_pages_rule`` (a ``before_serve_document`` hook) also refuses a document that every
live page linking to it keeps private (a password, login or group restriction on the page
or an ancestor), unless the visitor has passed one of those pages' restrictions. ``serve``
wraps Wagtail's view to say who may keep the answer: a public document may be cached by
browsers, a private one by nobody. No CDN keeps either: every download reaches the site,
which counts it (the reading app), and costs it only the check (the file itself comes from
nginx or S3).
"""

import posixpath

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.static import serve as serve_static
from wagtail.documents.views.serve import serve as wagtail_serve
from wagtail.forms import PasswordViewRestrictionForm
from wagtail.models import BaseViewRestriction, Page, ReferenceIndex

from .storage import documents_storage

# How long browsers may keep a public document. Short: a file replaced under the
# same name keeps its address, and a document made private is not purged from a CDN.
PUBLIC_DOCUMENT_SECONDS = 5 * 60


def restricting_pages(document):
    """The live pages that link to `document` (Wagtail's reference index), each with its view
    restrictions (its own and its ancestors'), or [] when any of them is public."""
    page_ids = ReferenceIndex.get_references_to(document).filter(
        base_content_type=ContentType.objects.get_for_model(Page)
    )
    pages = Page.objects.live().filter(
        pk__in=[int(pk) for pk in page_ids.values_list("object_id", flat=True)]
    )
    restricted = []
    for page in pages.order_by("path"):
        restrictions = list(page.get_view_restrictions())
        if not restrictions:
            return []
        restricted.append((page, restrictions))
    return restricted


def private_pages_rule(document, request):
    """``before_serve_document``: a document linked only from private pages is served to
    those who may see one of them; others get what Wagtail answers for a private collection
    (a password form, or the sign-in page), refused with 403 where it is a form."""
    collection_private = bool(document.collection.get_view_restrictions())
    restricted = restricting_pages(document)
    request.document_is_public = not collection_private and not restricted
    if not restricted or any(
        all(restriction.accept_request(request) for restriction in restrictions)
        for _page, restrictions in restricted
    ):
        return None
    page, restrictions = restricted[0]
    refused = next(r for r in restrictions if not r.accept_request(request))
    if refused.restriction_type != BaseViewRestriction.PASSWORD:
        login_url = getattr(settings, "WAGTAIL_FRONTEND_LOGIN_URL", reverse("wagtailcore_login"))
        return redirect_to_login(request.get_full_path(), login_url)
    form = PasswordViewRestrictionForm(
        instance=refused, initial={"return_url": request.get_full_path()}
    )
    action_url = reverse("wagtailcore_authenticate_with_password", args=[refused.pk, page.pk])
    response = page.specific.serve_password_required_response(request, form, action_url)
    response.status_code = 403
    return response


def serve(request, document_id, document_filename):
    """Wagtail's document view, with caching headers by who may read the document.

    A public document (its own file, or the redirect to a signed URL of it on S3) may be
    kept by the browser (``private``: not by a CDN, so that each download is counted); the
    redirect no longer than half the URL's lifetime, so it is never followed after the
    signature expires. Anything else is never stored.
    """
    response = wagtail_serve(request, document_id, document_filename)
    if getattr(request, "document_is_public", False) and response.status_code in (200, 302, 304):
        seconds = PUBLIC_DOCUMENT_SECONDS
        if response.status_code == 302:
            seconds = min(seconds, documents_storage.querystring_expire // 2)
        patch_cache_control(response, private=True, max_age=seconds)
    else:
        response["Cache-Control"] = "private, no-store"
    if response.has_header("X-Accel-Redirect"):
        # The body is empty (nginx sends the file): a length for the file would be a lie.
        del response["Content-Length"]
    return response


def serve_media_except_documents(request, path):
    """Uploaded images from MEDIA_ROOT, for local runs (SERVE_MEDIA). Documents are never
    served from here, whatever the path says on the way (``images/../documents/…``)."""
    if posixpath.normpath(path).lstrip("/").split("/")[0] == "documents":
        raise Http404("Documents are served by the document view.")
    try:
        return serve_static(request, path, document_root=settings.MEDIA_ROOT)
    except OSError as error:
        # A name the file system cannot even look up (too long, say) names no upload.
        raise Http404("No such file.") from error
