"""Hardening: headers and cookies, uploads, admin sign-in throttling and address allow-list,
groups and who sees personal data, error pages, a lost database or cache, logs and purging."""

import importlib
import io
import json
import logging
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DataError, OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Site

from bcsp_site.caching.backends import ResilientRedisCache
from bcsp_site.core.logging import JsonFormatter, RedactPersonalData, redact
from comments import spam
from comments.models import Comment
from newsletter.models import Subscriber
from tests.support.factories import PublicationPageFactory

PASSWORD = "a-long-enough-password-42"
SECURITY_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
]


def load_production_settings(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    monkeypatch.setenv("ALLOWED_HOSTS", "bezbednost.org")
    sys.modules.pop("bcsp_site.settings.production", None)
    try:
        return importlib.import_module("bcsp_site.settings.production")
    finally:
        sys.modules.pop("bcsp_site.settings.production", None)


@pytest.fixture
def production_security(settings, monkeypatch):
    """The test settings with production's HTTPS, HSTS and cookie settings applied."""
    production = load_production_settings(monkeypatch)
    for name in SECURITY_SETTINGS:
        setattr(settings, name, getattr(production, name))
    return production


@pytest.fixture
def publication(publication_index):
    return PublicationPageFactory(parent=publication_index, title="Oversight of the police")


def make_user(django_user_model, username, *groups):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", PASSWORD)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


# Headers and cookies ----------------------------------------------------------------------


def test_production_public_pages_send_every_security_header(client, home_page, production_security):
    response = client.get("/en/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in directives["style-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_production_redirects_plain_http_to_https(client, home_page, production_security):
    response = client.get("/en/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/en/"


def test_admin_gets_its_own_looser_policy_but_public_pages_do_not(client, db):
    admin_policy = client.get("/admin/login/")["Content-Security-Policy"]
    assert "'unsafe-inline'" in admin_policy
    assert "frame-ancestors 'self'" in admin_policy


def test_production_cookies_are_secure_httponly_and_samesite(
    client, publication, django_user_model, production_security
):
    page = client.get("/admin/login/", secure=True)
    csrf_cookie = page.cookies["csrftoken"]
    assert csrf_cookie["secure"] is True
    assert csrf_cookie["httponly"] is True
    assert csrf_cookie["samesite"] == "Lax"

    make_user(django_user_model, "editor", "Editors")
    login = client.post("/admin/login/", {"username": "editor", "password": PASSWORD}, secure=True)
    assert login.status_code == 302
    session_cookie = login.cookies["sessionid"]
    assert session_cookie["secure"] is True
    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == "Lax"


# Uploads -----------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(user)
    return client


def upload_document(client, name, content):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": name,
            "file": SimpleUploadedFile(name, content),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def test_real_pdf_uploads_and_is_served_without_active_content(superuser_client):
    response = upload_document(superuser_client, "report.pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n")
    assert response.status_code == 302
    document = get_document_model().objects.get(title="report.pdf")
    served = superuser_client.get(document.url)
    assert served.status_code == 200
    assert served["Content-Security-Policy"] == "default-src 'none'"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_office_documents_are_served_as_attachments(superuser_client):
    upload_document(superuser_client, "budget.xlsx", b"PK\x03\x04" + b"\x00" * 64)
    document = get_document_model().objects.get(title="budget.xlsx")
    served = superuser_client.get(document.url)
    assert served["Content-Disposition"].startswith("attachment")
    assert served["Content-Security-Policy"] == "default-src 'none'"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "does not look like a real .pdf"),
        ("minutes.docx", b"%PDF-1.4 not a zip", "does not look like a real .docx"),
        ("data.csv", b"<!DOCTYPE html><script>x</script>", "is not plain text"),
        ("page.html", b"<html></html>", "is not allowed"),
        ("tool.exe", b"MZ\x90\x00", "is not allowed"),
        ("drawing.svg", b"<svg onload=alert(1)>", "is not allowed"),
    ],
)
def test_documents_that_are_not_what_they_claim_are_refused(
    superuser_client, name, content, message
):
    response = upload_document(superuser_client, name, content)
    assert response.status_code == 200  # the form again, with the error next to the file
    assert message in response.content.decode()
    assert not get_document_model().objects.filter(title=name).exists()


