"""Two-step verification in a real browser, with ADMIN_REQUIRE_2FA on: a new editor sets
up an authenticator app at their first sign-in, keeps the recovery codes and reaches the
dashboard; later sign-ins ask for a code from the app or a recovery code; a wrong code is
refused with a message. The pages keep the admin's Content Security Policy."""

import re
import time
from base64 import b32decode
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.oath import TOTP
from playwright.sync_api import expect

PASSWORD = "a-long-passphrase-1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser" / "two-step"

LISTEN = """document.addEventListener("securitypolicyviolation", (event) => {
    (window.cspViolations = window.cspViolations || []).push(
        event.violatedDirective + " " + (event.blockedURI || "inline"));
});"""


def make_editor(username):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def code_for(key, later=0):
    totp = TOTP(key)
    totp.time = time.time() + later
    return f"{totp.token():06d}"


def watched(page):
    page.add_init_script(LISTEN)
    return page


def no_violations(page):
    assert page.evaluate("window.cspViolations || []") == []


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The admin's messages slide in: take the picture once they are in place.
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in_with_password(page, base_url, username):
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def set_up_app(page, base_url, username, width):
    """From the password to the dashboard; returns the app's key and the recovery codes."""
    sign_in_with_password(page, base_url, username)
    expect(page).to_have_url(re.compile(r"/admin/two-step/set-up/\?next="))
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    expect(page.locator(".signin-qr svg")).to_be_visible()
    screenshot(page, f"set-up-{width}")
    no_violations(page)
    key = b32decode(page.locator("[data-secret]").inner_text().replace(" ", ""))
    page.get_by_role("textbox", name=re.compile("^Code")).fill(code_for(key))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".signin-codes code").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, f"recovery-codes-{width}")
    no_violations(page)
    page.get_by_role("button", name="I have saved them").click()
    expect(page).to_have_url(f"{base_url}/admin/")
    expect(page.locator("#wagtail-sidebar")).to_be_attached()
    return key, codes


def test_an_editor_sets_up_two_step_verification_and_signs_in_with_it(
    new_page, demo_site, settings
):
    settings.ADMIN_REQUIRE_2FA = True
    base_url = demo_site.url
    make_editor("editor")
    page = watched(new_page())
    key, codes = set_up_app(page, base_url, "editor", 1280)
    no_violations(page)

    # Signing out from the admin, then in again: password, then a code from the app (the
    # next one it shows: the one used to set it up cannot be used twice).
    page.goto(f"{base_url}/admin/two-step/")
    page.evaluate(
        """() => { const form = document.createElement("form"); form.method = "post";
        form.action = "/admin/logout/"; const token = document.createElement("input");
        token.name = "csrfmiddlewaretoken";
        token.value = JSON.parse(document.getElementById("wagtail-config").textContent).CSRF_TOKEN;
        form.append(token); document.body.append(form); form.submit(); }"""
    )
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    sign_in_with_password(page, base_url, "editor")
    expect(page).to_have_url(re.compile(r"/admin/two-step/verify/\?next="))
    page.get_by_role("textbox", name=re.compile("^Code")).fill(code_for(key, later=30))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{base_url}/admin/")

    # Another time with a recovery code, which is then used up.
    page.context.clear_cookies()
    sign_in_with_password(page, base_url, "editor")
    page.get_by_role("textbox", name=re.compile("^Code")).fill(codes[0].upper())
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{base_url}/admin/")
    expect(page.get_by_text("You signed in with a recovery code; 9 are left.")).to_be_visible()

    # A wrong code: the message, and no admin.
    page.context.clear_cookies()
    sign_in_with_password(page, base_url, "editor")
    page.get_by_role("textbox", name=re.compile("^Code")).fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(
        page.get_by_role("status").get_by_text("That code is not right. Check it and try again.")
    ).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/two-step/verify/"))
    screenshot(page, "verify-wrong-code-1280")
    no_violations(page)
    page.goto(f"{base_url}/admin/pages/")
    expect(page).to_have_url(re.compile(r"/admin/two-step/verify/"))
    sign_out(page)
    expect(page).to_have_url(re.compile(r"/admin/login/"))


def test_the_second_step_pages_fit_a_phone(new_page, demo_site, settings):
    settings.ADMIN_REQUIRE_2FA = True
    base_url = demo_site.url
    make_editor("phone")
    page = watched(new_page(viewport={"width": 390, "height": 844}))
    set_up_app(page, base_url, "phone", 390)
    page.context.clear_cookies()
    sign_in_with_password(page, base_url, "phone")
    page.get_by_role("textbox", name=re.compile("^Code")).fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(
        page.get_by_role("status").get_by_text("That code is not right. Check it and try again.")
    ).to_be_visible()
    screenshot(page, "verify-wrong-code-390")
    no_violations(page)
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
