"""What happens to subscribers: sign-up, confirmation, unsubscribe and erasure.

Views call these; they hold the transactions and decide which emails go out, so the
views can answer every visitor the same way whatever the address's state.
"""

from django.db import transaction
from django.utils import timezone

from bcsp_site.core.visitors import hash_ip

from . import tasks
from .hashing import hash_email, hash_token
from .models import Subscriber, SuppressedAddress, new_confirmation_nonce
from .tokens import manage_token_matches


def subscribe(*, email, name, language, consent_text, consent_language, ip):
    """Store or refresh a pending sign-up and email a confirmation link.

    Confirmed addresses are left exactly as they are and get no email. Unsubscribed
    addresses stay unsubscribed (keeping their date) until the new link is used.
    Returns the subscriber, or None when no email was sent.
    """

    consent = {
        "consent_text": consent_text,
        "consent_at": timezone.now(),
        "consent_ip_hash": hash_ip(ip, "newsletter"),
        "consent_language": consent_language,
    }
    with transaction.atomic():
        # get_or_create on the unique hash: concurrent sign-ups of one address make one
        # row (the losers of the race get an IntegrityError inside a savepoint and re-read).
        subscriber, created = Subscriber.objects.get_or_create(
            email_hash=hash_email(email),
            defaults={
                "email": email,
                "name": name,
                "language": language,
                "confirmation_nonce": new_confirmation_nonce(),
                **consent,
            },
        )
        if not created:
            subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
            if subscriber.status == Subscriber.Status.CONFIRMED:
                return None
            subscriber.email = email
            subscriber.name = name
            subscriber.language = language
            for field, value in consent.items():
                setattr(subscriber, field, value)
            if not subscriber.confirmation_nonce:
                subscriber.confirmation_nonce = new_confirmation_nonce()
            subscriber.save()
    # The database backend stores the task in the same database, so the worker only sees
    # it once the sign-up above is committed.
    tasks.send_confirmation_email.enqueue(subscriber.pk)
    return subscriber


def resend_confirmation(subscriber_id, nonce):
    """Email a fresh link for a still-unconfirmed sign-up whose link expired."""

    subscriber = Subscriber.objects.filter(pk=subscriber_id, confirmation_nonce=nonce).first()
    if subscriber is None or subscriber.status == Subscriber.Status.CONFIRMED:
        return None
    tasks.send_confirmation_email.enqueue(subscriber.pk)
    return subscriber


class ConfirmResult:
    CONFIRMED = "confirmed"
    USED = "used"


def confirm(subscriber_id, nonce):
    """Confirm a pending sign-up and welcome the subscriber (with their manage link)."""

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


def unsubscribe(subscriber):
    """Stop all mail at once; idempotent. The date is kept as the record."""
    with transaction.atomic():
        locked = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if locked.status != Subscriber.Status.UNSUBSCRIBED:
            locked.status = Subscriber.Status.UNSUBSCRIBED
            locked.save()
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
