"""The mail provider's reports (django-anymail's tracking webhook, here Postmark's real
payloads): authentication, what is recorded, suppression, and each bulletin's counts."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from newsletter.hashing import hash_email
from newsletter.models import Bulletin, Delivery, DeliveryEvent, Subscriber
from newsletter.tasks import send_bulletin, send_manage_link, send_welcome_email
from newsletter.tokens import make_bulletin_mark
from tests.newsletter.test_newsletter import (  # noqa: F401 (fixtures)
    bulk_subscribers,
    bulletin,
    confirm_path,
    make_subscriber,
    publications,
    sign_up,
    start_sending,
)
from tests.support.postmark import (
    SECRET,
    WEBHOOK,
    metadata_of,
    post_event,
    postmark_bounce,
    postmark_spam_complaint,
)


@pytest.fixture
def webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def sent_bulletin(bulletin, count=3):  # noqa: F811
    subscribers = bulk_subscribers(count)
    start_sending(bulletin)
    send_bulletin.call(bulletin.pk)
    deliveries = {
        d.subscriber.email: d
        for d in Delivery.objects.filter(bulletin=bulletin).select_related("subscriber")
    }
    return subscribers, deliveries


def test_each_bulletin_email_says_which_delivery_it_is(bulletin):  # noqa: F811
    _subscribers, deliveries = sent_bulletin(bulletin, 2)
    for message in mail.outbox:
        delivery = deliveries[message.to[0]]
        assert message.metadata == metadata_of(delivery)
        assert message.tags == ["e-bulletin"]
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize(
    "credentials", [None, "postmark:wrong-secret", "someone:a-long-webhook-secret"]
)
def test_webhook_without_valid_auth_is_refused(bulletin, webhook_secret, credentials):  # noqa: F811
    _subscribers, deliveries = sent_bulletin(bulletin, 1)
    delivery = deliveries["reader0@example.org"]
    response = post_event(
        postmark_bounce("reader0@example.org", metadata_of(delivery)), credentials
    )
    assert response.status_code == 400
    assert not DeliveryEvent.objects.exists()
    assert not Subscriber.objects.filter(suppressed_at__isnull=False).exists()


def test_webhook_is_off_until_a_secret_is_set(bulletin, settings):  # noqa: F811
    settings.ANYMAIL = {}
    response = post_event(postmark_bounce("reader0@example.org", {}), credentials=None)
    assert response.status_code == 403
    assert not DeliveryEvent.objects.exists()


def test_webhook_takes_only_posts(db, webhook_secret):
    assert Client().get(WEBHOOK).status_code == 405
    assert Client().put(WEBHOOK).status_code == 405


def test_hard_bounce_is_recorded_and_stops_all_mail(bulletin, webhook_secret):  # noqa: F811
    _subscribers, deliveries = sent_bulletin(bulletin, 3)
    delivery = deliveries["reader1@example.org"]
    response = post_event(postmark_bounce("reader1@example.org", metadata_of(delivery)))
    assert response.status_code == 200

    event = DeliveryEvent.objects.get()
    assert event.kind == DeliveryEvent.Kind.BOUNCED
    assert event.delivery == delivery
    assert event.bulletin == bulletin
    assert event.email_hash == hash_email("reader1@example.org")
    assert event.provider == "Postmark"
    delivery.refresh_from_db()
    assert delivery.bounced_at is not None
    bounced = Subscriber.objects.get(email="reader1@example.org")
    assert bounced.suppression_reason == Subscriber.Suppression.BOUNCED
    assert bounced.suppressed_at is not None

    # No further bulletin, welcome or manage link goes to it; the others still get theirs.
    mail.outbox.clear()
    following = Bulletin.objects.create(subject="BCSP e-bulletin — July", language="en")
    start_sending(following)
    send_bulletin.call(following.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["reader0@example.org", "reader2@example.org"]
    mail.outbox.clear()
    send_welcome_email.call(bounced.pk)
    send_manage_link.call(bounced.email_hash)
    assert mail.outbox == []


def test_a_bulletin_already_going_out_skips_an_address_that_bounced(bulletin, webhook_secret):  # noqa: F811
    from newsletter.tasks import prepare_deliveries

    bulk_subscribers(2)
    start_sending(bulletin)
    prepare_deliveries(bulletin)  # the list is fixed before the bounce arrives
    post_event(postmark_bounce("reader0@example.org", {}))
    send_bulletin.call(bulletin.pk)
    assert [m.to[0] for m in mail.outbox] == ["reader1@example.org"]
    assert Delivery.objects.get(subscriber__email="reader0@example.org").status == "skipped"


def test_spam_complaint_is_recorded_and_stops_all_mail(bulletin, webhook_secret):  # noqa: F811
    _subscribers, deliveries = sent_bulletin(bulletin, 2)
    delivery = deliveries["reader0@example.org"]
    assert (
        post_event(
            postmark_spam_complaint("reader0@example.org", metadata_of(delivery))
        ).status_code
        == 200
    )
    delivery.refresh_from_db()
    assert delivery.complained_at is not None
    assert DeliveryEvent.objects.get().kind == DeliveryEvent.Kind.COMPLAINED
    subscriber = Subscriber.objects.get(email="reader0@example.org")
    assert subscriber.suppression_reason == Subscriber.Suppression.COMPLAINED
    assert subscriber not in Subscriber.objects.mailable()


def test_soft_bounce_is_counted_but_stops_nothing(bulletin, webhook_secret):  # noqa: F811
    _subscribers, deliveries = sent_bulletin(bulletin, 1)
    delivery = deliveries["reader0@example.org"]
    payload = postmark_bounce(
        "reader0@example.org", metadata_of(delivery), Type="SoftBounce", TypeCode=4096
    )
    assert post_event(payload).status_code == 200
    assert DeliveryEvent.objects.get().kind == DeliveryEvent.Kind.BOUNCED
    assert Subscriber.objects.get(email="reader0@example.org").suppressed_at is None


def test_event_found_by_the_provider_message_id(bulletin, webhook_secret):  # noqa: F811
    _subscribers, deliveries = sent_bulletin(bulletin, 1)
    delivery = deliveries["reader0@example.org"]
    Delivery.objects.filter(pk=delivery.pk).update(provider_message_id="abc-123")
    post_event(postmark_bounce("reader0@example.org", {}, message_id="abc-123"))
    assert DeliveryEvent.objects.get().delivery_id == delivery.pk


def test_metadata_naming_someone_else_ties_the_event_to_nothing(bulletin, webhook_secret):  # noqa: F811
    _subscribers, deliveries = sent_bulletin(bulletin, 2)
    other = deliveries["reader1@example.org"]
    post_event(postmark_bounce("reader0@example.org", metadata_of(other)))
    assert DeliveryEvent.objects.get().delivery is None
    other.refresh_from_db()
    assert other.bounced_at is None


def test_the_same_event_twice_is_recorded_once(bulletin, webhook_secret):  # noqa: F811
    _subscribers, deliveries = sent_bulletin(bulletin, 1)
    payload = postmark_bounce("reader0@example.org", metadata_of(deliveries["reader0@example.org"]))
    assert post_event(payload).status_code == 200
    assert post_event(payload).status_code == 200
    assert DeliveryEvent.objects.count() == 1


def test_signing_up_again_and_confirming_lifts_the_suppression(client, home_page, webhook_secret):
    make_subscriber("ana@example.org")
    post_event(postmark_bounce("ana@example.org", {}))
    assert Subscriber.objects.get(email="ana@example.org").is_suppressed
    sign_up(client)  # the same address: a confirmation link goes out
    assert len(mail.outbox) == 1
    assert not Subscriber.objects.mailable().filter(email="ana@example.org").exists()
    path = confirm_path(mail.outbox[0])
    client.post(path, {"name": "Ana"})
    subscriber = Subscriber.objects.get(email="ana@example.org")
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert not subscriber.is_suppressed


UNSUBSCRIBE_IN_BODY = re.compile(r"http://testserver(/en/e-bulletin/unsubscribe/\S+)")


def test_unsubscribes_are_credited_to_the_bulletin_whose_link_was_used(bulletin):  # noqa: F811
    subscribers, deliveries = sent_bulletin(bulletin, 3)
    by_email = {m.to[0]: m for m in mail.outbox}
    # One-click from the mail program, with the bulletin's link.
    link = by_email["reader0@example.org"].extra_headers["List-Unsubscribe"][1:-1]
    response = Client().post(
        link.removeprefix("http://testserver"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    # The page's button, reached from the link in the text.
    path = UNSUBSCRIBE_IN_BODY.search(by_email["reader1@example.org"].body)[1]
    page = Client().get(path)
    assert "?from=" in page.content.decode()
    form_action = re.search(r'<form method="post" action="([^"]+)"', page.content.decode())[1]
    Client().post(form_action.replace("&amp;", "&"))
    # A forged mark (another bulletin's id, a guessed fingerprint) counts for nothing.
    reader2 = Subscriber.objects.get(email="reader2@example.org")
    other = Bulletin.objects.create(subject="Other", status=Bulletin.Status.SENT)
    Delivery.objects.create(bulletin=other, subscriber=reader2, status=Delivery.Status.SENT)
    forged = make_bulletin_mark(reader2.unsubscribe_token, bulletin.pk).replace(
        f"{bulletin.pk}.", f"{other.pk}."
    )
    Client().post(f"/en/e-bulletin/unsubscribe/{reader2.unsubscribe_token}/?from={forged}")
    assert Subscriber.objects.get(pk=reader2.pk).status == Subscriber.Status.UNSUBSCRIBED

    assert bulletin.responses()["unsubscribed_count"] == 2
    assert other.responses()["unsubscribed_count"] == 0
    # Unsubscribing again changes nothing.
    Client().post(link.removeprefix("http://testserver"))
    assert bulletin.responses()["unsubscribed_count"] == 2


def test_counts_on_the_bulletin_page_and_listing(admin_client, bulletin, webhook_secret):  # noqa: F811
    _subscribers, deliveries = sent_bulletin(bulletin, 4)
    Delivery.objects.filter(pk=deliveries["reader3@example.org"].pk).update(status="failed")
    post_event(
        postmark_bounce("reader0@example.org", metadata_of(deliveries["reader0@example.org"]))
    )
    post_event(
        postmark_spam_complaint(
            "reader1@example.org", metadata_of(deliveries["reader1@example.org"])
        )
    )
    reader2 = Subscriber.objects.get(email="reader2@example.org")
    Client().post(
        f"/en/e-bulletin/unsubscribe/{reader2.unsubscribe_token}/"
        f"?from={make_bulletin_mark(reader2.unsubscribe_token, bulletin.pk)}"
    )
    listing = admin_client.get("/admin/e-bulletin/bulletins/").content.decode()
    assert "3 sent, 1 failed, 0 pending" in listing
    assert "1 bounced, 1 complained, 1 unsubscribed" in listing
    page = admin_client.get(f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/").content.decode()
    assert re.search(r"<dt>Bounced</dt><dd>1</dd>", page)
    assert re.search(r"<dt>Reported as spam</dt><dd>1</dd>", page)
    assert re.search(r"<dt>Unsubscribed by its link</dt><dd>1</dd>", page)
    subscribers = admin_client.get("/admin/e-bulletin/subscribers/").content.decode()
    assert "Bounced (the address does not receive mail)" in subscribers
    assert "Reported our email as spam" in subscribers


def test_listing_counts_cost_the_same_queries_at_two_sizes(admin_client, bulletin, webhook_secret):  # noqa: F811
    def listing_queries():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/admin/e-bulletin/bulletins/").status_code == 200
        return len(queries)

    sent_bulletin(bulletin, 2)
    few = listing_queries()
    for number in range(6):
        more = Bulletin.objects.create(subject=f"More {number}", language="en")
        start_sending(more)
        send_bulletin.call(more.pk)
    for delivery in Delivery.objects.select_related("subscriber")[:5]:
        post_event(postmark_bounce(delivery.subscriber.email, metadata_of(delivery)))
    assert listing_queries() == few
