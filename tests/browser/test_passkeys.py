"""Passkeys in a real browser, on Chromium's virtual authenticator (through the DevTools
protocol): an editor who has passed the second step adds a passkey from Account › Two-step
verification and names it, signs out, signs in with the password and the passkey, reaches
the dashboard, and removes it. Passkeys are not made for IP addresses: the live server is
reached as localhost. The pages keep the admin's Content Security Policy."""

import re

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from tests.browser.test_two_step import (
    code_for,
    make_editor,
    no_violations,
    screenshot,
    sign_in_with_password,
    watched,
)

SIGN_OUT = """() => { const form = document.createElement("form"); form.method = "post";
    form.action = "/admin/logout/"; const token = document.createElement("input");
    token.name = "csrfmiddlewaretoken";
    token.value = JSON.parse(document.getElementById("wagtail-config").textContent).CSRF_TOKEN;
    form.append(token); document.body.append(form); form.submit(); }"""


def with_virtual_authenticator(page):
    """A platform authenticator (like a laptop's fingerprint reader) that always says yes."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return page


@pytest.mark.parametrize("width", [1280, 390])
def test_an_editor_adds_a_passkey_signs_in_with_it_and_removes_it(
    new_page, demo_site, settings, width
):
    settings.ADMIN_REQUIRE_2FA = True
    base_url = demo_site.url
    assert base_url.startswith("http://localhost:")
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [base_url]
    editor = make_editor("editor")
    app = TOTPDevice.objects.create(user=editor, name="Authenticator app", confirmed=True)
    StaticDevice.objects.create(user=editor, name="Recovery codes", confirmed=True)
    page = watched(new_page(viewport={"width": width, "height": 900}))
    with_virtual_authenticator(page)

    # Password and app code first: adding a passkey needs a session past the second step.
    sign_in_with_password(page, base_url, "editor")
    expect(page).to_have_url(re.compile(r"/admin/two-step/verify/"))
    expect(page.get_by_role("button", name="Use a passkey")).to_have_count(0)
    page.get_by_role("textbox", name=re.compile("^Code")).fill(code_for(app.bin_key))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{base_url}/admin/")

    page.goto(f"{base_url}/admin/two-step/")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("heading", name="Name your passkey")).to_be_visible()
    credential = WebAuthnCredential.objects.get(user=editor)
    expect(page).to_have_url(f"{base_url}/admin/two-step/passkeys/{credential.pk}/")
    page.get_by_role("textbox", name=re.compile("^Name")).fill("This laptop")
    screenshot(page, f"passkey-name-{width}")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{base_url}/admin/two-step/")
    expect(page.get_by_role("cell", name="This laptop")).to_be_visible()
    screenshot(page, f"passkey-settings-{width}")
    no_violations(page)

    # Signing out, then in again: the password, then the passkey.
    page.evaluate(SIGN_OUT)
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    sign_in_with_password(page, base_url, "editor")
    expect(page).to_have_url(re.compile(r"/admin/two-step/verify/\?next="))
    expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
    expect(page.get_by_role("textbox", name=re.compile("^Code"))).to_be_visible()
    screenshot(page, f"passkey-verify-{width}")
    no_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(f"{base_url}/admin/")
    expect(page.locator("#wagtail-sidebar")).to_be_attached()
    credential.refresh_from_db()
    assert credential.last_used_at is not None

    # Removing it: the next sign-in offers only codes.
    page.goto(f"{base_url}/admin/two-step/")
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Passkey “This laptop” removed.")).to_be_visible()
    expect(page.get_by_role("cell", name="This laptop")).to_have_count(0)
    assert not WebAuthnCredential.objects.filter(user=editor).exists()
    no_violations(page)
    assert page.console_errors == []
