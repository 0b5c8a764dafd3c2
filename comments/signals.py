"""What happens when a comment is saved or deleted: a CDN's copies of its page drop out
while the comment is, or was, shown. Connected in ``CommentsConfig.ready``."""

from .invalidation import shown_comments_changed
from .models import Comment


def remember_previous_status(sender, instance, **kwargs):
    if instance.pk is not None:
        instance._was_shown = Comment.objects.approved().filter(pk=instance.pk).exists()


def comment_saved(sender, instance, **kwargs):
    if instance.is_approved or instance.__dict__.pop("_was_shown", False):
        shown_comments_changed([instance.page_id])


def remember_shown_before_delete(sender, instance, **kwargs):
    # The row's status, not the instance's: a copy loaded before a bulk approval is stale.
    instance._was_shown = Comment.objects.approved().filter(pk=instance.pk).exists()


def comment_deleted(sender, instance, **kwargs):
    if instance.is_approved or instance.__dict__.pop("_was_shown", False):
        shown_comments_changed([instance.page_id])
