"""Reader comments on publication pages.

Comments know pages only through a ForeignKey to ``wagtailcore.Page`` and one attribute of
the page's specific class: a page type takes comments if it has a boolean ``comments_open``
field (``PublicationPage`` and ``OpEdPage`` do).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

TEXT_MIN_LENGTH = 3
TEXT_MAX_LENGTH = 5000
NAME_MAX_LENGTH = 80
USER_AGENT_MAX_LENGTH = 200


def page_takes_comments(page_class):
    return page_class is not None and hasattr(page_class, "comments_open")


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")

    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="reader_comments",
        help_text=_("The publication the comment was posted under."),
    )
    name = models.CharField(
        max_length=NAME_MAX_LENGTH, help_text=_("The name the reader gave; shown with the comment.")
    )
    email = models.EmailField(help_text=_("The reader's email address. Never shown on the site."))
    text = models.TextField(
        max_length=TEXT_MAX_LENGTH,
        help_text=_("What the reader wrote, as plain text."),
    )
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        help_text=_("Only approved comments appear on the site."),
    )
    created_at = models.DateTimeField(
        default=timezone.now, help_text=_("When the reader posted the comment.")
    )
    moderated_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When an editor last changed the status.")
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The editor who last changed the status."),
    )
    ip_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Salted hash of the poster's IP address, to spot repeat senders."),
    )
    user_agent = models.CharField(
        max_length=USER_AGENT_MAX_LENGTH,
        blank=True,
        editable=False,
        help_text=_("The poster's browser identification, shortened."),
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        default_permissions = ()
        permissions = [("moderate_comment", _("Can moderate reader comments"))]
        indexes = [
            models.Index(fields=["page", "status", "created_at"], name="comment_page_status_idx"),
            models.Index(fields=["status", "created_at"], name="comment_status_idx"),
        ]

    def __str__(self):
        return _("Comment by %(name)s") % {"name": self.name}

    def excerpt(self):
        return Truncator(" ".join(self.text.split())).chars(90)

    excerpt.short_description = _("Comment")

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED
