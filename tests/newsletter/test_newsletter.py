import csv
import datetime
import io
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Permission
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from newsletter.hashing import hash_email, normalise_email
from newsletter.models import Bulletin, BulletinItem, Delivery, Subscriber, SuppressedAddress
from newsletter.tasks import send_bulletin
from newsletter.tokens import make_bulletin_mark
from tests.support.factories import OpEdPageFactory, PublicationPageFactory

SIGNUP_URL = "/en/e-bulletin/"
SENT_URL = "/en/e-bulletin/check-your-email/"
CONFIRM_LINK = re.compile(r"http://testserver(/(?:en|sr)/e-bulletin/confirm/[^/\s\"]+/)")
UNSUBSCRIBE_LINK = re.compile(r"http://testserver(/(?:en|sr)/e-bulletin/unsubscribe/[^/\s\"]+/)")


def sign_up(client, **overrides):
    data = {"email": "ana@example.org", "name": "Ana", "language": "en", "consent": "on"}
    data.update(overrides)
    return client.post(SIGNUP_URL, {k: v for k, v in data.items() if v is not None})


def confirm_path(message):
    match = CONFIRM_LINK.search(message.body)
    assert match, message.body
    return match[1]


def make_subscriber(email, status=Subscriber.Status.CONFIRMED, language="en", **fields):
    now = timezone.now()
    return Subscriber.objects.create(
        email=email,
        language=language,
        status=status,
        confirmed_at=now if status != Subscriber.Status.PENDING else None,
        consent_text="I agree.",
        consent_at=now,
        **fields,
    )


def bulk_subscribers(count, language="en", prefix="reader"):
    now = timezone.now()
    subscribers = [
        Subscriber(
            email=f"{prefix}{n}@example.org",
            email_hash=hash_email(f"{prefix}{n}@example.org"),
            language=language,
            status=Subscriber.Status.CONFIRMED,
            confirmed_at=now,
            consent_text="I agree.",
            consent_at=now,
        )
        for n in range(count)
    ]
    return Subscriber.objects.bulk_create(subscribers)


@pytest.fixture
def publications(publication_index):
    recent = timezone.now() - datetime.timedelta(days=2)
    pages = [
        PublicationPageFactory(parent=publication_index, title="Police reform in Serbia"),
        OpEdPageFactory(parent=publication_index, title="Who oversees the services?"),
    ]
    for page in pages:
        Page.objects.filter(pk=page.pk).update(first_published_at=recent)
    return pages


@pytest.fixture
def bulletin(publications):
    bulletin = Bulletin.objects.create(
        subject="BCSP e-bulletin — June",
        language="en",
        intro='<p>News from the centre. <a href="https://example.org/x">Read</a></p>',
    )
    for order, page in enumerate(publications):
        BulletinItem.objects.create(bulletin=bulletin, publication=page, sort_order=order)
    return bulletin


def start_sending(bulletin):
    Bulletin.objects.filter(pk=bulletin.pk).update(
        status=Bulletin.Status.SENDING, queued_at=timezone.now()
    )


# --- Sign-up, double opt-in ------------------------------------------------------------


