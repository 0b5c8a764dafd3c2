"""The style guide as a designer on the staff opens it: sent to sign in first, then every
component on one page, with no axe-core violations in either colour scheme, at the widths
tests/browser/test_accessibility.py checks each scheme at."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from tests.browser.test_accessibility import HEIGHT, LOOKS, THEMES, describe
from tests.support.html_validation import html_errors

PASSWORD = "a-long-designer-password"  # noqa: S105
UNPAINTED = ("", "rgba(0, 0, 0, 0)", "transparent")
# Each swatch: the value it shows, the stylesheet's value and the colour it is painted.
SWATCHES = """(swatches) => swatches.map((swatch) => ({
    name: swatch.dataset.colourToken,
    value: swatch.querySelector("[data-colour-value]").textContent,
    defined: getComputedStyle(document.documentElement)
        .getPropertyValue(swatch.dataset.colourToken).trim(),
    painted: getComputedStyle(swatch.querySelector(".swatch__colour")).backgroundColor,
}))"""


def designer():
    user = get_user_model().objects.create_user(
        "designer", "designer@example.org", PASSWORD, is_staff=True
    )
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    return user


def sign_in_to_the_styleguide(page, base_url):
    page.goto(f"{base_url}/en/styleguide/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next="))
    page.get_by_label("Username").fill("designer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(f"{base_url}/en/styleguide/")


@pytest.mark.parametrize("theme", THEMES)
def test_the_styleguide_has_no_axe_violations(new_page, demo_site, theme):
    designer()
    page = new_page(color_scheme=theme)
    sign_in_to_the_styleguide(page, demo_site.url)
    expect(page.get_by_role("heading", level=1, name="Style guide")).to_be_visible()
    # Every swatch is painted with its colour and says what it is in the stylesheet.
    swatches = page.locator("[data-colour-token]")
    expect(swatches.first).not_to_contain_text("not defined")
    shown = swatches.evaluate_all(SWATCHES)
    assert len(shown) >= 5
    assert [s for s in shown if s["value"] != s["defined"] or s["painted"] in UNPAINTED] == []
    # Signed in, so the page carries Wagtail's user bar too (at the end of the body, where
    # it leaves the skip link the first link of the page).
    expect(page.locator("wagtail-userbar")).to_have_count(1)
    problems = []
    for width in [width for scheme, width in LOOKS if scheme == theme]:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.reload()
        violations = Axe().run(page).response["violations"]
        if violations:
            problems.append(f"at {width} px:\n{describe(violations)}")
    assert problems == [], "\n".join(problems)


def test_the_styleguide_is_valid_html(demo_site, client, tmp_path):
    client.force_login(designer())
    host = demo_site.url.split("//")[1]
    documents = {
        f"styleguide {language}": client.get(f"/{language}/styleguide/", HTTP_HOST=host).content
        for language in ("en", "sr")
    }
    errors = html_errors(documents, tmp_path)
    assert errors == [], "\n".join(errors)
