"""The editor's paths in the admin that the browser tests walk, checked without a browser:
preview headers, starting a page again, the author chooser and the dashboard."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import rich_text

from tests.factories import PublicationPageFactory

PASSWORD = "a-long-enough-password-42"


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(user)
    return client


@pytest.fixture
def publication(publication_index):
    return PublicationPageFactory(parent=publication_index, title="Oversight of the police")


# Previews -----------------------------------------------------------------------------------


def test_previews_may_be_framed_by_the_admin_only(superuser_client, publication):
    publication.title = "A draft title nobody has published"
    revision = publication.save_revision()

    response = superuser_client.get(
        reverse("wagtailadmin_pages:revisions_view", args=[publication.pk, revision.pk])
    )

    assert response.status_code == 200
    assert b"A draft title nobody has published" in response.content
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert csp_directives(response)["frame-ancestors"] == "'self'"
    assert "private" in response["Cache-Control"]


def test_public_pages_still_refuse_every_frame(superuser_client, publication):
    publication.title = "A draft title nobody has published"
    revision = publication.save_revision()
    superuser_client.get(
        reverse("wagtailadmin_pages:revisions_view", args=[publication.pk, revision.pk])
    )

    visitor = Client()
    for _attempt in range(2):  # the second answer comes from the page cache
        response = visitor.get(publication.url)
        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY"
        assert csp_directives(response)["frame-ancestors"] == "'none'"
        assert b"A draft title nobody has published" not in response.content
        assert b"Oversight of the police" in response.content
    assert response["X-Cache"] == "hit"


# Starting a page again ----------------------------------------------------------------------


def author_form(title, slug):
    """What the page editor sends for a new author page (autosave sends the same)."""
    return {
        "title": title,
        "slug": slug,
        "role": "",
        "biography": rich_text(""),
        "email": "",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
    }


def add_author_url(author_index):
    return reverse("wagtailadmin_pages:add", args=["authors", "authorpage", author_index.pk])


@pytest.mark.parametrize(
    ("slug", "title"),
    [
        ("jane-doe", "Jane Doe"),
        ("jane-doe-2", "Jane Doe"),
        ("djordje-djordjevic", "Đorđe Đorđević"),
        ("report-2020", "Report 2020"),
    ],
)
def test_slugs_made_from_the_title_are_told_from_typed_ones(slug, title):
    from bcsp_site.page_forms import slug_follows_title

    assert slug_follows_title(slug, title)
    assert not slug_follows_title("about-jane", title)
    assert not slug_follows_title(slug, "")


def test_a_new_page_whose_title_slug_is_taken_gets_the_next_free_one(
    superuser_client, author_index
):
    from tests.factories import AuthorPageFactory

    abandoned = AuthorPageFactory(
        parent=author_index, title="Jane Doe", slug="jane-doe", live=False
    )
    AuthorPageFactory(parent=author_index, title="Jane Doe", slug="jane-doe-2")

    response = superuser_client.post(
        add_author_url(author_index),
        author_form("Jane Doe", "jane-doe"),
        HTTP_ACCEPT="application/json",  # as autosave sends it
    )

    assert response.status_code == 200, response.content
    saved = response.json()
    assert saved["field_updates"]["slug"] == "jane-doe-3"
    from authors.models import AuthorPage

    assert AuthorPage.objects.get(pk=saved["pk"]).slug == "jane-doe-3"
    abandoned.refresh_from_db()
    assert abandoned.slug == "jane-doe"


def test_a_typed_slug_that_is_taken_names_and_links_the_page_holding_it(
    superuser_client, author_index
):
    from authors.models import AuthorPage
    from tests.factories import AuthorPageFactory

    holder = AuthorPageFactory(parent=author_index, title="Jane <Doe>", slug="jane", live=False)

    response = superuser_client.post(add_author_url(author_index), author_form("Someone", "jane"))

    assert response.status_code == 200
    errors = response.context["form"].errors["slug"]
    assert len(errors) == 1
    edit_url = reverse("wagtailadmin_pages:edit", args=[holder.pk])
    assert errors[0] == (
        "The slug “jane” is already used by "
        f'“<a href="{edit_url}">Jane &lt;Doe&gt;</a>” (draft) in the same section. '
        "Choose another slug, or open that page and carry on with it."
    )
    assert errors[0] in response.content.decode()
    assert not AuthorPage.objects.filter(title="Someone").exists()
