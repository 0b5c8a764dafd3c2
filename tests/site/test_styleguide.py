"""The living style guide at /<language>/styleguide/: staff only, never cached or indexed,
every component drawn from sample content that is never saved."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publications.models import PublicationPage
from tests.support.sitemaps import sitemap_text

STYLEGUIDE = "/en/styleguide/"
SECTIONS = [
    "Colour tokens",
    "Type scale",
    "Buttons",
    "Form fields",
    "Tag chips",
    "Pagination",
    "Publication card",
    "Carousel",
    "Covers",
    "Avatars",
    "Author byline",
    "Breadcrumbs",
    "Messages",
    "Cite box",
    "E-bulletin block",
    "Footnotes",
    "Search result",
    "Editor’s pick",
]
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("designer", "designer@example.org", is_staff=True)


@pytest.fixture
def editor(django_user_model):
    """Signed in to the admin, but not staff."""
    user = django_user_model.objects.create_user("editor", "editor@example.org")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    return user


def section_headings(html):
    return re.findall(r'<h2 id="styleguide-[\w-]+" lang="en">([^<]+)</h2>', html)


def directives(header):
    return {part.strip() for part in header.split(",")}


def test_anonymous_visitors_are_sent_to_sign_in(client, home_page):
    response = client.get(STYLEGUIDE)
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/en/styleguide/"


def test_people_who_are_not_staff_are_refused(client, home_page, editor):
    client.force_login(editor)
    response = client.get(STYLEGUIDE)
    assert response.status_code == 403
    assert "Style guide" not in response.content.decode()


def test_staff_see_every_section_drawn_from_samples_that_are_never_saved(client, home_page, staff):
    client.force_login(staff)
    client.get("/en/")  # the site's settings are made on the first visit to any page
    pages = PublicationPage.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(STYLEGUIDE)
    html = response.content.decode()

    assert response.status_code == 200
    assert section_headings(html) == SECTIONS
    for heading in SECTIONS:  # each in the contents, linking to its section
        assert re.search(rf'<li><a href="#[\w-]+">{heading}</a></li>', html)
    assert "Oversight of the security sector in a captured state" in html  # card, carousel…
    assert "Featured publications" in html  # the carousel's own heading
    assert 'aria-current="page">7</a>' in html  # pagination on its seventh page
    assert "Enter a valid email address." in html  # a form field's error
    assert "Required, but never shown on the site." in html  # a field's help text
    assert "<mark>security</mark>" in html  # the search result's match
    assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == []
    assert PublicationPage.objects.count() == pages


def test_the_components_speak_the_pages_language(client, home_page, staff):
    client.force_login(staff)
    html = client.get("/sr/styleguide/").content.decode()
    assert section_headings(html) == SECTIONS  # the guide's own words stay English
    assert "Izdvojene publikacije" in html  # the carousel's heading in Serbian
    assert "Citirajte ovu publikaciju" in html
    assert 'aria-label="Napomena 1">1</a>' in html  # a footnote's reference
    assert ">Napomene</h2>" in html


def test_it_is_never_cached_nor_indexed(client, home_page, staff):
    client.force_login(staff)
    response = client.get(STYLEGUIDE)
    assert directives(response["Cache-Control"]) == {"private", "no-store"}
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()

    client.logout()
    assert client.get(STYLEGUIDE).status_code == 302  # no copy kept for anyone else
    assert "styleguide" not in sitemap_text(client)


def test_nothing_is_sent_to_it(client, home_page, staff):
    client.force_login(staff)
    assert client.post(STYLEGUIDE).status_code == 405


def admin_menu_urls(html):
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    return re.findall(r'"url": "([^"]*)"', props.group(1))


def test_staff_find_it_under_help_in_the_admin(client, home_page, staff, editor):
    staff.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    client.force_login(staff)
    assert STYLEGUIDE in admin_menu_urls(client.get("/admin/").content.decode())

    client.force_login(editor)
    assert STYLEGUIDE not in admin_menu_urls(client.get("/admin/").content.decode())
