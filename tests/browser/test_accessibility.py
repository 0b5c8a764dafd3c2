"""axe-core and the Nu HTML Checker on every kind of public page."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from publications.models import PublicationPage
from tests.support.html_validation import html_errors

PAGES = {
    "home": "/en/",
    "listing": "/en/publications/",
    "year archive": "/en/publications/2019/",
    "tag page": "/en/publications/tags/surveillance/",
    "publication": "/en/publications/the-security-sector-in-a-captured-state/",
    "op-ed": "/en/publications/public-recording-with-secret-cameras/",
    "authors": "/en/authors/",
    "author": "/en/authors/sasa-djordjevic/",
    "search with filters": "/en/search/?q=security&kind=analysis&year_from=2019&year_to=2020",
    "e-bulletin": "/en/e-bulletin/",
    "about": "/en/about/",
    "team": "/en/about/team/",
    "contact": "/en/contact/",
    "serbian team": "/sr/o-nama/tim/",
    "not found": "/en/no-such-page/",
    "Serbian home": "/sr/",
    "Serbian publication": "/sr/publications/sektor-bezbednosti-u-zarobljenoj-drzavi/",
    "Serbian tag page": "/sr/publications/tags/vanredno-stanje/",
    "Serbian search with a tag": "/sr/search/?q=sektor&tag=vanredno-stanje",
}
COMMENTED = "/en/publications/the-security-sector-in-a-captured-state/"
TOO_MANY_LINKS = "See https://a.example/1 https://b.example/2 https://c.example/3"


def describe(violations):
    return "\n".join(
        f"{item['id']} ({item['impact']}): {item['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in item["nodes"][:3])
        for item in violations
    )


def assert_no_axe_violations(page, name):
    violations = Axe().run(page).response["violations"]
    assert violations == [], f"{name}: {describe(violations)}"


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_axe_violations(page, demo_site, name):
    page.goto(f"{demo_site.url}{PAGES[name]}")
    assert_no_axe_violations(page, name)


def test_comment_form_showing_errors_has_no_axe_violations(page, demo_site):
    page.goto(f"{demo_site.url}{COMMENTED}")
    form = page.get_by_role("form", name="Post a comment")
    form.get_by_role("textbox", name=re.compile("^Name")).fill("Milica")
    form.get_by_role("textbox", name=re.compile("^Email")).fill("milica@example.org")
    form.get_by_role("textbox", name=re.compile("^Comment")).fill(TOO_MANY_LINKS)
    # Sent at once, so the spam guard's message shows as well as the field's error.
    with page.expect_navigation():
        form.get_by_role("button", name="Send comment").click()
    expect(form.get_by_role("alert")).to_contain_text("Please wait a few seconds")
    expect(form).to_contain_text("at most 2 web addresses")
    expect(form.get_by_role("textbox", name=re.compile("^Comment"))).to_have_attribute(
        "aria-invalid", "true"
    )
    assert_no_axe_violations(page, "comment form showing errors")


def comment_form_with_errors(client, host):
    """The publication page as it comes back from a refused comment (status 400)."""
    commented = PublicationPage.objects.get(
        slug="the-security-sector-in-a-captured-state", locale__language_code="en"
    )
    with translation.override("en"):
        url = reverse("comments:post", args=[commented.pk])
    response = client.post(
        url, {"name": "Milica", "email": "not-an-address", "text": "x"}, HTTP_HOST=host
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert 'aria-invalid="true"' in html
    return response.content


def test_pages_are_valid_html(demo_site, tmp_path, client):
    host = demo_site.url.split("//")[1]
    documents = {name: client.get(url, HTTP_HOST=host).content for name, url in PAGES.items()}
    documents["comment form showing errors"] = comment_form_with_errors(client, host)
    errors = html_errors(documents, tmp_path)
    assert errors == [], "\n".join(errors)
