"""A page made private in the admin (the page's "Privacy" dialog) leaves every list that
showed it at once: the sitemap, the feeds, search results, the archive, tag and author
pages, the home page and other publications' "related" lists, whatever they had cached;
made public again, it comes back."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import PageViewRestriction

from bcsp_site.seo import child_number
from tests.support.factories import AuthorPageFactory, PublicationPageFactory
from tests.support.sitemaps import sitemap_text

TITLE = "Oversight of the Gendarmerie"
SLUG = "oversight-of-the-gendarmerie"


@pytest.fixture
def author(author_index):
    author = AuthorPageFactory(parent=author_index, title="Ana Petrović", slug="ana-petrovic")
    author.save_revision().publish()
    return author


@pytest.fixture
def secret(publication_index, author):
    page = PublicationPageFactory(
        parent=publication_index,
        title=TITLE,
        slug=SLUG,
        summary="Who watches the gendarmerie.",
        publication_date=datetime.date(2022, 3, 1),
        authors=[author],
        tag_names=["police"],
    )
    page.save_revision().publish()
    return page


@pytest.fixture
def neighbour(publication_index, author, secret):
    """A publication that shows the secret one among its related publications."""
    page = PublicationPageFactory(
        parent=publication_index,
        title="Police Budgets",
        slug="police-budgets",
        publication_date=datetime.date(2022, 2, 1),
        authors=[author],
        tag_names=["police"],
    )
    page.save_revision().publish()
    return page


@pytest.fixture
def editor(client, django_user_model):
    """A member of the Moderators group: those who may publish set pages' privacy."""
    user = django_user_model.objects.create_user("editor", "ed@example.org", "pw-123456789")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


SHOWING_EVERYTHING = [
    "/en/publications/feed/",
    "/en/publications/feed/atom/",
    "/en/publications/tags/police/feed/",
    "/en/authors/ana-petrovic/feed/",
    "/en/search/?q=gendarmerie",
    "/en/search/?tag=police",
    "/en/publications/",
    "/en/publications/2022/",
    "/en/publications/tags/police/",
    "/en/authors/ana-petrovic/",
    "/en/",
    "/en/publications/police-budgets/",
]
# Outside the publications section, for a restriction on the section itself.
OUTSIDE_THE_SECTION = [
    "/en/authors/ana-petrovic/feed/",
    "/en/search/?q=gendarmerie",
    "/en/search/?tag=police",
    "/en/authors/ana-petrovic/",
    "/en/",
]


def sitemap_of(page):
    """The child sitemap that lists the page."""
    return f"/sitemaps/publications-{child_number(page.pk)}.xml"


def warm(client, paths):
    for path in paths:
        for _ in range(2):  # the second answer comes from the caches
            response = client.get(path)
            assert response.status_code == 200, path
            assert SLUG in response.content.decode(), path


def set_privacy(client, editor, page, restriction_type, password=""):
    """What the admin's privacy dialog posts, as an editor signed in elsewhere."""
    client.force_login(editor)
    response = client.post(
        reverse("wagtailadmin_pages:set_privacy", args=[page.pk]),
        {"restriction_type": restriction_type, "password": password},
    )
    client.logout()
    assert response.status_code == 200, response.get("Location")
    assert "set_privacy_done" in response.content.decode()


@pytest.mark.parametrize("restricted", ["the page itself", "its section"])
def test_a_page_made_private_leaves_every_list_and_comes_back(
    client, editor, secret, neighbour, publication_index, restricted
):
    target, paths = {
        "the page itself": (secret, SHOWING_EVERYTHING),
        "its section": (publication_index, OUTSIDE_THE_SECTION),
    }[restricted]
    warm(client, [sitemap_of(secret), *paths])

    set_privacy(client, editor, target, PageViewRestriction.PASSWORD, "long-secret-pass")
    assert PageViewRestriction.objects.filter(page=target).exists()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert SLUG not in response.content.decode(), path
        assert TITLE not in response.content.decode(), path
    assert SLUG not in sitemap_text(client)
    assert 'name="password"' in client.get(secret.url).content.decode()

    set_privacy(client, editor, target, PageViewRestriction.NONE)
    assert not PageViewRestriction.objects.exists()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert SLUG in response.content.decode(), path
    assert SLUG in sitemap_text(client)


def test_a_page_shown_to_signed_in_visitors_only_leaves_the_sitemap(
    client, editor, secret, neighbour
):
    warm(client, [sitemap_of(secret), "/en/publications/"])
    set_privacy(client, editor, secret, PageViewRestriction.LOGIN)
    assert SLUG not in sitemap_text(client)
    assert SLUG not in client.get("/en/publications/").content.decode()
