"""Authors: page types in the admin, the author index and an author's page."""

import datetime
import re

import pytest
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from authors.models import AUTHORS_PAGE_SIZE, AuthorIndexPage, AuthorLink, AuthorPage
from bcsp_site.models import HomePage
from publications.models import PublicationIndexPage
from tests.support.factories import (
    AuthorIndexPageFactory,
    AuthorPageFactory,
    ImageFactory,
    PublicationPageFactory,
)


def card_titles(html):
    return re.findall(r'class="card__title"><a href="[^"]*">([^<]*)</a>', html)


def current_page(html):
    """The number the page links mark as the current page."""
    return int(re.search(r'aria-label="Page (\d+)" aria-current="page"', html).group(1))


class AuthorAdminTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get(locale__language_code="en")
        cls.index = AuthorIndexPageFactory(parent=cls.home)

    def setUp(self):
        self.login()

    def test_editor_creates_an_author_with_contact_links(self):
        data = nested_form_data(
            {
                "title": "Isidora Stakić",
                "slug": "isidora-stakic",
                "role": "Researcher",
                "biography": rich_text("<p>Works on violent extremism.</p>"),
                "email": "isidora@example.org",
                "links": inline_formset(
                    [{"label": "ORCID", "url": "https://orcid.org/0000-0002-1825-0097"}]
                ),
            }
        )
        self.assertCanCreate(self.index, AuthorPage, data)
        author = AuthorPage.objects.get(slug="isidora-stakic")
        assert author.live
        assert [link.label for link in author.links.all()] == ["ORCID"]

    def test_editor_creates_the_author_index_once_per_home_page(self):
        self.index.delete()
        data = nested_form_data({"title": "Authors", "slug": "authors", "intro": "Our team."})
        self.assertCanCreate(self.home, AuthorIndexPage, data)
        assert not AuthorIndexPage.can_create_at(HomePage.objects.get(pk=self.home.pk))

    def test_page_type_rules(self):
        self.assertAllowedParentPageTypes(AuthorPage, {AuthorIndexPage})
        self.assertAllowedSubpageTypes(AuthorPage, set())
        self.assertAllowedSubpageTypes(AuthorIndexPage, {AuthorPage})
        self.assertAllowedParentPageTypes(AuthorIndexPage, {HomePage})
        self.assertCanNotCreateAt(PublicationIndexPage, AuthorPage)
        self.assertCanNotCreateAt(HomePage, AuthorPage)

    def test_editor_facing_fields_have_help_text(self):
        for model in (AuthorPage, AuthorIndexPage, AuthorLink):
            for field in model._meta.get_fields():
                if field.model is model and field.concrete and field.editable:
                    if field.name.endswith("_ptr") or field.name in {"id", "sort_order"}:
                        continue
                    if field.name == "author" and model is AuthorLink:
                        continue  # the parental key, not shown to editors
                    assert field.help_text, f"{model.__name__}.{field.name} has no help text"


def test_author_index_lists_live_authors_alphabetically_with_roles(client, author_index):
    AuthorPageFactory(parent=author_index, title="Saša Đorđević", role="Researcher")
    AuthorPageFactory(parent=author_index, title="Igor Bandović", role="Director", photo=None)
    AuthorPageFactory(parent=author_index, title="Ana Ilić", photo=ImageFactory())
    AuthorPageFactory(parent=author_index, title="Draft Person").unpublish()
    response = client.get("/en/authors/")
    assert response.status_code == 200
    html = response.content.decode()
    names = re.findall(r'class="person-card__name"><a href="[^"]*">([^<]*)</a>', html)
    assert names == ["Ana Ilić", "Igor Bandović", "Saša Đorđević"]
    assert '<p class="person-card__role">Director</p>' in html
    # A photo where there is one, the initials in a circle for the others.
    assert html.count('class="avatar avatar--m"') == 1
    assert '<span class="avatar avatar--initials avatar--m" aria-hidden="true">IB</span>' in html


@pytest.fixture
def author(author_index):
    page = AuthorPageFactory(
        parent=author_index,
        title="Saša Đorđević",
        slug="sasa-djordjevic",
        role="Researcher",
        biography="<p>Works on <b>organised crime</b>.</p>",
        email="sasa@example.org",
    )
    AuthorLink.objects.create(author=page, label="Twitter", url="https://example.org/sasa")
    return page


def test_author_page_shows_the_profile(client, author):
    response = client.get("/en/authors/sasa-djordjevic/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Saša Đorđević</h1>" in html
    assert '<p class="author__role">Researcher</p>' in html
    assert "Works on <b>organised crime</b>." in html
    assert '<a href="mailto:sasa@example.org">sasa@example.org</a>' in html
    assert '<a href="https://example.org/sasa" rel="noopener">Twitter</a>' in html
    assert "No publications yet." in html


def test_author_page_lists_their_work_newest_first_paginated(client, author, publication_index):
    other = AuthorPageFactory(parent=author.get_parent(), title="Someone Else")
    titles = []
    for number in range(AUTHORS_PAGE_SIZE + 3):
        page = PublicationPageFactory(
            parent=publication_index,
            title=f"Work {number:02d}",
            publication_date=datetime.date(2005 + number, 1, 1),
            authors=[author] if number % 4 else [other, author],
        )
        titles.append(page.title)
    PublicationPageFactory(parent=publication_index, title="Not theirs", authors=[other])
    newest_first = list(reversed(titles))

    html = client.get("/en/authors/sasa-djordjevic/").content.decode()
    assert f'<span class="count">({len(titles)})</span>' in html
    assert card_titles(html) == newest_first[:AUTHORS_PAGE_SIZE]
    assert current_page(html) == 1
    assert 'aria-label="Page 2">2</a>' in html
    page_two = client.get("/en/authors/sasa-djordjevic/?page=2").content.decode()
    assert card_titles(page_two) == newest_first[AUTHORS_PAGE_SIZE:]
    assert "Not theirs" not in html + page_two


@pytest.mark.parametrize("page", ["x", "0", "1"])
def test_author_page_leads_bad_page_numbers_to_the_first_page(
    client, author, publication_index, page
):
    response = client.get(f"/en/authors/sasa-djordjevic/?page={page}")
    assert (response.status_code, response["Location"]) == (301, "/en/authors/sasa-djordjevic/")


def test_author_page_shows_the_last_page_past_the_end(client, author, publication_index):
    for number in range(AUTHORS_PAGE_SIZE + 1):
        PublicationPageFactory(parent=publication_index, slug=f"w-{number}", authors=[author])
    response = client.get("/en/authors/sasa-djordjevic/?page=200")
    assert response.status_code == 200
    assert current_page(response.content.decode()) == 2


def test_unknown_and_unpublished_authors_are_404(client, author):
    assert client.get("/en/authors/nobody/").status_code == 404
    author.unpublish()
    assert client.get("/en/authors/sasa-djordjevic/").status_code == 404


def test_reader_cannot_inject_markup_through_the_page_number(client, author):
    response = client.get('/en/authors/sasa-djordjevic/?page="><script>alert(1)</script>')
    assert (response.status_code, response["Location"]) == (301, "/en/authors/sasa-djordjevic/")
    assert "<script>alert(1)</script>" not in response.content.decode()
