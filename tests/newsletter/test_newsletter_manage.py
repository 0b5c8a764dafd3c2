"""Subscribers manage their own subscription: a link by email, the language, unsubscribing."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks.signals import task_enqueued

from bcsp_site.core.logging import redact
from newsletter.hashing import hash_email
from newsletter.models import Bulletin, Subscriber, SuppressedAddress
from newsletter.tasks import send_bulletin
from newsletter.tokens import make_manage_token
from tests.support.factories import PublicationPageFactory

SIGNUP_URL = "/en/e-bulletin/"
MANAGE_URL = "/en/e-bulletin/manage/"
SENT_URL = "/en/e-bulletin/manage/link-sent/"
MANAGE_LINK = re.compile(r"http://testserver(/(en|sr)/e-bulletin/manage/[^/\s\"]+/)")
CYRILLIC = re.compile("[\u0400-\u04ff]")


def subscriber(email="reader@example.org", language="en", status=Subscriber.Status.CONFIRMED):
    now = timezone.now()
    return Subscriber.objects.create(
        email=email,
        name="Reader",
        language=language,
        status=status,
        confirmed_at=now if status != Subscriber.Status.PENDING else None,
        consent_text="I agree.",
        consent_at=now,
    )


def manage_path(message):
    match = MANAGE_LINK.search(message.body)
    assert match, message.body
    assert match[0] in message.alternatives[0][0]
    return match[1]


def ask(email, client=None, **headers):
    return (client or Client()).post(MANAGE_URL, {"email": email}, **headers)


# The e-bulletin page -----------------------------------------------------------------------


def test_e_bulletin_page_has_one_signup_and_one_manage_form(client, home_page):
    html = client.get(SIGNUP_URL).content.decode()
    assert html.count('<form class="signup-form"') == 1
    assert (
        html.count('<form class="manage-form" method="post" action="/en/e-bulletin/manage/"') == 1
    )
    assert '<h2 id="manage-heading">Manage your subscription</h2>' in html
    assert '<label for="manage-email">Email address</label>' in html
    assert "csrfmiddlewaretoken" not in html  # served from the page cache to everyone


def test_every_page_with_the_signup_block_points_to_the_manage_form(client, home_page):
    html = client.get("/en/").content.decode()
    assert 'href="/en/e-bulletin/#manage-heading"' in html


# Asking for a link ---------------------------------------------------------------------------


def test_the_same_answer_whatever_the_address(home_page):
    subscriber("confirmed@example.org")
    subscriber("pending@example.org", status=Subscriber.Status.PENDING)
    subscriber("left@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    erased = subscriber("erased@example.org")
    erased.delete()
    assert SuppressedAddress.objects.filter(email_hash=hash_email("erased@example.org")).exists()

    answers = []
    for email in (
        "new@example.org",
        "confirmed@example.org",
        "pending@example.org",
        "left@example.org",
        "erased@example.org",
    ):
        response = ask(email)
        followed = Client().get(response["Location"])
        answers.append(
            (
                response.status_code,
                response["Location"],
                response.content,
                followed.status_code,
                followed.content,
            )
        )
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][:2] == (302, SENT_URL)
    # Only an address that receives the bulletin gets a link.
    assert [message.to for message in mail.outbox] == [["confirmed@example.org"]]


def test_the_request_does_not_look_the_address_up(home_page, settings):
    """Whether an address is subscribed is decided in the background task, never while the
    visitor waits, and the task queue stores only a keyed hash of the address."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    subscriber("confirmed@example.org")
    enqueued = []

    def remember(sender, task_result, **kwargs):
        enqueued.append(task_result)

    task_enqueued.connect(remember)
    try:
        for email in ("confirmed@example.org", "nobody@example.org"):
            with CaptureQueriesContext(connection) as queries:
                assert ask(email).status_code == 302
            assert not [q for q in queries if "newsletter_subscriber" in q["sql"]], email
    finally:
        task_enqueued.disconnect(remember)
    assert [result.args for result in enqueued] == [
        [hash_email("confirmed@example.org")],
        [hash_email("nobody@example.org")],
    ]
    assert mail.outbox == []


