"""What happens when a comment is saved or deleted: a CDN's copies of its page drop out
while the comment is, or was, shown. Connected in ``CommentsConfig.ready``."""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

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


def connect():
    pre_save.connect(
        remember_previous_status, sender=Comment, dispatch_uid="comments-cache-previous-status"
    )
    post_save.connect(comment_saved, sender=Comment, dispatch_uid="comments-cache-saved")
    pre_delete.connect(
        remember_shown_before_delete, sender=Comment, dispatch_uid="comments-cache-deleting"
    )
    post_delete.connect(comment_deleted, sender=Comment, dispatch_uid="comments-cache-deleted")
