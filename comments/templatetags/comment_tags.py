from django import template
from django.contrib.messages import get_messages
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from bcsp_site.caching.generation import remembered
from comments.forms import CommentForm
from comments.models import Comment
from comments.spam import make_form_token
from comments.views import COMMENT_MESSAGE_TAG

register = template.Library()

LATEST_SHOWN = 10


@register.inclusion_tag("components/comments.html", takes_context=True)
def comments_section(context, page):
    """The approved comments under a page (the latest ten, newest last) and the form.

    Two queries whatever the number of comments, kept in the cache for the content
    generation (approving, rejecting or deleting a comment starts a new one; a reader's new
    comment waits for moderation and does not). A form that failed validation in
    ``comments.views.receive_comment`` arrives on the request so the reader's text is kept;
    an empty one is only built if its cached fields are missing. The message that a comment
    was taken is shown at the form, where the reader is.
    """
    request = context.get("request")
    if page is None or not page.pk:
        return {"show": False}
    comment_count, latest = approved_comments(page)

    comments_open = bool(getattr(page, "comments_open", False))
    form, form_is_bound, form_token, comment_messages = None, False, "", []
    if comments_open:
        comment_messages = [
            message
            for message in get_messages(request)
            if COMMENT_MESSAGE_TAG in message.tags.split()
        ]
        form = getattr(request, "comment_form", None)
        form_is_bound = form is not None and form.page.pk == page.pk
        if form_is_bound:
            form_token = form["form_token"].value()
        else:
            form = SimpleLazyObject(lambda: CommentForm(page=page))
            form_token = make_form_token(page.pk)
    return {
        "show": True,
        "request": request,
        "page": page,
        "comments": latest,
        "comment_count": comment_count,
        "first_number": comment_count - len(latest) + 1,
        "more_comments": comment_count > len(latest),
        "comments_open": comments_open,
        "form": form,
        "form_is_bound": form_is_bound,
        "form_token": form_token,
        "form_action": page.get_url(request) if comments_open else "",
        "comment_messages": comment_messages,
    }


def approved_comments(page):
    """(number of approved comments, the latest LATEST_SHOWN of them, oldest first)."""

    def count_and_latest():
        approved = Comment.objects.approved().filter(page_id=page.pk)
        comment_count = approved.count()
        latest = []
        if comment_count:
            # Only what is shown: no email addresses or IP hashes in the cache.
            latest = list(
                approved.only("pk", "page_id", "name", "text", "created_at").order_by(
                    "-created_at", "-pk"
                )[:LATEST_SHOWN]
            )
            latest.reverse()
        return comment_count, latest

    return remembered(f"comments:approved:{page.pk}", count_and_latest)


@register.filter
def datetime_attribute(value):
    """The time for a ``<time datetime>``, in local time to the second with its offset
    ("2020-05-03T10:15:00+02:00"). Django's "c" format keeps microseconds, and HTML allows
    at most three digits of a second."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()
