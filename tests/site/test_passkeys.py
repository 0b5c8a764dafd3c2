"""Passkeys as a second factor: using one after the password (never instead of it), adding
one only from a session that has passed the second step, naming and removing them, and the
guard in front of the admin with a passkey set up."""

import json
import re
from pathlib import Path

import django_otp_webauthn
import polib
import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django_otp_webauthn import views as library
from django_otp_webauthn.models import WebAuthnCredential
from wagtail.users.models import UserProfile

from tests.site.test_two_step import PASSWORD, signed_in_with_password, with_app
from tests.support.passkeys import SoftPasskey

BEGIN_AUTH = "/admin/two-step/passkeys/api/authentication/begin/"
COMPLETE_AUTH = "/admin/two-step/passkeys/api/authentication/complete/"
BEGIN_REGISTRATION = "/admin/two-step/passkeys/api/registration/begin/"


@pytest.fixture
def editor(db, django_user_model):
    user = django_user_model.objects.create_user("editor", "editor@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def passkey(editor):
    with_app(editor)
    return SoftPasskey(editor)


def use_passkey(client, passkey, next_url="/admin/pages/"):
    options = client.post(BEGIN_AUTH)
    assert options.status_code == 200, options.content
    answer = passkey.answer(options.json())
    return client.post(
        f"{COMPLETE_AUTH}?next={next_url}", json.dumps(answer), content_type="application/json"
    )


def verified(client):
    return client.get("/admin/pages/").status_code == 200


def test_the_second_step_offers_a_passkey_to_an_editor_who_has_one(passkey):
    client = signed_in_with_password()
    response = client.get("/admin/two-step/verify/?next=/admin/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="passkey-verification-button"' in html and "Use a passkey" in html
    config = json.loads(
        re.search(
            r'<script id="otp_webauthn_config" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    assert config["beginAuthenticationUrl"] == BEGIN_AUTH
    assert config["autocompleteLoginFieldSelector"] is None  # no passkey instead of a password
    assert "django_otp_webauthn/otp_webauthn_auth.js" in html
    # The code form is still there.
    assert 'name="code"' in html


def test_the_second_step_offers_no_passkey_to_an_editor_without_one(editor):
    with_app(editor)
    html = signed_in_with_password().get("/admin/two-step/verify/").content.decode()
    assert "passkey" not in html.lower()


def test_a_passkey_passes_the_second_step_under_a_new_session_key(passkey):
    client = signed_in_with_password()
    key_after_password = client.session.session_key
    assert not verified(client)

    response = use_passkey(client, passkey)

    assert response.status_code == 200
    assert response.json()["redirect_url"] == "/admin/pages/"
    assert client.session.session_key != key_after_password
    assert verified(client)
    passkey.device.refresh_from_db()
    assert passkey.device.sign_count == 1 and passkey.device.last_used_at is not None
    # The session key known before the second step is worth nothing now.
    stale = Client()
    stale.cookies["sessionid"] = key_after_password
    assert stale.get("/admin/pages/").status_code == 302


def test_without_a_safe_next_the_passkey_leads_to_the_dashboard(passkey):
    client = signed_in_with_password()
    response = use_passkey(client, passkey, next_url="https://evil.example/")
    assert response.json()["redirect_url"] == "/admin/"


def test_a_passkey_never_replaces_the_password(passkey):
    client = Client()
    # The admin sends a visitor who has not signed in to the sign-in page…
    refused = client.post(BEGIN_AUTH)
    assert refused.status_code == 302 and refused["Location"].startswith("/admin/login/")
    answer = passkey.answer({"challenge": "AAAA"})
    refused = client.post(COMPLETE_AUTH, json.dumps(answer), content_type="application/json")
    assert refused.status_code == 302 and refused["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session
    # …and the library itself refuses a passkey without a password.
    request = RequestFactory().post(BEGIN_AUTH)
    request.user = AnonymousUser()
    request.session = SessionStore()
    refused = library.BeginCredentialAuthenticationView.as_view()(request)
    assert refused.status_code == 403
    assert json.loads(refused.content)["code"] == "passwordless_login_disabled"


def test_another_editors_passkey_does_not_pass_the_second_step(passkey, django_user_model):
    other = django_user_model.objects.create_user("other", "other@example.org", PASSWORD)
    other.groups.add(Group.objects.get(name="Editors"))
    with_app(other)
    client = signed_in_with_password("other")
    response = use_passkey(client, passkey)
    assert response.status_code == 403
    assert response.json()["code"] == "credential_user_mismatch"
    assert not verified(client)


def test_a_forged_answer_does_not_pass_the_second_step(passkey):
    client = signed_in_with_password()
    options = client.post(BEGIN_AUTH).json()
    answer = passkey.answer(options, origin="https://evil.example")
    response = client.post(COMPLETE_AUTH, json.dumps(answer), content_type="application/json")
    assert response.status_code == 422
    assert not verified(client)
    # Nor can the challenge be used twice.
    again = client.post(
        COMPLETE_AUTH, json.dumps(passkey.answer(options)), content_type="application/json"
    )
    assert again.status_code == 400 and again.json()["code"] == "invalid_state"
    assert not verified(client)


def test_the_guard_sends_an_editor_with_only_a_passkey_to_the_second_step(editor):
    SoftPasskey(editor)
    client = signed_in_with_password()
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/two-step/verify/?next=%2Fadmin%2Fpages%2F"


def test_adding_a_passkey_needs_the_second_step_first(passkey):
    client = signed_in_with_password()
    response = client.post(BEGIN_REGISTRATION)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/two-step/verify/")
    assert "otp_webauthn_register_state" not in client.session


def test_an_editor_without_a_second_factor_cannot_add_a_passkey_with_the_password_alone(editor):
    client = signed_in_with_password()
    response = client.post(BEGIN_REGISTRATION)
    assert response.status_code == 403
    assert response.json()["code"] == "user_not_verified"
    assert "otp_webauthn_register_state" not in client.session


def test_a_verified_editor_can_start_adding_a_passkey(passkey):
    client = signed_in_with_password()
    use_passkey(client, passkey)
    response = client.post(BEGIN_REGISTRATION)
    assert response.status_code == 200
    options = response.json()
    assert options["rp"]["id"] == "localhost"
    # The passkeys they have already are not made twice on one authenticator.
    assert [c["id"] for c in options["excludeCredentials"]] == [
        passkey.answer({"challenge": "AAAA"})["id"]
    ]


def test_account_settings_list_rename_and_remove_passkeys(passkey):
    client = signed_in_with_password()
    use_passkey(client, passkey)
    page = client.get("/admin/two-step/").content.decode()
    assert "Laptop" in page and 'id="passkey-register-button"' in page
    assert "js/admin-passkeys.js" in page

    url = f"/admin/two-step/passkeys/{passkey.device.pk}/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"name": ""})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    passkey.device.refresh_from_db()
    assert passkey.device.name == "Laptop"

    saved = client.post(url, {"name": "<b>Work</b> laptop"})
    assert saved.status_code == 302
    page = client.get("/admin/two-step/").content.decode()
    assert "&lt;b&gt;Work&lt;/b&gt; laptop" in page and "<b>Work</b>" not in page

    removed = client.post(f"{url}remove/")
    assert removed.status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=passkey.device.pk).exists()


def test_an_editor_cannot_rename_or_remove_someone_elses_passkey(passkey, django_user_model):
    other = django_user_model.objects.create_user("other", "other@example.org", PASSWORD)
    other.groups.add(Group.objects.get(name="Editors"))
    client = signed_in_with_password("other")  # no second factor, not required
    url = f"/admin/two-step/passkeys/{passkey.device.pk}/"
    assert client.post(url, {"name": "Mine"}, follow=True).status_code == 404
    assert client.post(f"{url}remove/", follow=True).status_code == 404
    assert WebAuthnCredential.objects.get(pk=passkey.device.pk).name == "Laptop"


def test_turning_off_or_resetting_two_step_removes_the_passkeys(passkey, admin_client):
    response = admin_client.post(f"/admin/two-step/reset/{passkey.device.user_id}/")
    assert response.status_code == 302
    assert not WebAuthnCredential.objects.exists()


# The texts of the library's scripts ------------------------------------------------------

SCRIPTS = Path(django_otp_webauthn.__file__).parent / "static" / "django_otp_webauthn"
JS_CATALOGUE = Path(settings.BASE_DIR) / "bcsp_site/translations/site/sr/LC_MESSAGES/djangojs.po"


def test_every_text_of_the_passkey_scripts_has_a_serbian_translation():
    texts = {
        text
        for script in SCRIPTS.glob("*.js")
        for text in re.findall(r'gettext\("([^"]+)"\)', script.read_text())
    }
    assert len(texts) > 20
    catalogue = polib.pofile(str(JS_CATALOGUE))
    translated = {entry.msgid for entry in catalogue.translated_entries()}
    assert sorted(texts - translated) == []
    compiled = polib.mofile(str(JS_CATALOGUE.with_suffix(".mo")))
    assert {e.msgid: e.msgstr for e in compiled if e.msgid} == {
        e.msgid: e.msgstr for e in catalogue.translated_entries()
    }, "run: python manage.py update_translations --compile-only"


def test_an_editor_who_uses_the_admin_in_serbian_gets_the_passkey_texts_in_serbian(editor):
    with_app(editor)
    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "sr"
    profile.save()
    client = signed_in_with_password()
    catalogue = client.get("/admin/two-step/passkeys/api/jsi18n/")
    assert catalogue.status_code == 200
    assert "Provera je otkazana ili nije dozvoljena." in catalogue.content.decode()
