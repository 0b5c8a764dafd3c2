"""The sign-up in the face of abuse: no visitor text in email to strangers, the same work in
the request for every address, limits that a shared office can live with, no invisible
characters in names."""

import datetime
import io
import re
import time

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db.models import DBTaskResult

from newsletter.hashing import hash_email
from newsletter.models import Subscriber
from newsletter.tokens import make_confirmation_token
from tests.newsletter.test_newsletter import (
    SENT_URL,
    SIGNUP_URL,
    confirm_path,
    make_subscriber,
    sign_up,
)

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MANAGE_URL = "/en/e-bulletin/manage/"
RESEND_URL = "/en/e-bulletin/confirm/new-link/"
PHISHING_NAME = "Your account is suspended, call the bank at 555 0100 today"
PHISHING_WORDS = ["suspended", "bank", "555", "today"]


def email_texts(message):
    return message.subject + message.body + "".join(body for body, _ in message.alternatives)


def expired_link_token(email, monkeypatch):
    """The token of a confirmation link that has expired (still good for a new link)."""
    subscriber = Subscriber.objects.get(email_hash=hash_email(email))
    issued = time.time() - 8 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    token = make_confirmation_token(subscriber)
    monkeypatch.undo()
    return token


# No visitor text in email to an unconfirmed address ------------------------------------------


def test_a_name_with_a_web_address_is_refused_and_nothing_is_sent(client, home_page):
    name = "Your account is suspended, visit http://evil.example"
    response = sign_up(client, name=name, email="victim@example.org")
    html = response.content.decode()
    assert response.status_code == 400
    assert "without a web address" in html
    assert 'value="victim@example.org"' in html  # what was typed is kept
    assert mail.outbox == []
    assert not Subscriber.objects.exists()


def test_the_confirmation_email_never_carries_the_typed_name(client, home_page):
    assert sign_up(client, name=PHISHING_NAME, email="victim@example.org").status_code == 302
    (message,) = mail.outbox
    assert message.to == ["victim@example.org"]
    for word in PHISHING_WORDS:
        assert word not in email_texts(message)
    assert "Hello," in message.body


def test_a_new_link_for_an_expired_one_never_carries_the_typed_name(client, home_page, monkeypatch):
    sign_up(client, name=PHISHING_NAME, email="victim@example.org")
    token = expired_link_token("victim@example.org", monkeypatch)
    mail.outbox.clear()
    assert client.post(RESEND_URL, {"token": token}).status_code == 302
    (message,) = mail.outbox
    for word in PHISHING_WORDS:
        assert word not in email_texts(message)


def test_the_manage_link_and_welcome_never_carry_the_typed_name(client, home_page):
    sign_up(client, name=PHISHING_NAME, email="victim@example.org")
    client.post(confirm_path(mail.outbox[0]))
    assert client.post(MANAGE_URL, {"email": "victim@example.org"}).status_code == 302
    welcome, manage_link = mail.outbox[1:]
    for message in (welcome, manage_link):
        for word in PHISHING_WORDS:
            assert word not in email_texts(message)


# The same work in the request whatever the address's state ---------------------------------


ADDRESS_STATES = {
    "new": None,
    "pending": Subscriber.Status.PENDING,
    "confirmed": Subscriber.Status.CONFIRMED,
    "unsubscribed": Subscriber.Status.UNSUBSCRIBED,
}


@pytest.fixture
def addresses_in_every_state(home_page):
    for state, status in ADDRESS_STATES.items():
        if status is not None:
            make_subscriber(f"{state}@example.org", status=status, name="Stored name")
    Subscriber.objects.filter(email="pending@example.org").update(confirmation_nonce="n1")


def test_the_signup_request_does_the_same_queries_for_every_address_state(
    addresses_in_every_state, settings
):
    settings.TASKS = DUMMY_TASKS
    Client().get(SIGNUP_URL)  # a server that has served a page already (the Site is cached)
    answers, queries = {}, {}
    for state in ADDRESS_STATES:
        visitor = Client(REMOTE_ADDR="198.51.100.20")
        with CaptureQueriesContext(connection) as captured:
            response = visitor.post(
                SIGNUP_URL,
                {"email": f"{state}@example.org", "name": "Ana", "language": "en", "consent": "on"},
            )
        answers[state] = (response.status_code, response["Location"], response.content)
        queries[state] = [query["sql"] for query in captured]
    assert answers["new"] == (302, SENT_URL, b"")
    assert all(answer == answers["new"] for answer in answers.values())
    assert all(sql == queries["new"] for sql in queries.values()), queries
    assert not [sql for sql in queries["new"] if "newsletter_subscriber" in sql]
    # Nothing was stored or sent while the visitor waited: it is all in the queued tasks.
    assert Subscriber.objects.count() == 3
    assert mail.outbox == []
    assert len(task_backends["default"].results) == 4


