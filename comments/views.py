import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from wagtail.models import Page

from .forms import CommentForm
from .models import USER_AGENT_MAX_LENGTH, Comment, page_takes_comments
from .notifications import queue_moderator_email
from .spam import client_ip, hash_ip, make_form_token, rate_limit_exceeded

logger = logging.getLogger("bcsp.comments")

ALL_COMMENTS_PER_PAGE = 20

RATE_LIMITED = gettext_lazy(
    "You have posted several comments in the last few minutes. Please wait a while and "
    "send this one again."
)


def commentable_page(page_id):
    """The live, public page with this id if its type takes comments; otherwise a 404."""
    page = Page.objects.live().public().filter(pk=page_id).first()
    if page is None or not page_takes_comments(page.specific_class):
        raise Http404("No page takes comments here")
    return page


def render_page_with_form(request, page, form, status):
    """Serve the page again with the reader's form (and its errors), at a 4xx status."""
    request.comment_form = form
    response = page.serve(request)
    response.status_code = status
    return response


@require_POST
def post_comment(request, page_id):
    page = commentable_page(page_id).specific
    page_url = page.get_url(request)
    if page_url is None:
        raise Http404("The page has no address")
    form = CommentForm(request.POST, page=page)
    if not page.comments_open:
        return render_page_with_form(request, page, form, status=403)

    if not form.is_valid():
        if form.refusal_reason:
            logger.info("Comment refused on page %s: %s", page.pk, form.refusal_reason)
        form.refresh_token()
        return render_page_with_form(request, page, form, status=400)

    ip = client_ip(request)
    if rate_limit_exceeded(ip):
        logger.info("Comment refused on page %s: rate limit", page.pk)
        form.add_error(None, RATE_LIMITED)
        form.refresh_token()
        return render_page_with_form(request, page, form, status=429)

    comment = form.save(commit=False)
    comment.page = page
    comment.status = Comment.Status.PENDING
    comment.ip_hash = hash_ip(ip) if ip else ""
    comment.user_agent = request.headers.get("User-Agent", "")[:USER_AGENT_MAX_LENGTH]
    comment.save()
    # Saved (and committed) first: the email can fail without losing the comment.
    queue_moderator_email(comment)

    messages.success(request, _("Thank you — your comment is awaiting moderation."))
    return redirect(page_url)


@require_GET
def comment_list(request, page_id):
    page = commentable_page(page_id).specific
    comments = Comment.objects.approved().filter(page=page).order_by("created_at", "pk")
    paginator = Paginator(comments, ALL_COMMENTS_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
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
@require_GET
def form_token(request, page_id):
    """Fresh tokens for a comment form on a page that may have come from a shared cache."""
    return JsonResponse({"csrfToken": get_token(request), "formToken": make_form_token(page_id)})
