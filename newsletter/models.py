"""E-bulletin subscribers (double opt-in), bulletins and the record of every delivery."""

import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, MultipleChooserPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, PreviewableMixin

from .emails import BulletinMessageBuilder, email_preview_response
from .hashing import hash_email

DEFAULT_ITEMS_MAX = 20
DEFAULT_ITEMS_LOOKBACK_DAYS = 30
INTRO_FEATURES = ["bold", "italic", "link", "ol", "ul"]


def new_unsubscribe_token():
    return secrets.token_urlsafe(32)


def new_confirmation_nonce():
    return secrets.token_urlsafe(16)


class SubscriberQuerySet(models.QuerySet):
    def mailable(self):
        """Confirmed subscribers whose address was not erased and suppressed since, and
        whose mail neither bounced for good nor was reported as spam."""
        return self.filter(status=Subscriber.Status.CONFIRMED, suppressed_at__isnull=True).exclude(
            email_hash__in=SuppressedAddress.objects.values("email_hash")
        )

    def counts_by_status(self):
        counts = dict(self.values_list("status").annotate(n=Count("pk")).order_by())
        return {status: counts.get(status, 0) for status in Subscriber.Status.values}


class Subscriber(models.Model):
    """One address on the list. Only confirmed subscribers receive bulletins."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    class Suppression(models.TextChoices):
        BOUNCED = "bounced", _("Bounced (the address does not receive mail)")
        COMPLAINED = "complained", _("Reported our email as spam")
        REJECTED = "rejected", _("Refused by the mail provider")

    email = models.EmailField(
        max_length=254,
        help_text=_("The address as the subscriber typed it, with the domain in lower case."),
    )
    email_hash = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        help_text=_("Keyed hash of the address; makes addresses unique regardless of case."),
    )
    name = models.CharField(
        max_length=100, blank=True, help_text=_("How the subscriber would like to be greeted.")
    )
    language = models.CharField(
        max_length=5,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The subscriber receives only bulletins in this language."),
    )
    status = models.CharField(
        max_length=12,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
        help_text=_(
            "Only confirmed subscribers receive bulletins. Setting a subscriber to "
            "'Unsubscribed' stops all mail; they must sign up again to return."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    unsubscribed_at = models.DateTimeField(null=True, blank=True, editable=False)

    consent_text = models.TextField(
        editable=False, help_text=_("The exact wording the subscriber agreed to.")
    )
    consent_at = models.DateTimeField(
        null=True, editable=False, help_text=_("When the subscriber ticked the consent box.")
    )
    consent_ip_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Keyed hash of the IP address the consent came from (never the address)."),
    )
    consent_language = models.CharField(
        max_length=5,
        blank=True,
        editable=False,
        help_text=_("The language the consent wording was shown in."),
    )

    confirmation_nonce = models.CharField(max_length=32, blank=True, editable=False)
    unsubscribe_token = models.CharField(
        max_length=64, unique=True, default=new_unsubscribe_token, editable=False
    )
    suppressed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When mail to this address stopped because the mail provider reported a "
            "permanent bounce or a spam complaint. Cleared only when the subscriber signs up "
            "again and confirms by the link we email them."
        ),
    )
    suppression_reason = models.CharField(
        max_length=12,
        choices=Suppression.choices,
        blank=True,
        editable=False,
        help_text=_("Why mail to this address stopped."),
    )

    objects = SubscriberQuerySet.as_manager()

    panels = [FieldPanel("name"), FieldPanel("language"), FieldPanel("status")]

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscriber")
        permissions = [("export_subscriber", "Can export confirmed subscribers as CSV")]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email_hash = hash_email(self.email)
        loaded_status = getattr(self, "_loaded_status", None)
        if self.status == self.Status.UNSUBSCRIBED and loaded_status != self.status:
            self.unsubscribed_at = timezone.now()
            self.confirmation_nonce = ""
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def clean(self):
        # Editors may stop mail to an address; only the subscriber can (re)join, by the link.
        loaded_status = getattr(self, "_loaded_status", None)
        if self.status != loaded_status and self.status != self.Status.UNSUBSCRIBED:
            raise ValidationError(
                {
                    "status": _(
                        "Editors can only unsubscribe an address. Subscribers confirm, or "
                        "sign up again, themselves through the link we email them."
                    )
                }
            )

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    @property
    def is_suppressed(self):
        return self.suppressed_at is not None


class SuppressedAddress(models.Model):
    """What is left of an erased subscriber: enough to honour the unsubscribe, nothing more."""

    email_hash = models.CharField(max_length=64, unique=True)
    unsubscribe_token_hash = models.CharField(max_length=64, db_index=True, blank=True)
    erased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("erased address")
        verbose_name_plural = _("erased addresses")

    def __str__(self):
        return self.email_hash[:12]


class Bulletin(PreviewableMixin, ClusterableModel):
    """One issue of the e-bulletin: a subject, an introduction and a list of publications."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    # Not started: the editor may still change, schedule, cancel or send it.
    NOT_STARTED = (Status.DRAFT, Status.SCHEDULED, Status.CANCELLED)

    subject = models.CharField(
        max_length=200, help_text=_("The email subject line, e.g. 'BCSP e-bulletin — May 2025'.")
    )
    language = models.CharField(
        max_length=5,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Sent to the confirmed subscribers who chose this language."),
    )
    intro = RichTextField(
        blank=True,
        features=INTRO_FEATURES,
        help_text=_("A few sentences above the list of publications."),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    recipients_ready = models.BooleanField(default=False, editable=False)
    send_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the task worker sends a scheduled bulletin."),
    )
    # Names the one queued task allowed to start the scheduled send: scheduling again,
    # cancelling or sending now replaces it, so a task queued before does nothing.
    schedule_token = models.CharField(max_length=32, blank=True, editable=False)

    panels = [
        FieldPanel("subject"),
        FieldPanel("language"),
        FieldPanel("intro"),
        MultipleChooserPanel(
            "items",
            chooser_field_name="publication",
            heading=_("Publications"),
            label=_("Publication"),
            help_text=_(
                "In the order they should appear. Leave empty to include everything "
                "published in this language since the last bulletin; the list is filled "
                "in when you first save."
            ),
        ),
    ]

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bulletin")
        permissions = [("send_bulletin", "Can send bulletins to subscribers")]

    def __str__(self):
        return self.subject

    @property
    def is_draft(self):
        """Not started yet: a draft, a scheduled or a cancelled bulletin."""
        return self.status in self.NOT_STARTED

    @property
    def is_scheduled(self):
        return self.status == self.Status.SCHEDULED

    def state_label(self):
        """Its state as the listing and its page show it, times in the site's time zone."""
        if self.status == self.Status.SCHEDULED and self.send_at:
            return _("Scheduled for %(when)s") % {"when": format_site_time(self.send_at)}
        if self.status == self.Status.SENT and self.finished_at:
            return _("Sent at %(when)s") % {"when": format_site_time(self.finished_at)}
        return self.get_status_display()

    def recipients(self):
        return Subscriber.objects.mailable().filter(language=self.language)

    def default_publications(self):
        """Live publications in this language first published since the last bulletin."""
        previous = (
            Bulletin.objects.filter(language=self.language, queued_at__isnull=False)
            .exclude(pk=self.pk)
            .order_by("-queued_at")
            .values_list("queued_at", flat=True)
            .first()
        )
        since = previous or timezone.now() - timedelta(days=DEFAULT_ITEMS_LOOKBACK_DAYS)
        return list(
            listable_publications()
            .filter(locale__language_code=self.language, first_published_at__gt=since)
            .order_by("-first_published_at")[:DEFAULT_ITEMS_MAX]
        )

    def fill_default_items(self):
        """Give a bulletin without publications the default list (before its first save)."""
        if not self.items.all():
            self.items = [
                BulletinItem(publication=page, sort_order=order)
                for order, page in enumerate(self.default_publications())
            ]

    def publications(self):
        """The chosen publications that are still live, in the editor's order."""
        chosen = [item.publication_id for item in self.items.all() if item.publication_id]
        if not chosen:
            return self.default_publications()
        pages = listable_publications().filter(pk__in=chosen)
        by_id = {page.pk: page for page in pages}
        return [by_id[pk] for pk in chosen if pk in by_id]

    def progress(self):
        """Delivery counts: sent, failed, skipped and pending (pending includes in flight)."""
        counts = dict(self.deliveries.values_list("status").annotate(n=Count("pk")).order_by())
        return {
            "sent": counts.get(Delivery.Status.SENT, 0),
            "failed": counts.get(Delivery.Status.FAILED, 0),
            "skipped": counts.get(Delivery.Status.SKIPPED, 0),
            "pending": counts.get(Delivery.Status.PENDING, 0)
            + counts.get(Delivery.Status.SENDING, 0),
        }

    def responses(self):
        """What came back from this bulletin's emails: bounces, spam complaints and
        unsubscribes by its own link (one each per delivery, whatever the repeats)."""
        return self.deliveries.aggregate(**RESPONSE_COUNTS)

    def responses_summary(self):
        if self.is_draft:
            return "—"
        counts = {name: getattr(self, name, None) for name in RESPONSE_COUNTS}
        if None in counts.values():
            counts = self.responses()
        return (
            _(
                "%(bounced_count)s bounced, %(complained_count)s complained, "
                "%(unsubscribed_count)s unsubscribed"
            )
            % counts
        )

    def progress_summary(self):
        if self.is_draft:
            return "—"
        counts = {
            "sent": getattr(self, "sent_count", None),
            "failed": getattr(self, "failed_count", None),
            "pending": getattr(self, "pending_count", None),
        }
        if None in counts.values():
            counts = self.progress()
        return _("%(sent)s sent, %(failed)s failed, %(pending)s pending") % counts

    # Preview in the editor: the email exactly as a subscriber sees it, as HTML or plain text.
    @property
    def preview_modes(self):
        return [("html", _("Email (HTML)")), ("text", _("Email (plain text)"))]

    def serve_preview(self, request, mode_name):
        builder = BulletinMessageBuilder(self)
        if mode_name == "text":
            return HttpResponse(builder.preview_text(), content_type="text/plain; charset=utf-8")
        return email_preview_response(builder.preview_html())