def test_the_signup_task_does_the_right_thing_for_each_state(addresses_in_every_state, settings):
    settings.TASKS = DUMMY_TASKS
    left_at = Subscriber.objects.get(email="unsubscribed@example.org").unsubscribed_at
    for state in ADDRESS_STATES:
        Client().post(
            SIGNUP_URL,
            {"email": f"{state}@example.org", "name": "Ana", "language": "sr", "consent": "on"},
        )
    queued = list(task_backends["default"].results)
    settings.TASKS = IMMEDIATE_TASKS
    for result in queued:
        result.task.call(*result.args, **result.kwargs)

    new = Subscriber.objects.get(email="new@example.org")
    assert (new.status, new.name, new.language) == (Subscriber.Status.PENDING, "Ana", "sr")
    assert new.consent_ip_hash and new.consent_at
    pending = Subscriber.objects.get(email="pending@example.org")
    assert (pending.status, pending.language) == (Subscriber.Status.PENDING, "sr")
    confirmed = Subscriber.objects.get(email="confirmed@example.org")
    assert (confirmed.status, confirmed.name) == (Subscriber.Status.CONFIRMED, "Stored name")
    left = Subscriber.objects.get(email="unsubscribed@example.org")
    assert left.status == Subscriber.Status.UNSUBSCRIBED
    assert left.unsubscribed_at == left_at
    assert sorted(message.to[0] for message in mail.outbox) == [
        "new@example.org",
        "pending@example.org",
        "unsubscribed@example.org",
    ]


def test_a_new_link_request_does_not_look_the_sign_up_up(home_page, settings, monkeypatch):
    client = Client()
    sign_up(client, email="ana@example.org")
    token = expired_link_token("ana@example.org", monkeypatch)
    settings.TASKS = DUMMY_TASKS
    with CaptureQueriesContext(connection) as captured:
        response = client.post(RESEND_URL, {"token": token})
    assert (response.status_code, response["Location"]) == (302, SENT_URL)
    assert not [query for query in captured if "newsletter_subscriber" in query["sql"]]
    assert len(task_backends["default"].results) == 1


# Limits: per address and per connection ------------------------------------------------------


def test_ten_people_behind_one_office_address_can_all_sign_up(home_page):
    office = Client(REMOTE_ADDR="203.0.113.50")
    for number in range(10):
        assert sign_up(office, email=f"colleague{number}@example.org").status_code == 302
    assert Subscriber.objects.count() == 10


def test_the_same_email_four_times_is_limited_and_keeps_what_was_typed(home_page):
    for number in range(3):
        visitor = Client(REMOTE_ADDR=f"203.0.113.{number + 1}")
        assert sign_up(visitor, email="ana@example.org").status_code == 302
    fourth = sign_up(Client(REMOTE_ADDR="203.0.113.9"), email="Ana@Example.org", name="Ana P")
    html = fourth.content.decode()
    assert fourth.status_code == 429
    assert "too many" in html
    assert 'value="Ana@Example.org"' in html
    assert 'value="Ana P"' in html
    assert len(mail.outbox) == 3


def test_one_address_trying_again_and_again_does_not_use_up_the_office(home_page, settings):
    office = Client(REMOTE_ADDR="203.0.113.50")
    for _attempt in range(10):
        sign_up(office, email="impatient@example.org")
    for number in range(25):
        assert sign_up(office, email=f"colleague{number}@example.org").status_code == 302


def test_thirty_one_sign_ups_from_one_connection_are_limited(home_page):
    bot = Client(REMOTE_ADDR="203.0.113.66")
    for number in range(30):
        assert sign_up(bot, email=f"target{number}@example.org").status_code == 302
    response = sign_up(bot, email="target30@example.org")
    assert response.status_code == 429
    assert 'value="target30@example.org"' in response.content.decode()