def test_oversized_documents_are_refused(superuser_client, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024
    response = upload_document(superuser_client, "big.pdf", b"%PDF-1.7\n" + b"0" * 4096)
    assert "This file is too big" in response.content.decode()
    assert not get_document_model().objects.filter(title="big.pdf").exists()


def upload_image(client, name, width, height, mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, format="PNG")
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": name,
            "file": SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png"),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def test_decompression_bombs_are_refused_with_a_message(superuser_client):
    # 7000 × 6000 = 42 million pixels: a tiny file that would take 126 MB to decode.
    response = upload_image(superuser_client, "bomb.png", 7000, 6000, mode="1")
    assert response.status_code == 200
    assert "has too many pixels" in response.content.decode()
    assert not get_image_model().objects.filter(title="bomb.png").exists()


def test_oversized_images_are_refused(superuser_client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 100
    response = upload_image(superuser_client, "photo.png", 200, 200)
    assert "This file is too big" in response.content.decode()
    assert not get_image_model().objects.filter(title="photo.png").exists()
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 15 * 1024 * 1024
    assert upload_image(superuser_client, "photo.png", 200, 200).status_code == 302


# Admin sign-in ------------------------------------------------------------------------------


@pytest.fixture
def throttled(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_IP_FAILURE_LIMIT = 12
    return settings


def sign_in(username, password, ip="203.0.113.7"):
    return Client(REMOTE_ADDR=ip).post(
        "/admin/login/", {"username": username, "password": password}
    )


def test_signin_is_paused_after_five_failures_from_one_address(
    throttled, django_user_model, caplog
):
    make_user(django_user_model, "editor", "Editors")
    for _ in range(4):
        assert sign_in("editor", "wrong-password").status_code == 200
    assert sign_in("editor", "wrong-password").status_code == 429  # the fifth failure
    locked = sign_in("editor", PASSWORD)
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    # The logs tell attempts apart without naming the user or the address.
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "203.0.113.7" not in logged
    assert "editor" not in logged


def test_a_paused_signin_says_when_to_try_again(throttled, django_user_model):
    make_user(django_user_model, "editor", "Editors")
    for _ in range(5):
        sign_in("editor", "wrong-password")
    locked = sign_in("editor", PASSWORD)
    assert locked.status_code == 429
    # The cool-off is 30 minutes, counted from the last attempt.
    assert 29 * 60 <= int(locked["Retry-After"]) <= 30 * 60
    retry_at = timezone.localtime(timezone.now() + timedelta(seconds=int(locked["Retry-After"])))
    text = locked.content.decode()
    assert "30 minutes" in text
    assert retry_at.strftime("%H:%M") in text


def test_failures_from_another_address_do_not_lock_an_editor_out(throttled, django_user_model):
    make_user(django_user_model, "editor", "Editors")
    for _ in range(8):
        sign_in("editor", "wrong-password", ip="198.51.100.66")
    # The attacker's address is paused for that username…
    assert sign_in("editor", PASSWORD, ip="198.51.100.66").status_code == 429
    # …while the editor, from their own address, signs in as usual.
    assert sign_in("editor", PASSWORD, ip="192.0.2.99").status_code == 302


def test_failures_spread_over_addresses_do_not_lock_an_editor_out(throttled, django_user_model):
    make_user(django_user_model, "editor", "Editors")
    for number in range(10):
        sign_in("editor", "wrong-password", ip=f"198.51.100.{number}")
    assert sign_in("editor", PASSWORD, ip="192.0.2.99").status_code == 302


def test_one_address_trying_many_usernames_is_paused_at_its_own_limit(throttled, django_user_model):
    make_user(django_user_model, "editor", "Editors")
    # Four guesses for each of three usernames: under the per-username limit every time.
    for number in range(11):
        assert sign_in(f"guess{number % 3}", "wrong-password").status_code == 200
    assert sign_in("guess9", "wrong-password").status_code == 429  # the twelfth failure
    locked = sign_in("editor", PASSWORD)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    # Another address can still sign in as that editor.
    assert sign_in("editor", PASSWORD, ip="192.0.2.10").status_code == 302


def test_signing_in_to_an_account_of_ones_own_does_not_reset_the_address_limit(
    throttled, django_user_model
):
    make_user(django_user_model, "editor", "Editors")
    make_user(django_user_model, "intruder", "Editors")
    for number in range(11):
        sign_in(f"guess{number}", "wrong-password")
    assert sign_in("intruder", PASSWORD).status_code == 302
    assert sign_in("guess11", "wrong-password").status_code == 429


def test_signin_works_again_after_the_cooloff(throttled, django_user_model):
    make_user(django_user_model, "editor", "Editors")
    for _ in range(5):
        sign_in("editor", "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1))
    assert sign_in("editor", PASSWORD).status_code == 302


def test_forwarded_for_cannot_dodge_the_throttle_without_a_trusted_proxy(
    throttled, django_user_model
):
    make_user(django_user_model, "editor", "Editors")
    for number in range(12):
        Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}").post(
            "/admin/login/", {"username": f"guess{number}", "password": "x"}
        )
    assert sign_in("editor", PASSWORD).status_code == 429


def test_password_validators_refuse_weak_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["short1", "password1234", "123456789012"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("correct horse battery staple")


def test_admin_allow_list_hides_the_admin_from_other_addresses(client, home_page, settings):
    settings.ADMIN_ALLOWED_IPS = ["192.0.2.0/24", "2001:db8::/32"]
    assert Client(REMOTE_ADDR="203.0.113.7").get("/admin/login/").status_code == 404
    assert Client(REMOTE_ADDR="192.0.2.15").get("/admin/login/").status_code == 200
    assert Client(REMOTE_ADDR="2001:db8::5").get("/admin/login/").status_code == 200
    # Public pages are not affected.
    assert Client(REMOTE_ADDR="203.0.113.7").get("/en/").status_code == 200


def test_admin_allow_list_trusts_forwarded_for_only_through_configured_proxies(db, settings):
    settings.ADMIN_ALLOWED_IPS = ["192.0.2.15"]
    forged = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.15")
    assert forged.get("/admin/login/").status_code == 404
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.15")
    assert proxied.get("/admin/login/").status_code == 200


# Groups and personal data --------------------------------------------------------------------


def test_the_three_groups_exist_with_their_permissions(db):
    def codenames(name):
        return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

    assert {"access_admin", "add_publicationkind"} <= codenames("Editors")
    assert "moderate_comment" in codenames("Moderators")
    assert {"view_subscriber", "export_subscriber", "send_bulletin"} <= codenames(
        "Newsletter managers"
    )
    assert not {"moderate_comment", "view_subscriber", "export_subscriber"} & codenames("Editors")
    assert not {"view_subscriber", "export_subscriber"} & codenames("Moderators")
    assert "moderate_comment" not in codenames("Newsletter managers")
    editors = Group.objects.get(name="Editors")
    assert editors.page_permissions.filter(permission__codename="change_page").exists()
    assert editors.collection_permissions.filter(
        permission__codename="add_publicationdocument"
    ).exists()


@pytest.fixture
def personal_data(publication):
    Subscriber.objects.create(
        email="subscriber.ana@example.org",
        consent_text="I agree.",
        consent_at=timezone.now(),
        status=Subscriber.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    Comment.objects.create(
        page=publication, name="Marko", email="commenter.marko@example.org", text="Good analysis."
    )


@pytest.mark.parametrize(
    "group, sees_subscribers, sees_commenters",
    [
        ("Editors", False, False),
        ("Moderators", False, True),
        ("Newsletter managers", True, False),
    ],
)
def test_emails_are_visible_only_to_the_group_that_needs_them(
    client, django_user_model, personal_data, group, sees_subscribers, sees_commenters
):
    client.force_login(make_user(django_user_model, "staff", group))
    subscribers = client.get(reverse("newsletter_subscribers:list"))
    assert (subscribers.status_code == 200) is sees_subscribers
    assert ("subscriber.ana@example.org" in subscribers.content.decode()) is sees_subscribers
    export = client.get(reverse("newsletter_subscribers:export"))
    exported = b"".join(export.streaming_content) if export.streaming else export.content
    assert ("subscriber.ana@example.org" in exported.decode()) is sees_subscribers
    comments = client.get(reverse(Comment.snippet_viewset.get_url_name("list")))
    assert (comments.status_code == 200) is sees_commenters
    assert ("commenter.marko@example.org" in comments.content.decode()) is sees_commenters


def test_purge_command_deletes_old_unneeded_personal_data(publication):
    old = timezone.now() - timedelta(days=120)
    kept = Subscriber.objects.create(
        email="new@example.org", consent_text="I agree.", consent_at=timezone.now()
    )
    Subscriber.objects.create(email="stale@example.org", consent_text="I agree.", consent_at=old)
    confirmed = Subscriber.objects.create(
        email="reader@example.org",
        consent_text="I agree.",
        consent_at=old,
        status=Subscriber.Status.CONFIRMED,
        confirmed_at=old,
    )
    for status in Comment.Status.values:
        Comment.objects.create(
            page=publication,
            name=status,
            email=f"{status}@example.org",
            text="Text",
            status=status,
            created_at=old,
            ip_hash="abc",
            user_agent="Firefox",
        )
    fresh_spam = Comment.objects.create(
        page=publication, name="n", email="n@example.org", text="Text", status="spam"
    )
    attempt = AccessAttempt.objects.create(
        username="guess",
        ip_address="203.0.113.7",
        user_agent="x",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/admin/login/",
        failures_since_start=3,
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=old)

    out = io.StringIO()
    call_command("purge_personal_data", stdout=out)

    assert set(Subscriber.objects.all()) == {kept, confirmed}
    remaining = {comment.status for comment in Comment.objects.exclude(pk=fresh_spam.pk)}
    assert remaining == {Comment.Status.APPROVED, Comment.Status.PENDING}
    assert not Comment.objects.exclude(pk=fresh_spam.pk).exclude(ip_hash="").exists()
    assert Comment.objects.filter(pk=fresh_spam.pk).exists()
    assert not AccessAttempt.objects.exists()
    assert "Deleted 1 unconfirmed sign-up" in out.getvalue()


def test_purge_command_ages_are_configurable(publication):
    Subscriber.objects.create(
        email="recent@example.org",
        consent_text="I agree.",
        consent_at=timezone.now() - timedelta(days=3),
    )
    call_command("purge_personal_data", subscriber_days=5, stdout=io.StringIO())
    assert Subscriber.objects.count() == 1
    call_command("purge_personal_data", subscriber_days=2, stdout=io.StringIO())
    assert Subscriber.objects.count() == 0


# Error pages ---------------------------------------------------------------------------------


def no_leaks(html):
    return "Traceback" not in html and "SECRET_KEY" not in html and 'File "/' not in html


def test_404_page_leaks_nothing(client, home_page):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert no_leaks(response.content.decode())


def test_bad_host_gets_the_400_page(client, home_page):
    response = client.get("/en/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bad request" in html
    assert no_leaks(html) and "attacker.example" not in html


def test_missing_csrf_token_gets_a_helpful_403(publication):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "ana", "password": "Hello there"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Please send the form again" in html
    assert no_leaks(html) and "CSRF cookie not set" not in html


def test_unexpected_errors_get_the_500_page(client, home_page, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Site, "_find_for_request", broken)
    client.raise_request_exception = False
    response = client.get("/en/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert no_leaks(html) and "secret internals" not in html


def test_lost_database_gets_a_fast_503_with_retry_after(client, home_page, monkeypatch):
    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Site, "_find_for_request", database_gone)
    client.raise_request_exception = False
    response = client.get("/en/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    html = response.content.decode()
    assert "Temporarily unavailable" in html
    assert no_leaks(html) and "server closed" not in html


def test_nul_bytes_and_huge_query_strings_get_a_400(client, publication):
    assert client.get("/en/publications/?kind=a%00b").status_code == 400
    assert client.get("/en/publications/%00/").status_code == 400
    assert client.get("/en/search/", {"q": "x" * 5000}).status_code == 400
    assert client.get("/en/publications/", {"kind": "analysis"}).status_code == 200
    # The search form explains the problem itself, next to the field.
    search = client.get("/en/search/?q=a%00b")
    assert search.status_code == 400
    assert "Null characters are not allowed" in search.content.decode()


def test_numbers_too_large_for_any_id_are_not_found(client, publication):
    for path in ["/en/comments/99999999999999999999/", "/en/cite/99999999999999999999.bib"]:
        assert client.get(path).status_code == 404


def test_values_the_database_refuses_get_a_400_not_a_500(client, publication, monkeypatch):
    from publications.models import PublicationIndexPage

    def refused(*args, **kwargs):
        raise DataError("value out of range for type bigint")

    monkeypatch.setattr(PublicationIndexPage, "filter_publications", refused)
    response = client.get("/en/publications/")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


# A cache that goes away ----------------------------------------------------------------------


DEAD_REDIS = {
    "default": {
        "BACKEND": "bcsp_site.caching.backends.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    },
    # As production configures it with Redis (bcsp_site.settings.base).
    "content": {"BACKEND": "bcsp_site.caching.backends.LayeredCache", "LOCATION": "default"},
}


def test_resilient_cache_degrades_when_redis_is_unreachable(caplog):
    cache = ResilientRedisCache(DEAD_REDIS["default"]["LOCATION"], DEAD_REDIS["default"])
    with caplog.at_level(logging.WARNING, logger="bcsp.cache"):
        assert cache.get("key", "default") == "default"
        cache.set("key", "value")
        assert cache.add("key", 0) is False
        assert cache.incr("counter") == 1
        assert cache.get_many(["a", "b"]) == {}
        assert cache.get_or_set("key", "computed") == "computed"
        cache.delete("key")
    assert "Cache unavailable" in caplog.text
    assert caplog.text.count("Cache unavailable") == 1  # logged once, not per call


@pytest.mark.skipif(
    not __import__("os").environ.get("REDIS_TEST_URL"),
    reason="needs a Redis server (REDIS_TEST_URL, set by CI)",
)
def test_resilient_cache_behaves_like_redis_when_redis_is_up():
    import os

    cache = ResilientRedisCache(os.environ["REDIS_TEST_URL"], {"KEY_PREFIX": "bcsp-test"})
    cache.delete("counter")
    with pytest.raises(ValueError):
        cache.incr("counter")
    assert cache.add("counter", 0, timeout=30) is True
    assert cache.incr("counter") == 1
    assert cache.get("counter") == 1
    cache.delete("counter")


def test_site_serves_pages_and_accepts_comments_while_redis_is_down(client, publication, settings):
    settings.CACHES = DEAD_REDIS
    assert client.get("/en/").status_code == 200
    assert client.get(publication.url).status_code == 200
    token = spam.make_form_token(publication.pk, issued_at=spam.current_time() - 30)
    response = client.post(
        reverse("comments:post", args=[publication.pk]),
        {
            "name": "Ana",
            "email": "ana@example.org",
            "text": "Posted while the cache was down.",
            "website": "",
            "form_token": token,
        },
    )
    assert response.status_code == 302
    assert Comment.objects.filter(text="Posted while the cache was down.").exists()
    caches["default"].close()


# Logs ----------------------------------------------------------------------------------------


def make_record(message, *args, exc_info=None):
    return logging.LogRecord("bcsp.test", logging.ERROR, __file__, 1, message, args, exc_info)


def test_logs_never_carry_emails_addresses_or_link_tokens():
    text = (
        "Failed for ana.b@example.org from 203.0.113.7 and 2001:db8::1 at 12:30:45 "
        "on /en/e-bulletin/unsubscribe/Zx9-secret_token/erase/"
    )
    cleaned = redact(text)
    assert "ana.b@example.org" not in cleaned and "[email]" in cleaned
    assert "203.0.113.7" not in cleaned and "2001:db8::1" not in cleaned
    assert "Zx9-secret_token" not in cleaned
    assert "12:30:45" in cleaned


def test_log_filter_redacts_message_arguments_and_tracebacks():
    try:
        raise ValueError("duplicate key for ana@example.org")
    except ValueError:
        record = make_record("Sign-up from %s failed", "198.51.100.4", exc_info=sys.exc_info())
    assert RedactPersonalData().filter(record) is True
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "bcsp.test"
    assert entry["message"] == "Sign-up from [ip] failed"
    assert "ValueError" in entry["error"]
    assert "ana@example.org" not in line and "198.51.100.4" not in line


def test_every_log_record_passes_the_redaction_filter_and_production_writes_json(
    settings, monkeypatch
):
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["redact"]
    production = load_production_settings(monkeypatch)
    console = production.LOGGING["handlers"]["console"]
    assert production.LOGGING["formatters"][console["formatter"]]["()"] == (
        "bcsp_site.core.logging.JsonFormatter"
    )
