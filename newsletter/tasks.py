"""Background work for the e-bulletin (django-tasks; `python manage.py db_worker` in production).

What a visitor asks of the sign-up form is done here, never while they wait: whether the
address is new, pending, confirmed or unsubscribed decides what is stored and sent, and
looking that up in the request would make the answer take longer for some states than for
others. The request only checks the form and the limits and queues a task.
"""

import logging
from datetime import datetime, timedelta

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django_tasks import task

from .emails import (
    BulletinMessageBuilder,
    confirmation_message,
    manage_link_message,
    welcome_message,
)
from .hashing import hash_email
from .models import Bulletin, Delivery, Subscriber, new_confirmation_nonce

logger = logging.getLogger("bcsp.newsletter")

BATCH_SIZE = 200
# A delivery claimed longer ago than this by a worker that is gone counts as interrupted.
STALE_CLAIM_AFTER = timedelta(minutes=15)
ERROR_MAX_LENGTH = 1000


@task()
def sign_up(*, email, name, language, consent_text, consent_language, consent_ip_hash, consent_at):
    """Store or refresh a pending sign-up and email a confirmation link.

    Confirmed addresses are left exactly as they are and get no email, unless their mail was
    stopped by a bounce or a spam complaint: those wait for confirmation again. Unsubscribed
    addresses stay unsubscribed (keeping their date) until the new link is used.
    ``consent_at`` is when the visitor sent the form (ISO 8601), not when this runs.
    """
    consent = {
        "consent_text": consent_text,
        "consent_at": datetime.fromisoformat(consent_at),
        "consent_ip_hash": consent_ip_hash,
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
            if subscriber.status == Subscriber.Status.CONFIRMED and not subscriber.is_suppressed:
                return "confirmed already"
            if subscriber.status == Subscriber.Status.CONFIRMED:
                # Mail stopped after a bounce or a spam complaint: only a new confirmation
                # by the address's owner lifts that (services.confirm).
                subscriber.status = Subscriber.Status.PENDING
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
    send_confirmation_email.enqueue(subscriber.pk)
    return "created" if created else "refreshed"


@task()
def resend_confirmation(subscriber_id, nonce):
    """Email a fresh link for a still-unconfirmed sign-up whose link expired."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id, confirmation_nonce=nonce).first()
    if subscriber is None or subscriber.status == Subscriber.Status.CONFIRMED:
        return "skipped"
    confirmation_message(subscriber).send()
    return "sent"


@task()
def send_confirmation_email(subscriber_id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if (
        subscriber is None
        or subscriber.status == Subscriber.Status.CONFIRMED
        or not subscriber.confirmation_nonce
    ):
        return "skipped"
    confirmation_message(subscriber).send()
    return "sent"


@task()
def send_welcome_email(subscriber_id):
    subscriber = Subscriber.objects.mailable().filter(pk=subscriber_id).first()
    if subscriber is None:
        return "skipped"
    welcome_message(subscriber).send()
    return "sent"


@task()
def send_manage_link(email_hash):
    """A manage link for the subscription of this address, if it receives bulletins;
    nothing otherwise (the visitor was told the same either way)."""
    subscriber = Subscriber.objects.mailable().filter(email_hash=email_hash).first()
    if subscriber is None:
        return "skipped"
    manage_link_message(subscriber).send()
    return "sent"


@task()
def send_test_bulletin(bulletin_id, email):
    bulletin = Bulletin.objects.get(pk=bulletin_id)
    BulletinMessageBuilder(bulletin).test_message(email).send()
    return "sent"


@task()
def send_scheduled_bulletin(bulletin_id, schedule_token):
    """Start a scheduled bulletin at its time (queued with ``run_after=send_at``).

    Only the task queued by the latest scheduling may start it: cancelling, scheduling
    again or sending now replaces ``schedule_token``, so a task queued before does nothing.
    Starting is one conditional update (scheduled → sending), so of a cancel and a start,
    or of two workers running this task, exactly one wins. A run whose worker died after
    starting goes on sending (``send_bulletin`` never sends anyone a bulletin twice).
    """
    now = timezone.now()
    current = Bulletin.objects.filter(pk=bulletin_id, schedule_token=schedule_token)
    started = current.filter(status=Bulletin.Status.SCHEDULED, send_at__lte=now).update(
        status=Bulletin.Status.SENDING, queued_at=now
    )
    if not started:
        bulletin = current.first()
        if bulletin is None or not schedule_token:
            return "outdated"
        if bulletin.status == Bulletin.Status.SCHEDULED:
            # Run early (a backend that ignored run_after): wait for the time instead.
            if send_bulletin.get_backend().supports_defer:
                send_scheduled_bulletin.using(run_after=bulletin.send_at).enqueue(
                    bulletin_id, schedule_token
                )
            return "early"
        if bulletin.status != Bulletin.Status.SENDING:
            return "outdated"
    return send_bulletin.call(bulletin_id)


def prepare_deliveries(bulletin):
    """Fix the recipient list once: one pending delivery per confirmed subscriber."""
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if locked.recipients_ready:
            return
        recipient_ids = locked.recipients().values_list("pk", flat=True)
        Delivery.objects.bulk_create(
            (Delivery(bulletin=locked, subscriber_id=pk) for pk in recipient_ids.iterator()),
            batch_size=1000,
            ignore_conflicts=True,
        )
        locked.recipients_ready = True
        locked.save(update_fields=["recipients_ready"])


@task()
def send_bulletin(bulletin_id):
    """Send a bulletin to every recipient at most once; safe to run again to resume."""
    bulletin = Bulletin.objects.filter(pk=bulletin_id).first()
    if bulletin is None or bulletin.status != Bulletin.Status.SENDING:
        return None
    prepare_deliveries(bulletin)

    # Claimed by a worker that died mid-send: the email may or may not have gone out.
    # Sending it again could mean twice, so it is recorded as failed instead.
    Delivery.objects.filter(
        bulletin=bulletin,
        status=Delivery.Status.SENDING,
        attempted_at__lt=timezone.now() - STALE_CLAIM_AFTER,
    ).update(
        status=Delivery.Status.FAILED,
        error=gettext("Interrupted while sending; not sent again in case it had gone out."),
    )

    builder = BulletinMessageBuilder(bulletin)
    connection = get_connection()
    try:
        while True:
            batch = list(
                Delivery.objects.filter(bulletin=bulletin, status=Delivery.Status.PENDING)
                .select_related("subscriber")
                .order_by("pk")[:BATCH_SIZE]
            )
            if not batch:
                break
            for delivery in batch:
                connection = _deliver(delivery, builder, connection)
    finally:
        connection.close()

    _finish(bulletin)
    return bulletin.progress()


def _deliver(delivery, builder, connection):
    """Claim, send and record one delivery. Returns the (possibly renewed) connection."""
    # The claim filters on the delivery's own row only: a condition on the subscriber would
    # make Django update "WHERE id IN (SELECT … JOIN …)", which PostgreSQL does not check
    # again after waiting for another worker's claim, so both would send.
    claimed = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING, attempted_at=timezone.now()
    )
    if not claimed:
        return connection  # another worker has it
    subscriber = Subscriber.objects.mailable().filter(pk=delivery.subscriber_id).first()
    if subscriber is None:
        # The subscriber left (or their mail bounced) since the list was fixed.
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SKIPPED)
        return connection
    delivery.subscriber = subscriber
    try:
        message = builder.message(delivery.subscriber, delivery=delivery)
        message.connection = connection
        message.send()
    except Exception as error:
        logger.warning("Bulletin %s to subscriber %s failed: %r", *_ids(delivery), error)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH],
        )
        # The connection may be broken; start the next message on a fresh one.
        try:
            connection.close()
        except Exception:  # noqa: S110 (closing a broken connection may fail; nothing to do)
            pass
        return get_connection()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        provider_message_id=_provider_message_id(message),
    )
    return connection


def _provider_message_id(message):
    """The id the mail provider gave the message (django-anymail backends), or ''."""
    status = getattr(message, "anymail_status", None)
    return (getattr(status, "message_id", None) or "")[:255] if status else ""


def _ids(delivery):
    return delivery.bulletin_id, delivery.subscriber_id


def _finish(bulletin):
    deliveries = Delivery.objects.filter(bulletin=bulletin)
    if not deliveries.filter(
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).exists():
        Bulletin.objects.filter(pk=bulletin.pk, status=Bulletin.Status.SENDING).update(
            status=Bulletin.Status.SENT, finished_at=timezone.now()
        )
        return
    # Claimed by another run: one still sending, or one whose worker died (a run that the
    # queue started again after losing its worker ends here). Look again once those claims
    # count as interrupted, so the bulletin is finished either way.
    last_claim = deliveries.filter(status=Delivery.Status.SENDING).aggregate(
        last=Max("attempted_at")
    )["last"]
    if last_claim is not None and send_bulletin.get_backend().supports_defer:
        follow_up = send_bulletin.using(
            run_after=last_claim + STALE_CLAIM_AFTER + timedelta(seconds=1)
        )
        follow_up.enqueue(bulletin.pk)