class BulletinItem(Orderable):
    bulletin = ParentalKey(Bulletin, on_delete=models.CASCADE, related_name="items")
    publication = models.ForeignKey(
        settings.NEWSLETTER_PUBLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("A publication or op-ed to list in the bulletin."),
    )

    panels = [FieldPanel("publication")]

    class Meta(Orderable.Meta):
        verbose_name = _("publication")


def listable_publications():
    """The live, public pages a bulletin can list, with what its email shows of each.

    The page type is the one ``BulletinItem.publication`` points to
    (``NEWSLETTER_PUBLICATION_MODEL``); it offers ``summary``, ``publication_date``, a
    ``kind`` and ``author_links`` to authors (see ``emails.BulletinMessageBuilder``).
    """
    page_model = BulletinItem._meta.get_field("publication").related_model
    return (
        page_model.objects.live()
        .public()
        .select_related("kind")
        .prefetch_related("author_links__author")
    )


class Delivery(models.Model):
    """One bulletin to one subscriber: created before sending, claimed, then sent or failed.

    A delivery is claimed (pending → sending) by a conditional update before its email goes
    out, so a retried or concurrent task never sends it twice. One left in "sending" by a
    worker that died is marked failed rather than sent again: at most once beats twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (no longer subscribed)")

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # What the mail provider and the reader did with it (newsletter.tracking and the
    # unsubscribe link), so a bulletin's counts are one join, not a count per event.
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["bulletin", "subscriber"], name="one_delivery_per_subscriber"
            )
        ]
        indexes = [models.Index(fields=["bulletin", "status"], name="delivery_bulletin_status")]

    def __str__(self):
        return f"{self.bulletin_id}:{self.subscriber_id}:{self.status}"


class DeliveryEvent(models.Model):
    """What the mail provider reported about one email (from anymail's tracking webhook).

    Only the keyed hash of the address is kept: the subscriber row, while it exists, is
    where the address lives.
    """

    class Kind(models.TextChoices):
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Spam complaint")
        REJECTED = "rejected", _("Rejected by the provider")
        FAILED = "failed", _("Provider could not send")
        DEFERRED = "deferred", _("Delayed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed at the provider")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    bulletin = models.ForeignKey(
        Bulletin, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    email_hash = models.CharField(max_length=64, blank=True, db_index=True)
    provider = models.CharField(max_length=40)
    provider_event_id = models.CharField(max_length=255, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    reject_reason = models.CharField(max_length=20, blank=True)
    description = models.TextField(blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        constraints = [
            # Providers send an event again when the first answer was slow: count it once.
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"],
                condition=~Q(provider_event_id=""),
                name="one_row_per_provider_event",
            )
        ]

    def __str__(self):
        return f"{self.kind}:{self.provider_message_id}"


def format_site_time(value):
    """A date and time as editors read it: in the site's time zone, whoever is signed in."""
    return date_format(
        timezone.localtime(value, zoneinfo.ZoneInfo(settings.TIME_ZONE)), "DATETIME_FORMAT"
    )


RESPONSE_COUNTS = {
    "bounced_count": Count("pk", filter=Q(bounced_at__isnull=False)),
    "complained_count": Count("pk", filter=Q(complained_at__isnull=False)),
    "unsubscribed_count": Count("pk", filter=Q(unsubscribed_at__isnull=False)),
}


def annotate_progress(queryset):
    """Add delivery and response counts to a bulletin queryset (one query for a listing)."""
    return queryset.annotate(
        bounced_count=Count("deliveries", filter=Q(deliveries__bounced_at__isnull=False)),
        complained_count=Count("deliveries", filter=Q(deliveries__complained_at__isnull=False)),
        unsubscribed_count=Count("deliveries", filter=Q(deliveries__unsubscribed_at__isnull=False)),
        sent_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
        failed_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
        pending_count=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]),
        ),
    )