def test_manage_link_requests_are_limited_per_email_and_per_connection(home_page):
    office = Client(REMOTE_ADDR="203.0.113.50")
    for number in range(10):
        response = office.post(MANAGE_URL, {"email": f"colleague{number}@example.org"})
        assert response.status_code == 302
    for number in range(3):
        visitor = Client(REMOTE_ADDR=f"198.51.100.{number + 1}")
        assert visitor.post(MANAGE_URL, {"email": "ana@example.org"}).status_code == 302
    fourth = Client(REMOTE_ADDR="198.51.100.9").post(MANAGE_URL, {"email": "ana@example.org"})
    assert fourth.status_code == 429
    assert 'value="ana@example.org"' in fourth.content.decode()
    for number in range(10, 30):
        office.post(MANAGE_URL, {"email": f"colleague{number}@example.org"})
    limited = office.post(MANAGE_URL, {"email": "colleague30@example.org"})
    assert limited.status_code == 429
    assert 'value="colleague30@example.org"' in limited.content.decode()


def test_new_link_requests_are_limited_per_sign_up_and_keep_the_button(home_page, monkeypatch):
    sign_up(Client(), email="ana@example.org")
    token = expired_link_token("ana@example.org", monkeypatch)
    for number in range(3):
        visitor = Client(REMOTE_ADDR=f"198.51.100.{number + 1}")
        assert visitor.post(RESEND_URL, {"token": token}).status_code == 302
    fourth = Client(REMOTE_ADDR="198.51.100.9").post(RESEND_URL, {"token": token})
    html = fourth.content.decode()
    assert fourth.status_code == 429
    assert "Please try again later" in html
    assert re.search(rf'name="token" value="{re.escape(token)}"', html)


# Names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["\u200b", "\u202e", "\u2066", "\ufeff", "\u00ad", "\u200f"])
def test_a_name_with_invisible_characters_is_refused(client, home_page, character):
    response = sign_up(client, name=f"A{character}na", email="ana@example.org")
    html = response.content.decode()
    assert response.status_code == 400
    assert "without invisible formatting characters" in html
    assert 'id="ebulletin-page-name-error"' in html
    assert 'value="ana@example.org"' in html
    assert not Subscriber.objects.exists()


def test_a_name_is_normalised_and_its_spaces_collapsed(client, home_page):
    assert sign_up(client, name=" Ａna\u00a0\u00a0 Petrovic\u0301 ").status_code == 302
    assert Subscriber.objects.get().name == "Ana Petrović"


# The name bulletins greet with is the one the address's owner confirmed ------------------------


def confirm_page(client, name="Ana"):
    sign_up(client, name=name, email="reader@example.org")
    path = confirm_path(mail.outbox[0])
    return path, client.get(path)


def test_the_confirmation_page_asks_which_name_to_greet_with(client, home_page):
    _path, page = confirm_page(client, name="Ana <b>Petrović</b>")
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<input[^>]*name="name"[^>]*value="Ana &lt;b&gt;Petrović&lt;/b&gt;"', html)


def test_the_name_greets_only_as_the_owner_confirmed_it(client, home_page):
    path, _page = confirm_page(client, name=PHISHING_NAME)
    assert client.post(path, {"name": ""}).status_code == 302
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.name == ""


def test_the_owner_may_keep_or_change_the_name(client, home_page):
    path, _page = confirm_page(client, name="Ana")
    client.post(path, {"name": "  Ana  Petrović "})
    assert Subscriber.objects.get().name == "Ana Petrović"


def test_a_confirmation_without_a_name_greets_nobody_by_name(client, home_page):
    path, _page = confirm_page(client, name=PHISHING_NAME)
    client.post(path)
    assert Subscriber.objects.get().name == ""


def test_a_confirmed_name_with_invisible_characters_is_refused(client, home_page):
    path, _page = confirm_page(client, name="Ana")
    response = client.post(path, {"name": "A\u200bna"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "without invisible formatting characters" in html
    assert 'value="A\u200bna"' in html
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_a_sign_up_in_the_task_queue_is_deleted_once_done(home_page, settings):
    """The queued sign-up holds the address and name until the worker has run it; the daily
    purge deletes finished tasks, so the queue does not keep them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sign_up(Client(), email="queued@example.org", name="Queued Name")
    queued = DBTaskResult.objects.get(task_path="newsletter.tasks.sign_up")
    assert queued.args_kwargs["kwargs"]["email"] == "queued@example.org"
    call_command("purge_personal_data", stdout=io.StringIO())
    assert DBTaskResult.objects.filter(pk=queued.pk).exists()  # not run yet: kept

    DBTaskResult.objects.filter(pk=queued.pk).update(
        status="SUCCESSFUL", finished_at=timezone.now() - datetime.timedelta(days=2)
    )
    call_command("purge_personal_data", stdout=io.StringIO())
    assert not DBTaskResult.objects.filter(pk=queued.pk).exists()
