from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Reader comments"

    def ready(self):
        from . import signals
        from .models import Comment

        pre_save.connect(
            signals.remember_previous_status,
            sender=Comment,
            dispatch_uid="comments-cache-previous-status",
        )
        post_save.connect(
            signals.comment_saved, sender=Comment, dispatch_uid="comments-cache-saved"
        )
        pre_delete.connect(
            signals.remember_shown_before_delete,
            sender=Comment,
            dispatch_uid="comments-cache-deleting",
        )
        post_delete.connect(
            signals.comment_deleted, sender=Comment, dispatch_uid="comments-cache-deleted"
        )