def test_signup_page_renders_form_with_unticked_consent(client, home_page):
    response = client.get(SIGNUP_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="ebulletin-page-email">' in html
    consent = re.search(r"<input[^>]*name=\"consent\"[^>]*>", html)[0]
    assert "checked" not in consent
    assert "required" in consent
    assert 'id="ebulletin-page-language"' in html
    assert re.search(r'<option value="en" selected>', html)
    # The page is the form: the footer copy is left out.
    assert html.count('action="/en/e-bulletin/"') == 1


def test_serbian_page_defaults_to_serbian(client, home_page):
    html = client.get("/sr/e-bulletin/").content.decode()
    assert re.search(r'<option value="sr" selected>', html)


def test_home_page_has_one_signup_form_and_other_pages_the_footers(
    client, home_page, publication_index
):
    html = client.get("/en/").content.decode()
    # The home page's own e-bulletin block, and no second form in the footer.
    assert html.count('action="/en/e-bulletin/"') == 1
    assert 'id="ebulletin-home-email"' in html
    assert 'id="ebulletin-footer-email"' not in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    # No CSRF token on ordinary pages: a full-page cache can serve them to everyone.
    assert "csrfmiddlewaretoken" not in html

    listing = client.get("/en/publications/").content.decode()
    assert listing.count('action="/en/e-bulletin/"') == 1
    assert 'id="ebulletin-footer-email"' in listing


def test_signup_confirm_by_post_only(client, home_page):
    response = sign_up(client, language="sr")
    assert response.status_code == 302
    assert response["Location"] == SENT_URL
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.language == "sr"
    assert subscriber.consent_text.startswith("I agree that the Belgrade Centre")
    assert subscriber.consent_language == "en"
    assert subscriber.consent_at is not None
    assert len(subscriber.consent_ip_hash) == 64
    assert "127.0.0.1" not in subscriber.consent_ip_hash

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert message.alternatives[0][1] == "text/html"
    path = confirm_path(message)
    assert path.startswith("/sr/")  # in the language the reader chose

    page = client.get(path)
    assert page.status_code == 200
    assert "Potvrdi" in page.content.decode() or "Confirm my subscription" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING  # a GET (a mail scanner) confirms nobody

    response = client.post(path)
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.confirmed_at is not None


def test_used_link_gets_clear_page(client, home_page):
    sign_up(client)
    path = confirm_path(mail.outbox[0])
    client.post(path)
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 410
        assert "already been used" in response.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_tampered_link_gets_clear_page(client, home_page):
    sign_up(client)
    path = confirm_path(mail.outbox[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = path.replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"))
    for method in (client.get, client.post):
        response = method(tampered)
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
        assert 'href="/en/e-bulletin/"' in response.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_expired_link_offers_a_new_one(client, home_page, monkeypatch, settings):
    settings.NEWSLETTER_CONFIRM_DAYS = 7
    issued = time.time() - 8 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    sign_up(client)
    monkeypatch.undo()
    path = confirm_path(mail.outbox[0])

    response = client.post(path)
    html = response.content.decode()
    assert response.status_code == 410
    assert "expired" in html
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING

    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    response = client.post("/en/e-bulletin/confirm/new-link/", {"token": token})
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    client.post(confirm_path(mail.outbox[1]))
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_identical_response_whatever_the_address_state(client, home_page):
    make_subscriber("pending@example.org", status=Subscriber.Status.PENDING)
    make_subscriber("confirmed@example.org", status=Subscriber.Status.CONFIRMED)
    make_subscriber("left@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    Subscriber.objects.filter(email="pending@example.org").update(confirmation_nonce="n1")

    answers = []
    for email in [
        "new@example.org",
        "pending@example.org",
        "confirmed@example.org",
        "left@example.org",
    ]:
        response = Client().post(SIGNUP_URL, {"email": email, "language": "en", "consent": "on"})
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
    # Confirmed readers get no new email; the others get a confirmation link.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "left@example.org",
        "new@example.org",
        "pending@example.org",
    ]
    confirmed = Subscriber.objects.get(email="confirmed@example.org")
    assert confirmed.status == Subscriber.Status.CONFIRMED


def test_resubscribing_after_unsubscribe_needs_new_opt_in(client, home_page):
    left = make_subscriber("left@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    unsubscribed_at = Subscriber.objects.get(pk=left.pk).unsubscribed_at
    assert unsubscribed_at is not None
    sign_up(client, email="left@example.org")
    left.refresh_from_db()
    assert left.status == Subscriber.Status.UNSUBSCRIBED
    assert left.unsubscribed_at == unsubscribed_at
    client.post(confirm_path(mail.outbox[0]))
    left.refresh_from_db()
    assert left.status == Subscriber.Status.CONFIRMED


def test_email_is_normalised_and_unique(client, home_page):
    assert normalise_email("  Ana.Petrovic@Example.ORG ") == "Ana.Petrovic@example.org"
    sign_up(client, email="  Ana.Petrovic@Example.ORG ")
    sign_up(client, email="ana.petrovic@EXAMPLE.org")
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ana.petrovic@example.org"
    assert Subscriber.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "valid email address"),
        ({"email": "a" * 250 + "@example.org"}, "email", "at most 254 characters"),
        ({"email": ""}, "email", "enter your email address"),
        ({"name": "N" * 101}, "name", "at most 100 characters"),
        ({"consent": None}, "consent", "tick the box"),
        ({"language": "de"}, "language", "English or Serbian"),
    ],
)
def test_bad_input_gets_field_error_and_keeps_input(client, home_page, data, field, message):
    typed = {"email": "ana@example.org", "name": "Ana Petrović"}
    typed.update({k: v for k, v in data.items() if k in typed and v is not None})
    response = sign_up(client, **{"name": typed["name"], **data})
    html = response.content.decode()
    assert response.status_code == 400
    error = re.search(
        rf'<p class="field-error" id="ebulletin-page-{field}-error">([^<]+)</p>', html
    )
    assert error and message in error[1]
    assert f'aria-describedby="ebulletin-page-{field}-error"' in html
    if field != "email" and typed["email"]:
        assert f'value="{typed["email"]}"' in html
    if field != "name":
        assert 'value="Ana Petrović"' in html
    assert Subscriber.objects.count() == 0
    assert mail.outbox == []


def test_missing_consent_keeps_everything_typed(client, home_page):
    response = sign_up(client, consent=None, language="sr", email="marko@example.org")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="marko@example.org"' in html
    assert re.search(r'<option value="sr" selected>', html)
    assert Subscriber.objects.count() == 0


def test_reader_text_is_escaped(client, home_page):
    response = sign_up(client, name="<script>alert(1)</script>", consent=None)
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_signups_are_rate_limited_per_address_and_ip(client, home_page, settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_EMAIL = 2
    settings.NEWSLETTER_RATE_LIMIT_PER_IP = 3
    assert sign_up(client).status_code == 302
    assert sign_up(client).status_code == 302
    response = sign_up(client)
    assert response.status_code == 429
    assert "too many sign-ups" in response.content.decode()
    assert 'value="ana@example.org"' in response.content.decode()
    assert len(mail.outbox) == 2
    # The same IP is also capped, whatever the address; the refused attempt above did not
    # count against it (one address trying again must not use up everyone's allowance).
    assert sign_up(client, email="other@example.org").status_code == 302
    assert sign_up(client, email="third@example.org").status_code == 429
    other_ip = Client(REMOTE_ADDR="192.0.2.7")
    assert sign_up(other_ip, email="other@example.org").status_code == 302


def test_cross_site_signup_is_refused(client, home_page):
    response = client.post(
        SIGNUP_URL,
        {"email": "ana@example.org", "language": "en", "consent": "on"},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert Subscriber.objects.count() == 0
    same_site = client.post(
        SIGNUP_URL,
        {"email": "ana@example.org", "language": "en", "consent": "on"},
        HTTP_ORIGIN="http://testserver",
    )
    assert same_site.status_code == 302


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises all writers, so it cannot show a race between concurrent sign-ups",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_signups_make_one_subscriber(home_page, settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_EMAIL = 100
    settings.NEWSLETTER_RATE_LIMIT_PER_IP = 100
    barrier = threading.Barrier(20)

    def post(n):
        try:
            barrier.wait(timeout=30)
            response = Client(REMOTE_ADDR=f"10.0.0.{n + 1}").post(
                SIGNUP_URL,
                {"email": "Race@Example.org", "language": "en", "consent": "on"},
            )
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(post, range(20)))
    assert statuses == [302] * 20
    assert Subscriber.objects.filter(email_hash=hash_email("race@example.org")).count() == 1


# --- Unsubscribe and erasure -----------------------------------------------------------


def test_one_click_unsubscribe_by_post_without_csrf(home_page):
    subscriber = make_subscriber("reader@example.org")
    client = Client(enforce_csrf_checks=True)
    path = f"/en/e-bulletin/unsubscribe/{subscriber.unsubscribe_token}/"

    page = client.get(path)
    assert page.status_code == 200
    assert "Unsubscribe" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED  # a GET changes nothing

    response = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None
    assert "You are unsubscribed" in response.content.decode()
    # Repeating it is harmless.
    assert client.post(path).status_code == 200


def test_unknown_unsubscribe_token_is_404(client, home_page):
    response = client.post("/en/e-bulletin/unsubscribe/nope/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_erasure_keeps_only_a_hash(client, home_page, bulletin):
    subscriber = make_subscriber("reader@example.org", name="Reader")
    Delivery.objects.create(
        bulletin=bulletin, subscriber=subscriber, status="failed", error="550 reader@example.org"
    )
    token = subscriber.unsubscribe_token
    response = client.post(f"/en/e-bulletin/unsubscribe/{token}/erase/")
    assert response.status_code == 200
    assert "erased" in response.content.decode()
    assert not Subscriber.objects.exists()
    suppressed = SuppressedAddress.objects.get()
    assert suppressed.email_hash == hash_email("reader@example.org")
    delivery = Delivery.objects.get()
    assert delivery.subscriber is None and delivery.error == ""
    # The old unsubscribe link still answers that the address is unsubscribed.
    again = client.get(f"/en/e-bulletin/unsubscribe/{token}/")
    assert again.status_code == 200
    assert "erased" in again.content.decode()


def test_erased_address_can_opt_in_again(client, home_page):
    subscriber = make_subscriber("reader@example.org")
    client.post(f"/en/e-bulletin/unsubscribe/{subscriber.unsubscribe_token}/erase/")
    sign_up(client, email="reader@example.org")
    assert not Subscriber.objects.mailable().exists()
    client.post(confirm_path(mail.outbox[0]))
    assert Subscriber.objects.mailable().count() == 1
    assert not SuppressedAddress.objects.exists()


# --- Query counts ----------------------------------------------------------------------


def test_signup_page_query_count_is_constant(client, home_page, publication_index, page_cache_off):
    def count():
        client.get(SIGNUP_URL)  # warm the caches a real server keeps warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(SIGNUP_URL).status_code == 200
        return len(queries)

    small = count()
    bulk_subscribers(200)
    for _n in range(15):
        PublicationPageFactory(parent=publication_index)
    large = count()
    assert small == large
    assert small <= 10


# --- Admin: subscribers ----------------------------------------------------------------


@pytest.fixture
def editor(django_user_model):
    """An admin user who may see subscribers but not export them."""
    user = django_user_model.objects.create_user("editor", "editor@example.org", "pw-editor-123")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        Permission.objects.get(codename="change_subscriber"),
        Permission.objects.get(codename="change_bulletin"),
    )
    return user


def test_subscriber_listing_filters_searches_and_counts(admin_client, home_page):
    make_subscriber("ana@example.org", language="sr")
    make_subscriber("marko@example.org", status=Subscriber.Status.PENDING)
    make_subscriber("jovana@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    url = "/admin/e-bulletin/subscribers/"

    html = admin_client.get(url).content.decode()
    assert "ana@example.org" in html and "marko@example.org" in html
    assert re.search(r"<strong>1</strong> confirmed", html)
    assert re.search(r"<strong>1</strong> waiting for confirmation", html)
    assert "Export confirmed (CSV)" in html

    filtered = admin_client.get(url, {"status": "pending"}).content.decode()
    assert "marko@example.org" in filtered and "ana@example.org" not in filtered
    by_language = admin_client.get(url, {"language": "sr"}).content.decode()
    assert "ana@example.org" in by_language and "marko@example.org" not in by_language
    searched = admin_client.get(url, {"q": "jovana"}).content.decode()
    assert "jovana@example.org" in searched and "marko@example.org" not in searched
    # Subscribers come only through the opt-in form.
    assert admin_client.get(url + "add/").status_code in {302, 403}


def test_csv_export_lists_confirmed_subscribers_only(admin_client, home_page):
    make_subscriber("ana@example.org", name="Ana", language="sr")
    make_subscriber("=cmd@example.org", name="=HYPERLINK()")
    make_subscriber("pending@example.org", status=Subscriber.Status.PENDING)
    make_subscriber("left@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    response = admin_client.get("/admin/e-bulletin/subscribers/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["email", "name", "language"]
    emails = sorted(row[0] for row in rows[1:])
    assert emails == ["'=cmd@example.org", "ana@example.org"]
    ana = next(row for row in rows if row[0] == "ana@example.org")
    assert ana[1:3] == ["Ana", "sr"]
    assert any(row[1] == "'=HYPERLINK()" for row in rows)


def test_export_and_emails_need_permission(client, home_page, editor, django_user_model):
    make_subscriber("ana@example.org")
    client.force_login(editor)
    refused = client.get("/admin/e-bulletin/subscribers/export/")
    assert refused.status_code in {302, 403}
    assert not refused.has_header("Content-Disposition")
    listing = client.get("/admin/e-bulletin/subscribers/").content.decode()
    assert "Export confirmed (CSV)" not in listing

    writer = django_user_model.objects.create_user("writer", "w@example.org", "pw-writer-123")
    writer.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        Permission.objects.get(codename="change_bulletin"),
    )
    client.force_login(writer)
    response = client.get("/admin/e-bulletin/subscribers/")
    assert response.status_code in {302, 403}
    assert b"ana@example.org" not in response.content

    editor.user_permissions.add(Permission.objects.get(codename="export_subscriber"))
    editor = django_user_model.objects.get(pk=editor.pk)
    client.force_login(editor)
    assert client.get("/admin/e-bulletin/subscribers/export/").status_code == 200


# --- Admin: bulletins ------------------------------------------------------------------


def test_compose_defaults_to_publications_since_last_bulletin(admin_client, publications):
    older = Bulletin.objects.create(subject="May", language="en", status="sent")
    Bulletin.objects.filter(pk=older.pk).update(
        queued_at=timezone.now() - datetime.timedelta(days=5)
    )
    old_page = PublicationPageFactory(parent=publications[0].get_parent(), title="Old news")
    Page.objects.filter(pk=old_page.pk).update(
        first_published_at=timezone.now() - datetime.timedelta(days=9)
    )
    data = nested_form_data(
        {
            "subject": "June",
            "language": "en",
            "intro": rich_text("<p>Hello readers</p>"),
            "items": inline_formset([]),
        }
    )
    response = admin_client.post("/admin/e-bulletin/bulletins/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    bulletin = Bulletin.objects.get(subject="June")
    chosen = list(bulletin.items.order_by("sort_order").values_list("publication_id", flat=True))
    assert sorted(chosen) == sorted(page.pk for page in publications)
    assert old_page.pk not in chosen


def test_compose_with_chosen_publications_in_order(admin_client, publications):
    first, second = publications
    data = nested_form_data(
        {
            "subject": "Chosen",
            "language": "en",
            "intro": rich_text("<p>Hi</p>"),
            "items": inline_formset(
                [
                    {"publication": second.pk, "ORDER": 1},
                    {"publication": first.pk, "ORDER": 2},
                ]
            ),
        }
    )
    response = admin_client.post("/admin/e-bulletin/bulletins/add/", data)
    assert response.status_code == 302
    bulletin = Bulletin.objects.get(subject="Chosen")
    assert [page.pk for page in bulletin.publications()] == [second.pk, first.pk]


def test_preview_shows_the_email(admin_client, bulletin):
    html_preview = admin_client.get(f"/admin/e-bulletin/bulletins/email-preview/{bulletin.pk}/")
    html = html_preview.content.decode()
    assert html_preview.status_code == 200
    assert "BCSP e-bulletin — June" in html
    assert "Police reform in Serbia" in html and "Who oversees the services?" in html
    assert 'href="http://testserver/en/publications/' in html
    text = admin_client.get(
        f"/admin/e-bulletin/bulletins/email-preview/{bulletin.pk}/", {"format": "text"}
    )
    assert text["Content-Type"].startswith("text/plain")
    assert "News from the centre. Read (https://example.org/x)" in text.content.decode()
    edit = admin_client.get(f"/admin/e-bulletin/bulletins/edit/{bulletin.pk}/")
    assert edit.status_code == 200
    assert f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/" in edit.content.decode()


def test_send_a_test_to_me(admin_client, admin_user, bulletin):
    bulk_subscribers(3)
    page = admin_client.get(f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/")
    assert "Send to 3 subscribers" in page.content.decode()
    response = admin_client.post(
        f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/", {"action": "test"}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin_user.email]
    assert mail.outbox[0].subject == "[Test] BCSP e-bulletin — June"
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT
    assert not Delivery.objects.exists()


def test_send_view_only_enqueues(admin_client, bulletin, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    bulk_subscribers(5)
    response = admin_client.post(
        f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/", {"action": "send"}
    )
    assert response.status_code == 302
    assert mail.outbox == []  # nothing is sent inside the request
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENDING
    send_bulletin.call(bulletin.pk)
    assert len(mail.outbox) == 5
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT


def test_send_to_500_each_gets_one_personal_email(admin_client, bulletin):
    subscribers = bulk_subscribers(500)
    bulk_subscribers(3, language="sr", prefix="srpski")
    make_subscriber("pending@example.org", status=Subscriber.Status.PENDING)
    make_subscriber("left@example.org", status=Subscriber.Status.UNSUBSCRIBED)

    response = admin_client.post(
        f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/", {"action": "send"}
    )
    assert response.status_code == 302

    assert len(mail.outbox) == 500
    by_recipient = {}
    for message in mail.outbox:
        assert len(message.to) == 1
        by_recipient.setdefault(message.to[0], []).append(message)
    tokens = {s.email: Subscriber.objects.get(pk=s.pk).unsubscribe_token for s in subscribers}
    assert set(by_recipient) == set(tokens)
    assert all(len(messages) == 1 for messages in by_recipient.values())
    for email, (message,) in by_recipient.items():
        link = f"http://testserver/en/e-bulletin/unsubscribe/{tokens[email]}/"
        assert link in message.body
        assert link in message.alternatives[0][0]
        assert message.alternatives[0][1] == "text/html"
        assert message.extra_headers["List-Unsubscribe"] == (
            f"<{link}?from={make_bulletin_mark(tokens[email], bulletin.pk)}>"
        )
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.subject == "BCSP e-bulletin — June"

    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT
    assert bulletin.progress() == {"sent": 500, "failed": 0, "skipped": 0, "pending": 0}
    listing = admin_client.get("/admin/e-bulletin/bulletins/").content.decode()
    assert "500 sent, 0 failed, 0 pending" in listing

    # The link in the email works.
    some = next(iter(by_recipient.values()))[0]
    path = UNSUBSCRIBE_LINK.search(some.body)[1]
    assert (
        Client()
        .post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
        .status_code
        == 200
    )
    assert Subscriber.objects.get(email=some.to[0]).status == Subscriber.Status.UNSUBSCRIBED


def test_retried_send_delivers_nothing_twice(bulletin):
    bulk_subscribers(30)
    start_sending(bulletin)
    send_bulletin.call(bulletin.pk)
    assert len(mail.outbox) == 30
    Bulletin.objects.filter(pk=bulletin.pk).update(status=Bulletin.Status.SENDING)
    send_bulletin.call(bulletin.pk)
    send_bulletin.call(bulletin.pk)
    assert len(mail.outbox) == 30


def test_resume_after_worker_died_halfway(admin_client, bulletin):
    subscribers = bulk_subscribers(10)
    start_sending(bulletin)
    from newsletter.tasks import prepare_deliveries

    prepare_deliveries(bulletin)
    deliveries = list(Delivery.objects.filter(bulletin=bulletin).select_related("subscriber"))
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    # A dead worker had sent four and was in the middle of the fifth.
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries[:4]]).update(
        status=Delivery.Status.SENT, sent_at=long_ago
    )
    Delivery.objects.filter(pk=deliveries[4].pk).update(
        status=Delivery.Status.SENDING, attempted_at=long_ago
    )
    response = admin_client.post(
        f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/", {"action": "resume"}
    )
    assert response.status_code == 302
    sent_to = sorted(message.to[0] for message in mail.outbox)
    assert sent_to == sorted(d.subscriber.email for d in deliveries[5:])
    assert len(subscribers) == len(deliveries)
    assert bulletin.progress() == {"sent": 9, "failed": 1, "skipped": 0, "pending": 0}


class FailingForOneAddress:
    """An email backend that refuses one recipient, like an SMTP server would."""

    def __init__(self, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend(*args, **kwargs)

    def open(self):
        return True

    def close(self):
        return None

    def send_messages(self, messages):
        for message in messages:
            if "reader3@" in message.to[0]:
                raise OSError("550 mailbox unavailable")
        return self.inner.send_messages(messages)


def test_one_failing_address_does_not_stop_the_rest(admin_client, bulletin, settings):
    settings.EMAIL_BACKEND = "tests.newsletter.test_newsletter.FailingForOneAddress"
    bulk_subscribers(8)
    start_sending(bulletin)
    send_bulletin.call(bulletin.pk)
    assert len(mail.outbox) == 7
    assert "reader3@example.org" not in [m.to[0] for m in mail.outbox]
    failed = Delivery.objects.get(status=Delivery.Status.FAILED)
    assert failed.subscriber.email == "reader3@example.org"
    assert "550 mailbox unavailable" in failed.error
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT
    page = admin_client.get(f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/").content.decode()
    assert "550 mailbox unavailable" in page
    assert "reader3@example.org" in page


def test_unsubscribed_meanwhile_is_skipped(bulletin):
    subscribers = bulk_subscribers(3)
    start_sending(bulletin)
    from newsletter.tasks import prepare_deliveries

    prepare_deliveries(bulletin)
    Subscriber.objects.filter(pk=subscribers[0].pk).update(status=Subscriber.Status.UNSUBSCRIBED)
    send_bulletin.call(bulletin.pk)
    assert len(mail.outbox) == 2
    assert bulletin.progress()["skipped"] == 1


def test_sending_needs_permission(client, editor, bulletin):
    client.force_login(editor)
    response = client.post(f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/", {"action": "send"})
    assert response.status_code in {302, 403}
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT


def test_admin_forms_and_live_preview(admin_client, publications):
    assert admin_client.get("/admin/e-bulletin/bulletins/add/").status_code == 200
    data = nested_form_data(
        {
            "subject": "Live preview",
            "language": "en",
            "intro": rich_text("<p>Fresh <b>news</b></p>"),
            "items": inline_formset([{"publication": publications[1].pk, "ORDER": 1}]),
        }
    )
    checked = admin_client.post("/admin/e-bulletin/bulletins/preview/", data)
    assert checked.json()["is_valid"] is True
    preview = admin_client.get("/admin/e-bulletin/bulletins/preview/", {"mode": "html"})
    html = preview.content.decode()
    assert "Live preview" in html and "Who oversees the services?" in html
    assert "<b>news</b>" in html
    assert "Police reform in Serbia" not in html


def test_subscriber_inspect_shows_consent_record(admin_client, home_page):
    subscriber = make_subscriber("ana@example.org")
    response = admin_client.get(f"/admin/e-bulletin/subscribers/inspect/{subscriber.pk}/")
    assert response.status_code == 200
    assert "I agree." in response.content.decode()


def test_editors_can_only_unsubscribe_an_address(admin_client, home_page):
    subscriber = make_subscriber("ana@example.org", status=Subscriber.Status.PENDING)
    url = f"/admin/e-bulletin/subscribers/edit/{subscriber.pk}/"
    response = admin_client.post(url, {"name": "Ana", "language": "en", "status": "confirmed"})
    assert response.status_code == 200
    assert "Editors can only unsubscribe" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING
    admin_client.post(url, {"name": "Ana", "language": "en", "status": "unsubscribed"})
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None


def test_stale_pending_signups_are_purged(home_page, settings):
    from django.core.management import call_command

    settings.NEWSLETTER_PENDING_DAYS = 30
    old = make_subscriber("old@example.org", status=Subscriber.Status.PENDING)
    Subscriber.objects.filter(pk=old.pk).update(
        consent_at=timezone.now() - datetime.timedelta(days=31)
    )
    make_subscriber("fresh@example.org", status=Subscriber.Status.PENDING)
    make_subscriber("reader@example.org")
    call_command("purge_pending_subscribers", stdout=io.StringIO())
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "fresh@example.org",
        "reader@example.org",
    ]
    assert not SuppressedAddress.objects.exists()  # never confirmed: nothing to remember
