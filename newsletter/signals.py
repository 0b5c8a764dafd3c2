"""What happens when a subscriber is deleted. Connected in ``NewsletterConfig.ready``."""

from django.db.models.signals import pre_delete
from django.utils import timezone

from .hashing import hash_token
from .models import DeliveryEvent, Subscriber, SuppressedAddress


def keep_suppression_hash(sender, instance, **kwargs):
    """Whatever deletes a subscriber (erasure link, admin, clean-up), keep no personal data:
    delivery records lose their error texts (which may quote the address) and anyone who
    ever confirmed leaves a keyed hash so the unsubscribe is honoured."""
    instance.deliveries.exclude(error="").update(error="")
    # The provider's words about a bounce may quote the address.
    DeliveryEvent.objects.filter(email_hash=instance.email_hash).exclude(description="").update(
        description=""
    )
    if instance.confirmed_at is not None:
        SuppressedAddress.objects.update_or_create(
            email_hash=instance.email_hash,
            defaults={
                "unsubscribe_token_hash": hash_token(instance.unsubscribe_token),
                "erased_at": timezone.now(),
            },
        )


def connect():
    pre_delete.connect(
        keep_suppression_hash, sender=Subscriber, dispatch_uid="newsletter-erase-subscriber"
    )
