"""Every HTML email the site sends is styled inline (mail clients drop <style> blocks), and
the admin's previews show that same document under a policy that lets it be seen."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from newsletter import emails
from newsletter.emails import BulletinMessageBuilder
from newsletter.models import Bulletin, BulletinItem, Subscriber
from newsletter.tasks import send_bulletin
from tests.support.factories import OpEdPageFactory, PublicationPageFactory

MASTHEAD = re.compile(r'<div class="masthead" style="[^"]*background: #0b2540[^"]*">')
# A bulletin's link carries the mark of the bulletin it came from (?from=…).
UNSUBSCRIBE = re.compile(
    r'href="http://testserver/en/e-bulletin/unsubscribe/([^/"]+)/(?:\?from=[0-9]+\.[0-9a-f]+)?"'
)


def subscriber(email, name="", language="en", status=Subscriber.Status.CONFIRMED):
    now = timezone.now()
    return Subscriber.objects.create(
        email=email,
        name=name,
        language=language,
        status=status,
        confirmed_at=now if status == Subscriber.Status.CONFIRMED else None,
        consent_text="I agree.",
        consent_at=now,
    )


def html_of(message):
    ((html, kind),) = message.alternatives
    assert kind == "text/html"
    return html


def assert_inlined(html):
    """Styled by attributes alone: no <style> block is left for a mail client to drop."""
    assert "<style" not in html
    assert MASTHEAD.search(html), html[:600]
    assert re.search(r'<body style="[^"]*background: #f3f5f8', html)


@pytest.fixture
def bulletin(publication_index):
    recent = timezone.now() - datetime.timedelta(days=2)
    pages = [
        PublicationPageFactory(parent=publication_index, title="Police reform in Serbia"),
        OpEdPageFactory(parent=publication_index, title="Who oversees the services?"),
    ]
    Page.objects.filter(pk__in=[page.pk for page in pages]).update(first_published_at=recent)
    bulletin = Bulletin.objects.create(
        subject="BCSP e-bulletin — June",
        language="en",
        intro='<p>News from the centre. <a href="https://example.org/x">Read</a></p>',
    )
    for order, page in enumerate(pages):
        BulletinItem.objects.create(bulletin=bulletin, publication=page, sort_order=order)
    return bulletin


def test_bulletin_email_is_styled_inline(bulletin):
    reader = subscriber("ana@example.org", name="Ana")
    html = html_of(BulletinMessageBuilder(bulletin).message(reader))
    assert_inlined(html)
    assert re.search(r'<h1 style="[^"]*color: #0b2540[^"]*">BCSP e-bulletin — June</h1>', html)
    assert re.search(r'<p class="kind" style="[^"]*color: #b3261e', html)
    assert re.search(r'<a href="http://testserver/en/publications/[^"]+" style="[^"]*color', html)
    assert "Dear Ana," in html
    assert UNSUBSCRIBE.search(html)[1] == reader.unsubscribe_token


def test_every_html_email_the_site_sends_is_inlined(client, home_page, bulletin, admin_client):
    client.post("/en/e-bulletin/", {"email": "new@example.org", "language": "en", "consent": "on"})
    confirmation = mail.outbox[-1]
    client.post(re.search(r"http://testserver(/en/e-bulletin/confirm/\S+/)", confirmation.body)[1])
    welcome = mail.outbox[-1]
    client.post("/en/e-bulletin/manage/", {"email": "new@example.org"})
    manage_link = mail.outbox[-1]
    admin_client.post(f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/", {"action": "test"})
    test_send = mail.outbox[-1]
    Bulletin.objects.filter(pk=bulletin.pk).update(
        status=Bulletin.Status.SENDING, queued_at=timezone.now()
    )
    send_bulletin.call(bulletin.pk)
    sent = mail.outbox[-1]

    subjects = [message.subject for message in (confirmation, welcome, manage_link, test_send)]
    assert subjects == [
        "Please confirm your subscription to the BCSP e-bulletin",
        "Welcome to the BCSP e-bulletin",
        "Your link to manage your BCSP e-bulletin subscription",
        "[Test] BCSP e-bulletin — June",
    ]
    assert sent.to == ["new@example.org"]
    for message in (confirmation, welcome, manage_link, test_send, sent):
        assert_inlined(html_of(message))
    assert re.search(
        r'<a class="button" href="[^"]+" style="[^"]*background: #b3261e', html_of(welcome)
    )


def test_a_bulletin_is_inlined_once_not_once_per_reader(bulletin, monkeypatch):
    calls = []
    inline = emails.inline_css
    monkeypatch.setattr(emails, "inline_css", lambda html: calls.append(1) or inline(html))
    readers = [subscriber(f"reader{n}@example.org", name="Ana" if n % 2 else "") for n in range(40)]
    Bulletin.objects.filter(pk=bulletin.pk).update(
        status=Bulletin.Status.SENDING, queued_at=timezone.now()
    )
    send_bulletin.call(bulletin.pk)
    assert len(mail.outbox) == 40
    assert len(calls) == 2  # once for readers greeted by name, once for the others
    by_address = {message.to[0]: html_of(message) for message in mail.outbox}
    for reader in readers:
        html = by_address[reader.email]
        assert UNSUBSCRIBE.search(html)[1] == reader.unsubscribe_token
        assert ("Dear Ana," in html) == bool(reader.name)
        assert not re.search(r"bcsp[0-9a-f]{16}", html)  # no marker left unfilled


def test_a_readers_name_is_escaped_in_the_inlined_email(bulletin):
    reader = subscriber("ana@example.org", name='<b onmouseover="x()">Ana</b> & Co')
    html = html_of(BulletinMessageBuilder(bulletin).message(reader))
    assert "<b onmouseover" not in html
    assert "&lt;b onmouseover=" in html
    assert "&amp; Co," in html


def test_preview_shows_exactly_the_test_email(admin_client, admin_user, bulletin):
    preview = admin_client.get(f"/admin/e-bulletin/bulletins/email-preview/{bulletin.pk}/")
    assert preview.status_code == 200
    admin_client.post(f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/", {"action": "test"})
    (test_send,) = mail.outbox
    assert preview.content.decode() == html_of(test_send)
    assert_inlined(preview.content.decode())


def policy(response):
    return dict(
        (part.strip().split(" ", 1) + [""])[:2]
        for part in response["Content-Security-Policy"].split(";")
    )


def assert_shown_as_an_email(response):
    """Inline styles allowed, nothing run, framed by the admin only."""
    directives = policy(response)
    assert directives["style-src"] == "'unsafe-inline'"
    assert directives["script-src"] == "'none'"
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'self'"
    assert "allow-scripts" not in directives["sandbox"]
    assert "allow-same-origin" not in directives["sandbox"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_both_admin_previews_may_show_the_inlined_email(admin_client, bulletin):
    direct = admin_client.get(f"/admin/e-bulletin/bulletins/email-preview/{bulletin.pk}/")
    assert_shown_as_an_email(direct)

    # The preview panel beside the editing form (Wagtail renders it as a request to "/").
    data = nested_form_data(
        {
            "subject": "Live preview",
            "language": "en",
            "intro": rich_text("<p>Fresh <b>news</b></p>"),
            "items": inline_formset([{"publication": bulletin.items.first().publication_id}]),
        }
    )
    edit_preview = f"/admin/e-bulletin/bulletins/preview/{bulletin.pk}/"
    assert admin_client.post(edit_preview, data).json()["is_valid"] is True
    panel = admin_client.get(edit_preview, {"mode": "html"})
    assert panel.status_code == 200
    html = panel.content.decode()
    assert "Live preview" in html and "<b>news</b>" in html
    assert_inlined(html)
    assert_shown_as_an_email(panel)

    text = admin_client.get(edit_preview, {"mode": "text"})
    assert text["Content-Type"].startswith("text/plain")


def test_public_pages_keep_their_own_policy(client, home_page):
    directives = policy(Client().get("/en/"))
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in directives["style-src"]