def test_the_link_goes_to_the_stored_address_with_nothing_typed(home_page):
    subscriber("Reader@example.org", language="sr")
    ask("  Reader@EXAMPLE.org ")
    (message,) = mail.outbox
    assert message.to == ["Reader@example.org"]
    assert manage_path(message).startswith("/sr/")  # in the subscriber's language
    assert "EXAMPLE" not in message.body + message.alternatives[0][0]
    assert "Reader" not in message.body  # not even the stored name
    assert message.subject == "Vaš link za upravljanje pretplatom na e-bilten BCSP-a"
    assert "zatražio je link" in message.body
    assert not CYRILLIC.search(message.subject + message.body)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please enter the address you subscribed with."),
        ("not-an-address", "Please enter a valid email address, like name@example.org."),
    ],
)
def test_bad_address_gets_a_message_and_keeps_what_was_typed(client, home_page, typed, message):
    response = client.post(MANAGE_URL, {"email": typed})
    html = response.content.decode()
    assert response.status_code == 400
    assert f'<p class="field-error" id="manage-email-error">{message}</p>' in html
    assert re.search(r'<input[^>]*name="email"[^>]*aria-invalid="true"', html)
    if typed:
        assert f'value="{typed}"' in html
    assert "<title>Error:" in html
    assert mail.outbox == []


