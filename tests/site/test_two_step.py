"""Two-step verification of admin sign-ins: setting up an authenticator app, the code after
the password, recovery codes, wrong codes, and every admin view behind the second step."""

import re
import time
from base64 import b32decode

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "a-long-enough-password-42"


@pytest.fixture
def required(settings):
    settings.ADMIN_REQUIRE_2FA = True
    return settings


@pytest.fixture
def editor(db, django_user_model):
    user = django_user_model.objects.create_user("editor", "editor@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def with_app(user):
    """The editor's authenticator app and two recovery codes, set up before."""
    app = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    codes = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=codes, token="recover1")
    StaticToken.objects.create(device=codes, token="recover2")
    return app


def code_for(key, later=0):
    totp = TOTP(key)
    totp.time = time.time() + later
    return f"{totp.token():06d}"


def signed_in_with_password(username="editor"):
    client = Client()
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_with_2fa_required_an_editor_sets_up_an_app_before_reaching_the_admin(required, editor):
    client = signed_in_with_password()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/two-step/set-up/?next=%2Fadmin%2F"

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<img" not in html.split("signin-qr", 1)[1].split("</div>", 1)[0]
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", html).group(1)
    key = b32decode(secret.replace(" ", ""))
    device = TOTPDevice.objects.get(user=editor)
    assert key == device.bin_key and not device.confirmed

    confirmed = client.post("/admin/two-step/set-up/", {"code": code_for(key), "next": "/admin/"})
    assert confirmed.status_code == 302
    assert confirmed["Location"].startswith("/admin/two-step/recovery-codes/")
    codes_page = client.get(confirmed["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page.content.decode())
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=editor).values_list("token", flat=True)
    )
    download = client.get("/admin/two-step/recovery-codes/download/")
    assert download["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'
    assert all(code in download.content.decode() for code in codes)
    onward = client.post("/admin/two-step/recovery-codes/", {"next": "/admin/"})
    assert onward["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # The codes are shown once.
    assert client.get("/admin/two-step/recovery-codes/").status_code == 302


def test_a_wrong_code_at_set_up_is_refused_and_keeps_the_same_secret(required, editor):
    client = signed_in_with_password()
    first = client.get("/admin/two-step/set-up/").content.decode()
    refused = client.post("/admin/two-step/set-up/", {"code": "000000"})
    assert refused.status_code == 400
    assert "That code is not right" in refused.content.decode()
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", first).group(1)
    assert secret in refused.content.decode()
    assert 'value="000000"' in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()
    assert client.get("/admin/").status_code == 302


def test_an_editor_with_an_app_gives_a_code_after_the_password(editor):
    app = with_app(editor)
    client = signed_in_with_password()
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/two-step/verify/?next=%2Fadmin%2Fpages%2F"
    assert client.get(response["Location"]).status_code == 200
    verified = client.post(
        "/admin/two-step/verify/", {"code": code_for(app.bin_key), "next": "/admin/pages/"}
    )
    assert verified.status_code == 302
    assert verified["Location"] == "/admin/pages/"
    assert client.get("/admin/pages/").status_code == 200


def test_wrong_codes_are_refused_then_slowed_down(editor):
    app = with_app(editor)
    client = signed_in_with_password()
    wrong = client.post("/admin/two-step/verify/", {"code": "123456"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    # Straight after a wrong code even the right one waits.
    again = client.post("/admin/two-step/verify/", {"code": code_for(app.bin_key)})
    assert again.status_code == 429
    assert int(again["Retry-After"]) >= 1
    assert "Too many wrong codes" in again.content.decode()
    assert client.get("/admin/").status_code == 302
    TOTPDevice.objects.filter(pk=app.pk).update(throttling_failure_timestamp=None)
    assert (
        client.post("/admin/two-step/verify/", {"code": code_for(app.bin_key)}).status_code == 302
    )


def test_empty_or_oversized_codes_are_refused_with_a_message(editor):
    with_app(editor)
    client = signed_in_with_password()
    for code in ("", "x" * 500):
        response = client.post("/admin/two-step/verify/", {"code": code})
        assert response.status_code == 400
        assert "error" in response.content.decode()


def test_a_recovery_code_signs_in_once(editor):
    with_app(editor)
    client = signed_in_with_password()
    response = client.post("/admin/two-step/verify/", {"code": "RECOVER1"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert not StaticToken.objects.filter(token="recover1").exists()

    other = signed_in_with_password()
    assert other.post("/admin/two-step/verify/", {"code": "recover1"}).status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/pages/",
        "/admin/api/main/pages/",
        "/admin/choose-page/",
        "/admin/images/",
        "/admin/documents/",
        "/admin/account/",
        "/admin/users/",
        "/admin/two-step/",
        "/admin/two-step/recovery-codes/download/",
    ],
)
def test_every_admin_view_waits_for_the_second_step(editor, path, home_page):
    editor.is_superuser = True
    editor.save()
    with_app(editor)
    client = signed_in_with_password()
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/two-step/verify/")


def test_previews_wait_for_the_second_step(editor, home_page):
    editor.is_superuser = True
    editor.save()
    with_app(editor)
    client = signed_in_with_password()
    response = client.post(f"/admin/pages/{home_page.pk}/edit/preview/", {})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/two-step/verify/")
    assert client.get(f"/admin/pages/{home_page.pk}/edit/preview/").status_code == 302


def test_a_password_alone_cannot_set_up_another_app(required, editor):
    with_app(editor)
    client = signed_in_with_password()
    response = client.get("/admin/two-step/set-up/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/two-step/verify/")
    assert client.post("/admin/two-step/set-up/", {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=editor).count() == 1


def test_a_password_reset_does_not_skip_the_second_step(editor):
    with_app(editor)
    Client().post("/admin/password_reset/", {"email": "editor@example.org"})
    link = re.search(r"http://testserver(/admin/password_reset/confirm/\S+)", mail.outbox[0].body)
    client = Client()
    form = client.get(link.group(1), follow=True)
    new_password = "another-long-password-7"
    client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    client.post("/admin/login/", {"username": "editor", "password": new_password})
    assert client.get("/admin/")["Location"].startswith("/admin/two-step/verify/")


def test_the_next_address_stays_on_this_site(editor):
    app = with_app(editor)
    client = signed_in_with_password()
    response = client.post(
        "/admin/two-step/verify/", {"code": code_for(app.bin_key), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/admin/"


def test_without_the_requirement_an_editor_without_an_app_signs_in_with_a_password(editor):
    client = signed_in_with_password()
    assert client.get("/admin/").status_code == 200


def test_the_demo_admin_signs_in_as_before_in_development(db):
    call_command("ensure_admin", stdout=None)
    client = Client()
    client.post("/admin/login/", {"username": "admin", "password": "bcsp-demo-admin"})
    assert client.get("/admin/").status_code == 200


def test_editors_make_new_recovery_codes_and_move_to_a_new_app(editor):
    app = with_app(editor)
    client = signed_in_with_password()
    client.post("/admin/two-step/verify/", {"code": code_for(app.bin_key)})
    settings_page = client.get("/admin/two-step/")
    assert "You have 2 unused recovery codes." in settings_page.content.decode()
    response = client.post("/admin/two-step/recovery-codes/new/")
    assert response["Location"].startswith("/admin/two-step/recovery-codes/")
    assert StaticToken.objects.filter(device__user=editor).count() == 10
    assert not StaticToken.objects.filter(token="recover2").exists()
    # A verified editor may set up a new app; the old one stops working once it is confirmed.
    page = client.get("/admin/two-step/set-up/").content.decode()
    key = b32decode(re.search(r"data-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", ""))
    assert client.post("/admin/two-step/set-up/", {"code": code_for(key)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=editor).values_list("key", flat=True)) == [key.hex()]


def test_the_account_page_links_to_two_step_settings(editor):
    client = signed_in_with_password()
    assert 'href="/admin/two-step/"' in client.get("/admin/account/").content.decode()


def test_a_superuser_resets_an_editors_second_factor(editor, django_user_model):
    with_app(editor)
    root = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    client = Client()
    client.force_login(root)
    assert "/admin/two-step/reset/" in client.get("/admin/users/").content.decode()
    assert client.get(f"/admin/two-step/reset/{editor.pk}/").status_code == 200
    assert client.post(f"/admin/two-step/reset/{editor.pk}/").status_code == 302
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert not StaticDevice.objects.filter(user=editor).exists()


def test_only_superusers_reset_a_second_factor(editor, django_user_model):
    with_app(editor)
    other = django_user_model.objects.create_user("other", "other@example.org", PASSWORD)
    other.groups.add(Group.objects.get(name="Editors"))
    client = signed_in_with_password("other")
    refused = client.post(f"/admin/two-step/reset/{editor.pk}/", follow=True)
    assert "Sorry, you do not have permission to access this area." in refused.content.decode()
    assert TOTPDevice.objects.filter(user=editor).exists()


def test_reset_2fa_command_removes_the_devices(editor):
    with_app(editor)
    call_command("reset_2fa", "editor", stdout=None)
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert not StaticDevice.objects.filter(user=editor).exists()


def test_production_settings_require_the_second_step(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    monkeypatch.setenv("ALLOWED_HOSTS", "bezbednost.org")
    monkeypatch.delenv("ADMIN_REQUIRE_2FA", raising=False)
    sys.modules.pop("bcsp_site.settings.production", None)
    try:
        assert importlib.import_module("bcsp_site.settings.production").ADMIN_REQUIRE_2FA is True
    finally:
        sys.modules.pop("bcsp_site.settings.production", None)


def test_the_second_step_gives_the_session_a_new_key(editor):
    app = with_app(editor)
    client = signed_in_with_password()
    before = client.cookies["sessionid"].value
    client.post("/admin/two-step/verify/", {"code": code_for(app.bin_key)})
    assert client.cookies["sessionid"].value != before
    # The key known before the second step no longer opens anything.
    stale = Client()
    stale.cookies["sessionid"] = before
    assert stale.get("/admin/")["Location"].startswith("/admin/login/")
