"""Pages keep their costly parts in the cache; visitors must still see every change at once.

Each test first views the pages (so their fragments, routes and counts are cached), then
changes something the way an editor does, and checks the very next request shows it.
"""

import datetime
import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from comments.models import Comment
from publications.models import PublicationTag
from tests.support.factories import (
    AuthorPageFactory,
    PublicationKindFactory,
    PublicationPageFactory,
)

PAGES = [
    "/en/",
    "/en/publications/",
    "/en/publications/2021/",
    "/en/publications/tags/police/",
    "/en/authors/ana-petrovic/",
]


@pytest.fixture(params=["local memory", "layered"])
def caches_in_use(request, settings):
    """The test settings' cache, and the layered one production uses with Redis (each worker
    keeps its own copies of the entries keyed by the content generation)."""
    if request.param == "layered":
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "content": {
                "BACKEND": "bcsp_site.caching.backends.LayeredCache",
                "LOCATION": "default",
            },
        }
    yield request.param
    caches["content" if "content" in settings.CACHES else "default"].clear()


@pytest.fixture
def author(author_index):
    author = AuthorPageFactory(parent=author_index, title="Ana Petrović", slug="ana-petrovic")
    author.save_revision().publish()
    return author


@pytest.fixture
def published(publication_index, author):
    page = PublicationPageFactory(
        parent=publication_index,
        title="Oversight of the Police in 2021",
        slug="oversight-2021",
        publication_date=datetime.date(2021, 3, 1),
        authors=[author],
        tag_names=["police"],
    )
    page.save_revision().publish()
    return page


def view(client, *paths):
    """Request each page twice (the second from the caches) and return the last HTML."""
    html = {}
    for path in paths:
        for _ in range(2):
            response = client.get(path)
            assert response.status_code == 200, path
        html[path] = response.content.decode()
    return html


def test_a_new_publication_shows_on_every_listing_at_once(
    caches_in_use, client, publication_index, author, published
):
    view(client, *PAGES)
    fresh = PublicationPageFactory(
        parent=publication_index,
        title="Police Reform After the Elections",
        slug="police-reform-after-the-elections",
        publication_date=datetime.date(2021, 11, 5),
        authors=[author],
        tag_names=["police"],
    )
    fresh.save_revision().publish()
    for path in PAGES:
        assert "Police Reform After the Elections" in client.get(path).content.decode(), path


def test_an_edited_publication_shows_its_new_text_everywhere(caches_in_use, client, published):
    view(client, published.url, *PAGES)
    published.title = "Who Oversees the Police?"
    published.summary = "A new teaser."
    published.save_revision().publish()
    html = client.get(published.url).content.decode()
    assert "<h1>Who Oversees the Police?</h1>" in html
    assert "A new teaser." in html
    for path in PAGES:
        page_html = client.get(path).content.decode()
        assert "Who Oversees the Police?" in page_html, path
        assert "Oversight of the Police in 2021" not in page_html, path


def test_a_new_address_shows_in_every_link_at_once(caches_in_use, client, published):
    search = "/en/search/?q=oversight"
    view(client, published.url, *PAGES, search)
    published.slug = "police-oversight-2021"
    published.save_revision().publish()
    for path in [*PAGES, search]:
        html = client.get(path).content.decode()
        assert 'href="/en/publications/police-oversight-2021/"' in html, path
        assert 'href="/en/publications/oversight-2021/"' not in html, path


def test_an_unpublished_publication_disappears_at_once(client, published):
    view(client, published.url, "/en/publications/")
    published.unpublish()
    assert client.get(published.url).status_code == 404
    assert "Oversight of the Police in 2021" not in client.get("/en/publications/").content.decode()


def test_renamed_kinds_authors_and_tags_show_at_once(client, published, author):
    view(client, published.url, "/en/publications/")
    kind = published.kind
    kind.name = "Policy brief"
    kind.save()
    tag = PublicationTag.objects.get(slug="police", locale=published.locale)
    tag.name = "Policing"
    tag.save()
    author.title = "Ana Petrović Jovanović"
    author.save_revision().publish()
    html = client.get(published.url).content.decode()
    assert "Policy brief" in html
    assert ">Policing</a>" in html
    assert "Ana Petrović Jovanović" in html
    listing = client.get("/en/publications/").content.decode()
    assert "Policy brief" in listing
    assert "Ana Petrović Jovanović" in listing


def test_a_section_made_private_hides_what_was_cached(
    caches_in_use, client, published, publication_index
):
    view(client, published.url, "/en/publications/", "/en/")
    PageViewRestriction.objects.create(
        page=publication_index, restriction_type=PageViewRestriction.PASSWORD, password="x" * 12
    )
    assert "Oversight of the Police" not in client.get(published.url).content.decode()
    assert "Oversight of the Police" not in client.get("/en/").content.decode()


def test_related_publications_follow_new_publications(client, published, publication_index):
    html = view(client, published.url)[published.url]
    assert "Related publications" not in html
    other = PublicationPageFactory(
        parent=publication_index,
        title="Police Budgets",
        slug="police-budgets",
        tag_names=["police"],
    )
    other.save_revision().publish()
    html = client.get(published.url).content.decode()
    assert "Related publications" in html
    assert "Police Budgets" in html


def test_a_search_finds_what_was_published_after_the_same_search(
    client, published, publication_index
):
    assert "No results" in client.get("/en/search/", {"q": "zrenjanin"}).content.decode()
    page = PublicationPageFactory(
        parent=publication_index, title="Drones over Zrenjanin", slug="drones-over-zrenjanin"
    )
    page.save_revision().publish()
    html = client.get("/en/search/", {"q": "zrenjanin"}).content.decode()
    assert "Drones over" in html


def test_a_preview_shows_the_draft_and_leaves_the_live_page_alone(client, published):
    view(client, published.url)
    published.title = "A Draft Title"
    published.save_revision()
    draft = published.get_latest_revision_as_object()
    assert "<h1>A Draft Title</h1>" in draft.make_preview_request().content.decode()
    live = view(client, published.url)[published.url]
    assert "A Draft Title" not in live
    assert "<h1>Oversight of the Police in 2021</h1>" in live


def test_no_visitor_gets_another_visitors_secret_in_the_comment_form(published):
    """The page is shared between visitors, so its form holds no CSRF token; what it holds is
    the signed form token, which names only the page and a time."""
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        for _ in range(2):
            html = visitor.get(published.url).content.decode()
        form = re.search(r'<form class="comment-form.*?</form>', html, re.S).group(0)
        assert "csrfmiddlewaretoken" not in form
        assert re.search(r'name="form_token" value="[^"]+"', form)


def test_a_new_kind_is_offered_by_the_search_form_at_once(client, published):
    view(client, "/en/search/?q=police")
    PublicationKindFactory(name="Infographic", slug="infographic")
    assert "Infographic" in client.get("/en/search/?q=police").content.decode()


def test_a_comment_shows_once_approved_and_not_before(client, admin_client, published):
    view(client, published.url)
    comment = Comment.objects.create(
        page=published, name="Milica", email="milica@example.org", text="Well argued."
    )
    assert "Well argued." not in client.get(published.url).content.decode()
    bulk = reverse("wagtail_bulk_action", args=("comments", "comment", "approve"))
    assert admin_client.post(f"{bulk}?id={comment.pk}").status_code == 302
    html = client.get(published.url).content.decode()
    assert "Well argued." in html
    comment.delete()
    assert "Well argued." not in client.get(published.url).content.decode()
