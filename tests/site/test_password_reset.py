"""The admin's password reset: the same answer for every address, the email sent in the
background, and limits per account and per address on how many are sent."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django_tasks.signals import task_enqueued

PASSWORD = "a-long-enough-password-42"
DONE_URL = "/admin/password_reset/done/"


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user("editor", "editor@example.org", PASSWORD)


def ask_for_reset(email, ip="203.0.113.7"):
    return Client(REMOTE_ADDR=ip).post("/admin/password_reset/", {"email": email})


def without_csrf(content):
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    return re.sub(rb'"CSRF_TOKEN": "[^"]+"', b"", content)


def test_reset_emails_for_one_account_are_limited(editor, settings):
    settings.ADMIN_PASSWORD_RESETS_PER_ACCOUNT = 3
    answers = [ask_for_reset("editor@example.org", ip=f"198.51.100.{n}") for n in range(6)]
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {(302, DONE_URL)}
    assert [message.to for message in mail.outbox] == [["editor@example.org"]] * 3
    # Asking in other letter cases does not dodge the limit.
    ask_for_reset("EDITOR@example.org", ip="198.51.100.99")
    assert len(mail.outbox) == 3


def test_reset_requests_from_one_address_are_limited(db, settings):
    settings.ADMIN_PASSWORD_RESETS_PER_IP = 10
    for number in range(14):
        get_user_model().objects.create_user(f"user{number}", f"user{number}@example.org", PASSWORD)
    answers = [ask_for_reset(f"user{number}@example.org") for number in range(14)]
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {(302, DONE_URL)}
    assert len(mail.outbox) == 10
    # Another address is not affected.
    ask_for_reset("user13@example.org", ip="192.0.2.50")
    assert mail.outbox[-1].to == ["user13@example.org"]


def test_known_and_unknown_addresses_get_the_same_answer(editor):
    known = ask_for_reset("editor@example.org")
    unknown = ask_for_reset("nobody@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert set(known.cookies) == set(unknown.cookies)
    pages = [Client().get(answer["Location"]) for answer in (known, unknown)]
    assert pages[0].status_code == pages[1].status_code == 200
    assert without_csrf(pages[0].content) == without_csrf(pages[1].content)
    assert len(mail.outbox) == 1


def test_the_email_is_sent_in_the_background_for_any_address(editor, settings):
    """The request does the same work for a known and an unknown address (nothing is sent
    while the visitor waits), and the task queue stores no address."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    enqueued = []

    def remember(sender, task_result, **kwargs):
        enqueued.append(task_result)

    task_enqueued.connect(remember)
    try:
        for email in ("editor@example.org", "nobody@example.org"):
            assert ask_for_reset(email).status_code == 302
    finally:
        task_enqueued.disconnect(remember)
    assert mail.outbox == []
    assert len(enqueued) == 2
    assert not any("example.org" in str(result.args) for result in enqueued)


def test_the_reset_link_works_and_does_not_sign_the_editor_in(editor):
    ask_for_reset("editor@example.org")
    link = re.search(r"http://testserver(/admin/password_reset/confirm/\S+)", mail.outbox[0].body)
    client = Client()
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "another-long-password-7", "new_password2": "another-long-password-7"},
    )
    assert done.status_code == 302
    editor.refresh_from_db()
    assert editor.check_password("another-long-password-7")
    # Setting a new password is not a sign-in: the admin still asks for one.
    assert client.get("/admin/").status_code == 302
    assert "/admin/login/" in client.get("/admin/")["Location"]
