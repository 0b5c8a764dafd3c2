"""Posting and reading reader comments.

Where comments are posted: to the address of the page they are under
(``comments.middleware.CommentPostMiddleware`` hands such a POST to ``receive_comment``). A
comment with a mistake comes back as that page, at its own address, with a 4xx status, the
reader's text kept and the errors at the form; a comment taken is answered with a redirect
to the page, where a message at the form says it awaits moderation. The same comment sent
again from the same address within ``RESEND_WINDOW`` gets the same answer and is stored once,
so a double click, or nginx resending a post to another server when the first died before
answering (docs/deploy/nginx.conf), never makes two. ``comments:post``, the
form's former address, is answered the same way, for copies of pages a CDN still keeps.

CSRF: posting needs no CSRF token. Publication pages come from a shared cache (ours or a
CDN's), so the form on them cannot carry a CSRF token of the visitor's own, and a visitor
without JavaScript (or without a cookie yet) would otherwise be refused. CSRF protection
guards what a visitor's browser may do with the visitor's own credentials; posting a
comment uses none: the view ignores the session and the user, and what it stores (a
pending comment under the name and address typed in) anyone can send directly. What is left
is a site making its visitors' browsers post for it, to hide behind their addresses; a POST
whose Origin (or Referer) names another site is refused for that, as the e-bulletin
sign-up does. The signed form token (which page, issued at least a few seconds and at most
a day ago, one comment per token), the honeypot, the link limit, the per-address rate limit
and moderation still apply to every comment.
"""

import datetime
import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from wagtail.models import Page

from bcsp_site.caching.page_cache import cacheable
from bcsp_site.core.pagination import Paginator, page_of
from bcsp_site.core.security import is_cross_site, takes_only_posts
from bcsp_site.core.visitors import client_ip

from .forms import CommentForm
from .models import USER_AGENT_MAX_LENGTH, Comment, page_takes_comments
from .notifications import queue_moderator_email
from .spam import claim_form_token, hash_ip, make_form_token, rate_limit_exceeded

logger = logging.getLogger("bcsp.comments")

ALL_COMMENTS_PER_PAGE = 20
# A comment sent again within this time is taken once (see is_resent).
RESEND_WINDOW = datetime.timedelta(minutes=10)

RATE_LIMITED = gettext_lazy(
    "You have posted several comments in the last few minutes. Please wait a while and "
    "send this one again."
)
CROSS_SITE = gettext_lazy("Please post your comment using the form on our own site.")
TOKEN_USED = gettext_lazy(
    "This form has already been used to send a comment. Your comment was not sent yet: "
    "check it and send it again."
)
# The extra tag of messages that the comment form shows itself.
COMMENT_MESSAGE_TAG = "comment"


def commentable_page(page_id):
    """The live, public page with this id if its type takes comments; otherwise a 404."""
    page = Page.objects.live().public().filter(pk=page_id).first()
    if page is None or not page_takes_comments(page.specific_class):
        raise Http404("No page takes comments here")
    return page


def page_open_for_comments(page_id):
    """The page, specific, if it takes comments now; otherwise a 404, as for a missing page."""
    page = commentable_page(page_id).specific
    if not page.comments_open:
        raise Http404("Comments are closed here")
    return page


def render_page_with_form(request, page, form, status):
    """Serve the page again with the reader's form (and its errors), at a 4xx status."""
    request.comment_form = form
    response = page.serve(request)
    response.status_code = status
    return response


def receive_comment(request, page):
    """Take a comment posted to ``page`` (live and in its specific class): store it as
    pending and redirect to the page, or serve the page again with the form's errors."""
    if not page_takes_comments(page.specific_class) or page.get_view_restrictions().exists():
        raise Http404("No page takes comments here")
    page_url = page.get_url(request)
    if page_url is None:
        raise Http404("The page has no address")
    form = CommentForm(request.POST, page=page)
    if not page.comments_open:
        return render_page_with_form(request, page, form, status=403)
    if is_cross_site(request):
        logger.info("Comment refused on page %s: posted from another site", page.pk)
        form.add_error(None, CROSS_SITE)
        return render_page_with_form(request, page, form, status=403)

    if not form.is_valid():
        if form.refusal_reason:
            logger.info("Comment refused on page %s: %s", page.pk, form.refusal_reason)
        form.refresh_token()
        return render_page_with_form(request, page, form, status=400)

    ip = client_ip(request, settings.COMMENTS_TRUSTED_PROXY_COUNT)
    ip_hash = hash_ip(ip) if ip else ""
    if is_resent(page, form.cleaned_data, ip_hash):
        # Taken already (a double click, or a proxy resending a post whose answer a failing
        # server never sent): answered as taken, stored once.
        return comment_taken(request, page_url)
    if not claim_form_token(form.data.get("form_token")):
        # One token, one comment (comments.spam): another comment has been taken with it.
        logger.info("Comment refused on page %s: form token used before", page.pk)
        form.add_error(None, TOKEN_USED)
        form.refresh_token()
        return render_page_with_form(request, page, form, status=400)
    if rate_limit_exceeded(ip):
        logger.info("Comment refused on page %s: rate limit", page.pk)
        form.add_error(None, RATE_LIMITED)
        form.refresh_token()
        return render_page_with_form(request, page, form, status=429)

    comment = form.save(commit=False)
    comment.page = page
    comment.status = Comment.Status.PENDING
    comment.ip_hash = ip_hash
    comment.user_agent = request.headers.get("User-Agent", "")[:USER_AGENT_MAX_LENGTH]
    comment.save()
    # Saved (and committed) first: the email can fail without losing the comment.
    queue_moderator_email(comment)
    return comment_taken(request, page_url)


def is_resent(page, data, ip_hash):
    """The same comment from the same address under the same page, taken a moment ago."""
    return Comment.objects.filter(
        page=page,
        email=data["email"],
        text=data["text"],
        ip_hash=ip_hash,
        created_at__gte=timezone.now() - RESEND_WINDOW,
    ).exists()


def comment_taken(request, page_url):
    # Shown at the form (components/comments_form.html), not with the page's other messages.
    messages.success(
        request,
        _("Thank you — your comment is awaiting moderation."),
        extra_tags=COMMENT_MESSAGE_TAG,
    )
    return redirect(page_url)


@takes_only_posts
@csrf_exempt
@require_POST
def post_comment(request, page_id):
    """The comment form's former address, answered as the page's own: copies of pages that a
    CDN keeps for a while may still post here."""
    return receive_comment(request, commentable_page(page_id).specific)


@cacheable
@require_safe
def comment_list(request, page_id):
    page = commentable_page(page_id).specific
    comments = Comment.objects.approved().filter(page=page).order_by("created_at", "pk")
    page_obj = page_of(Paginator(comments, ALL_COMMENTS_PER_PAGE), request)
    return TemplateResponse(
        request,
        "pages/comments_list.html",
        {
            "commented_page": page,
            "commented_page_url": page.get_url(request),
            "comments_open": page.comments_open,
            "comments": page_obj,
        },
    )


@never_cache
@require_safe
def form_token(request, page_id):
    """A fresh form token for a comment form on a page that may have come from a cache.

    The token in a cached page is as old as the copy; comments.js asks for a new one when
    the reader starts writing, so the form's clock starts then. Only for a page a comment
    could be posted to: any other id is answered like a missing page.
    """
    page = page_open_for_comments(page_id)
    return JsonResponse({"formToken": make_form_token(page.pk)})
