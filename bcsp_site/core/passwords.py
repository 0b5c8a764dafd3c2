"""A limit on guessing the password of a protected page or of a private collection of
documents.

Wagtail's own views check the password (``wagtail.views.authenticate_with_password`` and
``wagtail.documents.views.serve.authenticate_with_password``); the site's URLs route the two
forms' addresses through ``limit_page_password`` and ``limit_document_password`` first,
which count each post per visitor's address (an IPv6 visitor's /64) and restriction in the
shared rate limiter, and answer 429 with the form again once an address has used its tries.
The right password from any other address still works.

Tries count against the restriction, not the page in the form's address: that address names
the page the visitor was on, which may be any page below the protected one, so counting per
page would give a guesser a fresh set of tries for each descendant.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from wagtail import views as wagtail_views
from wagtail.documents.views import serve as wagtail_documents
from wagtail.forms import PasswordViewRestrictionForm
from wagtail.models import CollectionViewRestriction, Page, PageViewRestriction

from .security import takes_posts
from .visitors import client_ip, hash_ip, network_of, within_rate_limit

TOO_MANY_ATTEMPTS = _("Too many attempts. Please wait %(minutes)s minutes and try again.")


class LimitedPasswordForm(PasswordViewRestrictionForm):
    """The password form, refusing whatever was typed with the reason: too many tries."""

    def clean_password(self):
        minutes = max(1, round(settings.PAGE_PASSWORD_WINDOW / 60))
        raise ValidationError(TOO_MANY_ATTEMPTS, params={"minutes": minutes}, code="throttled")


def within_password_attempts(request, kind, restriction):
    """Count this post; True while this address has tries left for `restriction`."""
    address = hash_ip(network_of(client_ip(request)), "password-attempts")
    key = f"password-attempts:{kind}:{restriction.pk}:{address}"
    return within_rate_limit(key, settings.PAGE_PASSWORD_ATTEMPTS, settings.PAGE_PASSWORD_WINDOW)


def too_many_attempts(response):
    response.status_code = 429
    response["Retry-After"] = str(settings.PAGE_PASSWORD_WINDOW)
    add_never_cache_headers(response)
    return response


@takes_posts
def limit_page_password(request, page_view_restriction_id, page_id):
    """The page password form's post (``wagtailcore_authenticate_with_password``)."""
    if request.method == "POST":
        restriction = get_object_or_404(PageViewRestriction, pk=page_view_restriction_id)
        if not within_password_attempts(request, "page", restriction):
            page = get_object_or_404(Page, pk=page_id).specific
            form = LimitedPasswordForm(request.POST, instance=restriction)
            form.is_valid()
            action_url = reverse(
                "wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk]
            )
            response = page.serve_password_required_response(request, form, action_url)
            return too_many_attempts(response)
    return wagtail_views.authenticate_with_password(request, page_view_restriction_id, page_id)


@takes_posts
def limit_document_password(request, restriction_id):
    """A private collection's password form post (``wagtaildocs_authenticate_with_password``)."""
    if request.method == "POST":
        restriction = get_object_or_404(CollectionViewRestriction, pk=restriction_id)
        if not within_password_attempts(request, "collection", restriction):
            form = LimitedPasswordForm(request.POST, instance=restriction)
            form.is_valid()
            action_url = reverse("wagtaildocs_authenticate_with_password", args=[restriction.pk])
            template = getattr(
                settings,
                "WAGTAILDOCS_PASSWORD_REQUIRED_TEMPLATE",
                "wagtaildocs/password_required.html",
            )
            response = TemplateResponse(request, template, {"form": form, "action_url": action_url})
            return too_many_attempts(response)
    return wagtail_documents.authenticate_with_password(request, restriction_id)
