"""What the mail provider reports about the e-bulletin's emails (anymail's ``tracking``
signal, from the webhooks in ``newsletter.webhooks``).

Bounces, spam complaints, refusals, failures, delays and the provider's own unsubscribes
are recorded as ``DeliveryEvent`` rows and, for a bulletin's email, on its delivery (for the
bulletin's counts). A permanent bounce, a spam complaint, or a refusal because of one stops
all further mail to the address (``Subscriber.suppressed_at``): ``Subscriber.mailable``
leaves it out of every bulletin, welcome and manage-link email. Only the address's owner
lifts it, by signing up again and confirming (``services.confirm``).

An event is tied to its delivery by the metadata every bulletin email carries
(``emails.BulletinMessageBuilder.message``), or else by the provider's message id stored
when it was sent. Providers send an event again when our answer was slow: the provider's
event id is unique, so a repeat changes nothing.
"""

import logging

from anymail.signals import EventType, RejectReason
from django.db import IntegrityError, transaction
from django.utils import timezone

from .hashing import hash_email
from .models import Delivery, DeliveryEvent, Subscriber

logger = logging.getLogger("bcsp.newsletter")

RECORDED = {
    EventType.BOUNCED: DeliveryEvent.Kind.BOUNCED,
    EventType.COMPLAINED: DeliveryEvent.Kind.COMPLAINED,
    EventType.REJECTED: DeliveryEvent.Kind.REJECTED,
    EventType.FAILED: DeliveryEvent.Kind.FAILED,
    EventType.DEFERRED: DeliveryEvent.Kind.DEFERRED,
    EventType.UNSUBSCRIBED: DeliveryEvent.Kind.UNSUBSCRIBED,
}
# A refusal because the provider already knows the address bounced, complained or is not
# an address at all speaks for the address; one for its own policy or a timeout does not.
SUPPRESSING_REJECTIONS = {
    RejectReason.BOUNCED: Subscriber.Suppression.BOUNCED,
    RejectReason.INVALID: Subscriber.Suppression.BOUNCED,
    RejectReason.SPAM: Subscriber.Suppression.COMPLAINED,
}
# Anymail reports some temporary bounces as "bounced": Postmark's SoftBounce, Amazon SES's
# Transient and Undetermined bounce types. They are recorded and counted, not suppressed.
SOFT_BOUNCE_TYPES = {"SoftBounce"}
SOFT_SES_PREFIXES = ("Transient", "Undetermined")


def is_soft_bounce(event):
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    if esp_event.get("Type") in SOFT_BOUNCE_TYPES:
        return True
    return (event.description or "").startswith(SOFT_SES_PREFIXES)


def suppression_for(event):
    """Why this event stops mail to its address, or None."""
    if event.event_type == EventType.BOUNCED and not is_soft_bounce(event):
        return Subscriber.Suppression.BOUNCED
    if event.event_type == EventType.COMPLAINED:
        return Subscriber.Suppression.COMPLAINED
    if event.event_type == EventType.REJECTED:
        return SUPPRESSING_REJECTIONS.get(event.reject_reason)
    return None


def find_delivery(event):
    metadata = event.metadata or {}
    delivery_id = str(metadata.get("delivery", ""))
    if delivery_id.isdigit():
        delivery = Delivery.objects.filter(pk=int(delivery_id)).first()
        if delivery is not None:
            return delivery
    if event.message_id:
        return Delivery.objects.filter(provider_message_id=str(event.message_id)[:255]).first()
    return None


def handle_tracking(sender, event, esp_name, **kwargs):
    kind = RECORDED.get(event.event_type)
    if kind is None:
        return  # delivered, opened, clicked…: not recorded
    email_hash = hash_email(event.recipient) if event.recipient else ""
    delivery = find_delivery(event)
    if delivery is not None and email_hash and delivery.subscriber_id:
        # The metadata names a delivery to someone else: record the event, tie it to nothing.
        if not Subscriber.objects.filter(pk=delivery.subscriber_id, email_hash=email_hash).exists():
            delivery = None
    now = timezone.now()
    try:
        with transaction.atomic():
            DeliveryEvent.objects.create(
                kind=kind,
                delivery=delivery,
                bulletin_id=delivery.bulletin_id if delivery else None,
                email_hash=email_hash,
                provider=esp_name[:40],
                provider_event_id=str(event.event_id or "")[:255],
                provider_message_id=str(event.message_id or "")[:255],
                reject_reason=event.reject_reason or "",
                description=(event.description or "")[:1000],
                occurred_at=event.timestamp,
            )
    except IntegrityError:
        return  # the same event again
    if delivery is not None:
        if kind == DeliveryEvent.Kind.BOUNCED or (
            kind == DeliveryEvent.Kind.REJECTED and suppression_for(event)
        ):
            Delivery.objects.filter(pk=delivery.pk, bounced_at=None).update(bounced_at=now)
        elif kind == DeliveryEvent.Kind.COMPLAINED:
            Delivery.objects.filter(pk=delivery.pk, complained_at=None).update(complained_at=now)
    reason = suppression_for(event)
    if reason and email_hash:
        suppressed = Subscriber.objects.filter(
            email_hash=email_hash, suppressed_at__isnull=True
        ).update(suppressed_at=now, suppression_reason=reason)
        if suppressed:
            logger.info("Mail to subscriber stopped: %s reported by %s", reason, esp_name)


def connect():
    from anymail.signals import tracking

    tracking.connect(handle_tracking, dispatch_uid="newsletter-tracking")