def test_manage_requests_are_rate_limited_like_signups(home_page, settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_EMAIL = 2
    settings.NEWSLETTER_RATE_LIMIT_PER_IP = 4
    subscriber("reader@example.org")
    assert ask("reader@example.org").status_code == 302
    assert ask("reader@example.org").status_code == 302
    response = ask("reader@example.org")
    assert response.status_code == 429
    html = response.content.decode()
    assert "too many requests" in html
    assert 'value="reader@example.org"' in html
    assert len(mail.outbox) == 2
    assert ask("other@example.org").status_code == 302
    assert ask("third@example.org").status_code == 302
    # The fifth from this IP counted (the refused third was not: see newsletter.ratelimit).
    assert ask("fourth@example.org").status_code == 429
    # The sign-up form counts separately.
    signup = Client().post(
        SIGNUP_URL, {"email": "fresh@example.org", "language": "en", "consent": "on"}
    )
    assert signup.status_code == 302


def test_cross_site_manage_request_is_refused(home_page):
    subscriber("reader@example.org")
    response = ask("reader@example.org", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert mail.outbox == []


def test_getting_the_request_url_leads_to_the_form(client, home_page):
    response = client.get(MANAGE_URL)
    assert response.status_code == 302
    assert response["Location"] == "/en/e-bulletin/#manage-heading"


# The manage page ------------------------------------------------------------------------------


def link_for(reader):
    ask(reader.email)
    return manage_path(mail.outbox[-1])


def test_subscriber_changes_language(client, home_page):
    reader = subscriber()
    path = link_for(reader)
    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    assert "reader@example.org" in html
    assert '<meta name="robots" content="noindex">' in html
    assert re.search(r'<input type="radio" name="language" value="en"[^>]*checked', html)

    response = client.post(path, {"action": "language", "language": "sr"})
    assert response.status_code == 200
    assert "Saved. You will receive the e-bulletin in Serbian." in response.content.decode()
    reader.refresh_from_db()
    assert reader.language == "sr"
    assert reader.status == Subscriber.Status.CONFIRMED


def test_a_bad_language_changes_nothing(client, home_page):
    reader = subscriber()
    response = client.post(link_for(reader), {"action": "language", "language": "de"})
    assert response.status_code == 400
    assert "Please choose English or Serbian." in response.content.decode()
    reader.refresh_from_db()
    assert reader.language == "en"


def test_subscriber_unsubscribes_and_may_erase(client, home_page):
    reader = subscriber()
    path = link_for(reader)
    response = client.post(path, {"action": "unsubscribe"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "You are unsubscribed" in html
    assert f"/en/e-bulletin/unsubscribe/{reader.unsubscribe_token}/erase/" in html
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED

    again = client.get(path).content.decode()
    assert "does not receive the e-bulletin" in again
    assert 'type="radio"' not in again
    client.post(path, {"action": "language", "language": "sr"})
    reader.refresh_from_db()
    assert (reader.language, reader.status) == ("en", Subscriber.Status.UNSUBSCRIBED)


def test_list_unsubscribe_still_works_after_a_change_of_language(client, home_page):
    reader = subscriber()
    client.post(link_for(reader), {"action": "language", "language": "sr"})
    bulletin = Bulletin.objects.create(
        subject="E-bilten", language="sr", status=Bulletin.Status.SENDING, queued_at=timezone.now()
    )
    send_bulletin.call(bulletin.pk)
    sent = mail.outbox[-1]
    assert sent.to == ["reader@example.org"]
    url = sent.extra_headers["List-Unsubscribe"].strip("<>")
    one_click = Client().post(
        url.removeprefix("http://testserver"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED


def test_the_link_expires(client, home_page, settings):
    reader = subscriber()
    path = link_for(reader)
    settings.NEWSLETTER_MANAGE_DAYS = 0
    response = client.get(path)
    assert response.status_code == 410
    html = response.content.decode()
    assert "This link has expired" in html
    assert 'href="/en/e-bulletin/#manage-heading"' in html
    assert client.post(path, {"action": "unsubscribe"}).status_code == 410
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED


def test_a_tampered_link_is_refused(client, home_page):
    path = link_for(subscriber())
    response = client.get(path.replace("/manage/", "/manage/x"))
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()


def test_a_link_never_opens_another_subscription(client, home_page):
    """An erased subscriber's link does not open a later row that was given the same id."""
    reader = subscriber()
    token = make_manage_token(reader)
    pk = reader.pk
    reader.delete()
    assert client.get(f"/en/e-bulletin/manage/{token}/").status_code == 404
    now = timezone.now()
    Subscriber.objects.create(
        pk=pk,
        email="someone.else@example.org",
        status=Subscriber.Status.CONFIRMED,
        confirmed_at=now,
        consent_text="I agree.",
        consent_at=now,
    )
    response = client.get(f"/en/e-bulletin/manage/{token}/")
    assert response.status_code == 404
    assert "someone.else" not in response.content.decode()


def test_manage_links_are_kept_out_of_logs():
    line = "GET /en/e-bulletin/manage/eyJzIjoxfQ:1ab:Zx9-secret/ /sr/e-bulletin/manage/link-sent/"
    cleaned = redact(line)
    assert "Zx9-secret" not in cleaned
    assert "/en/e-bulletin/manage/[token]/" in cleaned
    assert "/sr/e-bulletin/manage/link-sent/" in cleaned


# Welcome -------------------------------------------------------------------------------------


def test_a_confirmed_signup_is_welcomed_with_the_manage_link(client, home_page):
    client.post(
        SIGNUP_URL,
        {
            "email": "ana@example.org",
            "name": "Buy pills at spam.example",
            "language": "sr",
            "consent": "on",
        },
    )
    (confirmation,) = mail.outbox
    assert "spam.example" not in confirmation.body + confirmation.alternatives[0][0]
    confirm = re.search(r"http://testserver(/sr/e-bulletin/confirm/\S+/)", confirmation.body)[1]
    assert len(mail.outbox) == 1
    client.post(confirm)
    assert len(mail.outbox) == 2
    welcome = mail.outbox[1]
    reader = Subscriber.objects.get()
    assert welcome.to == ["ana@example.org"]
    assert welcome.subject == "Dobro došli na e-bilten BCSP-a"
    assert "spam.example" not in welcome.body + welcome.alternatives[0][0]
    assert not CYRILLIC.search(welcome.subject + welcome.body)
    unsubscribe = f"http://testserver/sr/e-bulletin/unsubscribe/{reader.unsubscribe_token}/"
    assert welcome.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    page = client.get(manage_path(welcome))
    assert page.status_code == 200
    assert "ana@example.org" in page.content.decode()

    # Confirming again (a used link) welcomes nobody twice.
    client.post(confirm)
    assert len(mail.outbox) == 2


# Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["manage", SENT_URL, SIGNUP_URL])
def test_manage_pages_query_count_is_constant(
    client, home_page, publication_index, page_cache_off, path
):
    reader = subscriber()
    url = f"/en/e-bulletin/manage/{make_manage_token(reader)}/" if path == "manage" else path

    def count():
        client.get(url)  # warm the caches a real server keeps warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(
            email=f"r{n}@example.org",
            email_hash=hash_email(f"r{n}@example.org"),
            unsubscribe_token=f"token-{n}",
            status=Subscriber.Status.CONFIRMED,
            confirmed_at=now,
            consent_text="I agree.",
            consent_at=now,
        )
        for n in range(200)
    )
    for _n in range(15):
        PublicationPageFactory(parent=publication_index)
    large = count()
    assert small == large
    assert small <= 10
