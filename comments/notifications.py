import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from .models import Comment

logger = logging.getLogger("bcsp.comments")


def admin_url(path):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@task()
def notify_moderators(comment_id):
    """Tell the moderators a comment is waiting. Runs after the comment is saved."""
    recipients = settings.COMMENTS_MODERATOR_EMAILS
    if not recipients:
        return 0
    comment = Comment.objects.select_related("page").filter(pk=comment_id, status="pending").first()
    if comment is None:
        return 0
    viewset = Comment.snippet_viewset
    context = {
        "comment": comment,
        "page_title": comment.page.title,
        "page_url": comment.page.full_url or "",
        "edit_url": admin_url(reverse(viewset.get_url_name("edit"), args=[comment.pk])),
        "pending_url": admin_url(reverse(viewset.get_url_name("list")) + "?status=pending"),
    }
    subject = " ".join(render_to_string("email/comment_pending_subject.txt", context).split())
    body = render_to_string("email/comment_pending.txt", context)
    try:
        return send_mail(subject, body, None, recipients)
    except Exception:
        logger.exception("Could not email moderators about comment %s", comment_id)
        raise


def queue_moderator_email(comment):
    """Queue the email; a failure here is logged and never undoes the saved comment."""
    try:
        notify_moderators.enqueue(comment.pk)
    except Exception:
        logger.exception("Could not queue the moderator email for comment %s", comment.pk)
