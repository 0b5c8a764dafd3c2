"""What happens to subscribers: sign-up, confirmation, unsubscribe and erasure.

Views call these; they hold the transactions and decide which emails go out, so the
views can answer every visitor the same way whatever the address's state.
"""

from django.db import transaction
from django.utils import timezone

from bcsp_site.core.visitors import hash_ip

from . import tasks
from .hashing import hash_email, hash_token
from .models import Delivery, Subscriber, SuppressedAddress
from .tokens import manage_token_matches


def request_signup(*, email, name, language, consent_text, consent_language, ip):
    """Queue the sign-up (``tasks.sign_up``): the same work in the request for every address,
    so neither the answer nor its timing says whether the address is known."""
    tasks.sign_up.enqueue(
        email=email,
        name=name,
        language=language,
        consent_text=consent_text,
        consent_language=consent_language,
        consent_ip_hash=hash_ip(ip, "newsletter"),
        consent_at=timezone.now().isoformat(),
    )


def request_new_link(subscriber_id, nonce):
    """Queue a fresh confirmation link for an expired one; whether the sign-up is still
    waiting is looked up in the task (``tasks.resend_confirmation``)."""
    tasks.resend_confirmation.enqueue(subscriber_id, nonce)


class ConfirmResult:
    CONFIRMED = "confirmed"
    USED = "used"


def confirm(subscriber_id, nonce, name=""):
    """Confirm a pending sign-up and welcome the subscriber (with their manage link).

    ``name`` is the name as the address's owner confirmed it; the one typed at sign-up is
    replaced by it."""

    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .filter(pk=subscriber_id, confirmation_nonce=nonce)
            .first()
        )
        if subscriber is None or subscriber.status == Subscriber.Status.CONFIRMED:
            return ConfirmResult.USED, None
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.confirmed_at = timezone.now()
        subscriber.confirmation_nonce = ""
        subscriber.name = name
        # The owner of the address just read our email and asked again: a bounce or spam
        # complaint recorded before no longer speaks for it.
        subscriber.suppressed_at = None
        subscriber.suppression_reason = ""
        subscriber.save()
        # A new, explicit opt-in lifts an earlier erasure of the same address.
        SuppressedAddress.objects.filter(email_hash=subscriber.email_hash).delete()
    tasks.send_welcome_email.enqueue(subscriber.pk)
    return ConfirmResult.CONFIRMED, subscriber


def request_manage_link(email):
    """Email a link to manage the subscription, if the address has one that receives mail.

    Only the keyed hash of the address goes to the task: whether it is subscribed is
    looked up there, so the request is answered the same way, in the same time, whatever
    the address's state (and the task queue never stores an address).
    """

    tasks.send_manage_link.enqueue(hash_email(email))


def find_by_manage_token(payload):
    """The subscriber a valid manage token was made for, or None (erased, or another's)."""
    subscriber = Subscriber.objects.filter(pk=payload["s"]).first()
    if subscriber is None or not manage_token_matches(payload, subscriber):
        return None
    return subscriber


def change_language(subscriber, language):
    """Bulletins in the other language from now on; only for confirmed subscribers."""
    updated = Subscriber.objects.filter(
        pk=subscriber.pk, status=Subscriber.Status.CONFIRMED
    ).update(language=language)
    if updated:
        subscriber.language = language
    return bool(updated)


def unsubscribe(subscriber, from_bulletin_id=None):
    """Stop all mail at once; idempotent. The date is kept as the record.

    ``from_bulletin_id``: the bulletin whose link was used (a mark checked by
    ``tokens.read_bulletin_mark``); the unsubscribe counts for that bulletin, once.
    """
    with transaction.atomic():
        locked = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if locked.status != Subscriber.Status.UNSUBSCRIBED:
            locked.status = Subscriber.Status.UNSUBSCRIBED
            locked.save()
            if from_bulletin_id is not None:
                Delivery.objects.filter(
                    bulletin_id=from_bulletin_id, subscriber=locked, unsubscribed_at=None
                ).update(unsubscribed_at=locked.unsubscribed_at)
    return locked


def erase(subscriber):
    """Delete the subscriber; ``signals.keep_suppression_hash`` keeps only the hashes."""
    subscriber.delete()


def find_by_unsubscribe_token(token):
    """(subscriber, erased): the subscriber, or whether the token belonged to one erased."""
    subscriber = Subscriber.objects.filter(unsubscribe_token=token).first()
    if subscriber is not None:
        return subscriber, False
    erased = SuppressedAddress.objects.filter(unsubscribe_token_hash=hash_token(token)).exists()
    return None, erased
