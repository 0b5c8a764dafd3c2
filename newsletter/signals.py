"""What happens when a subscriber is deleted. Connected in ``NewsletterConfig.ready``."""

from django.utils import timezone

from .hashing import hash_token
from .models import SuppressedAddress


def keep_suppression_hash(sender, instance, **kwargs):
    """Whatever deletes a subscriber (erasure link, admin, clean-up), keep no personal data:
    delivery records lose their error texts (which may quote the address) and anyone who
    ever confirmed leaves a keyed hash so the unsubscribe is honoured."""
    instance.deliveries.exclude(error="").update(error="")
    if instance.confirmed_at is not None:
        SuppressedAddress.objects.update_or_create(
            email_hash=instance.email_hash,
            defaults={
                "unsubscribe_token_hash": hash_token(instance.unsubscribe_token),
                "erased_at": timezone.now(),
            },
        )
