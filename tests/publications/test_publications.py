"""Publications: page types in the admin, the publication page, listings and archives."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import PageViewRestriction
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from authors.models import AuthorIndexPage
from bcsp_site.models import HomePage
from publications.models import (
    PAGE_SIZE,
    OpEdPage,
    PublicationIndexPage,
    PublicationPage,
    PublicationTag,
)
from publications.pdf import build_simple_pdf
from tests.support.factories import (
    AuthorIndexPageFactory,
    AuthorPageFactory,
    ImageFactory,
    OpEdPageFactory,
    PublicationIndexPageFactory,
    PublicationKindFactory,
    PublicationPageFactory,
)


def day(year, month=6, date=1):
    return datetime.date(year, month, date)


def links(html, pattern):
    """The text of every link whose address matches `pattern`, in page order."""
    found = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', html)
    return [text for href, text in found if re.search(pattern, href)]


def card_titles(html):
    return re.findall(r'class="card__title"><a href="[^"]*">([^<]*)</a>', html)


def current_page(html):
    """The number the page links mark as the current page."""
    return int(re.search(r'aria-label="Page (\d+)" aria-current="page"', html).group(1))


# Creating pages in the admin ----------------------------------------------------------


class PublicationAdminTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get(locale__language_code="en")
        cls.index = PublicationIndexPageFactory(parent=cls.home)
        author_index = AuthorIndexPageFactory(parent=cls.home)
        cls.first_author = AuthorPageFactory(parent=author_index, title="Marko Drajić")
        cls.second_author = AuthorPageFactory(parent=author_index, title="Isidora Stakić")
        cls.kind = PublicationKindFactory(name="Report", slug="report")

    def setUp(self):
        self.login()

    def publication_data(self, **fields):
        return nested_form_data(
            {
                "title": "Policing protests",
                "slug": "policing-protests",
                "kind": self.kind.pk,
                "publication_date": "2024-03-01",
                "summary": "How the police handled the spring protests.",
                "body": streamfield(
                    [
                        ("heading", {"text": "Findings", "level": "h2"}),
                        ("paragraph", rich_text("<p>The police used force.</p>")),
                    ]
                ),
                "author_links": inline_formset(
                    [{"author": self.second_author.pk}, {"author": self.first_author.pk}]
                ),
                "footnotes": inline_formset([]),
                "tags": "police, protests",
                "comments_open": "on",
                **fields,
            }
        )

    def test_editor_creates_a_publication_with_ordered_authors_and_tags(self):
        self.assertCanCreate(self.index, PublicationPage, self.publication_data())
        page = PublicationPage.objects.get(slug="policing-protests")
        assert page.live
        assert [author.title for author in page.authors] == ["Isidora Stakić", "Marko Drajić"]
        assert sorted(page.tags.names()) == ["police", "protests"]
        assert [block.block_type for block in page.body] == ["heading", "paragraph"]

    def test_editor_creates_an_op_ed(self):
        data = self.publication_data(
            slug="pandemic-of-geopolitics",
            outlet_name="Vreme",
            outlet_url="https://www.vreme.com/",
            original_language="sr",
            translator_name="Pavle Nedić",
        )
        self.assertCanCreate(self.index, OpEdPage, data)
        assert OpEdPage.objects.get(slug="pandemic-of-geopolitics").outlet_name == "Vreme"

    def test_summary_is_required_and_limited(self):
        url = f"/admin/pages/add/publications/publicationpage/{self.index.pk}/"
        response = self.client.post(url, self.publication_data(summary="x" * 501))
        assert response.status_code == 200
        assert "at most 500 characters" in response.content.decode()
        assert not PublicationPage.objects.filter(slug="policing-protests").exists()

    def test_page_type_rules(self):
        self.assertAllowedParentPageTypes(PublicationPage, {PublicationIndexPage})
        self.assertAllowedParentPageTypes(OpEdPage, {PublicationIndexPage})
        self.assertAllowedSubpageTypes(PublicationPage, set())
        self.assertAllowedSubpageTypes(OpEdPage, set())
        self.assertAllowedSubpageTypes(PublicationIndexPage, {PublicationPage, OpEdPage})
        self.assertAllowedParentPageTypes(PublicationIndexPage, {HomePage})
        self.assertCanNotCreateAt(HomePage, PublicationPage)
        self.assertCanNotCreateAt(AuthorIndexPage, PublicationPage)

    def test_one_publication_index_per_home_page(self):
        assert not PublicationIndexPage.can_create_at(self.home)

    def test_editor_facing_fields_have_help_text(self):
        for model in (PublicationPage, OpEdPage, PublicationIndexPage):
            for field in model._meta.get_fields():
                if field.model is model and field.concrete and field.editable:
                    if field.name.endswith("_ptr"):
                        continue
                    assert field.help_text, f"{model.__name__}.{field.name} has no help text"


def test_reserved_and_numeric_slugs_are_refused(publication_index):
    for slug in ("2020", "tags"):
        page = PublicationPageFactory.build(slug=slug, kind=PublicationKindFactory())
        with pytest.raises(ValidationError) as error:
            page.clean()
        assert "slug" in error.value.message_dict


# The publication page -----------------------------------------------------------------


@pytest.fixture
def authors(author_index):
    return [
        AuthorPageFactory(parent=author_index, title="Jelena Pejić Nikić", slug="jelena"),
        AuthorPageFactory(parent=author_index, title="Saša Đorđević", slug="sasa"),
    ]


def test_publication_page_shows_everything_a_reader_needs(
    client, publication_index, authors, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the PDF's pages are counted
        pdf = get_document_model().objects.create(
            title="Full report",
            file=ContentFile(build_simple_pdf(["Captured state"]), name="captured-state.pdf"),
        )
    page = PublicationPageFactory(
        parent=publication_index,
        title="The Security Sector in a Captured State",
        slug="captured-state",
        kind=PublicationKindFactory(name="Report", slug="report"),
        publication_date=day(2020, 6, 30),
        summary="Report on state capture in Serbia.",
        body=[("paragraph", "<p>Mechanisms, actors and consequences.</p>")],
        cover_image=ImageFactory(),
        pdf=pdf,
        authors=authors,
        tag_names=["state capture", "security sector reform"],
    )
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>The Security Sector in a Captured State</h1>" in html
    assert '<p class="card__kind">Report</p>' in html
    assert '<time datetime="2020-06-30">June 30, 2020</time>' in html
    assert links(html, r"^/en/authors/")[:2] == ["Jelena Pejić Nikić", "Saša Đorđević"]
    assert '<a href="/en/publications/2020/">Year: 2020</a>' in html
    assert "Mechanisms, actors and consequences." in html
    # Absolute, so printed pages show the full address after the link.
    # By the title and again after the text, with the size and the number of pages.
    pdf_link = (
        r'<a class="button download__button" '
        r'href="http://localhost/documents/\d+/captured-state[^"/]*\.pdf" download>([^<]*)</a>'
    )
    labels = re.findall(pdf_link, html)
    assert len(labels) == 2
    assert re.fullmatch(r"Download PDF · \d+(\.\d)?\s(bytes|KB) · 2\spages", labels[0])
    assert links(html, r"^/en/publications/tags/") == ["state capture", "security sector reform"]
    assert re.search(r'<div class="cover cover--page">\s*<img alt="" ', html)
    assert "Originally published on" not in html


def test_publication_without_authors_is_credited_to_the_organisation(client, publication_index):
    page = PublicationPageFactory(parent=publication_index, slug="anonymous")
    html = client.get(page.url).content.decode()
    assert '<span class="byline">Belgrade Centre for Security Policy</span>' in html


def test_unpublished_author_is_not_linked(client, publication_index, authors):
    authors[1].unpublish()
    page = PublicationPageFactory(parent=publication_index, slug="one-author", authors=authors)
    html = client.get(page.url).content.decode()
    assert links(html, r"^/en/authors/") == ["Jelena Pejić Nikić"]


def test_op_ed_shows_where_it_first_appeared(client, publication_index):
    op_ed = OpEdPageFactory(
        parent=publication_index,
        slug="secret-cameras",
        outlet_name="Peščanik",
        outlet_url="https://pescanik.net/",
        original_language="sr",
        translator_name="BCSP intern Pavle Nedić",
    )
    html = client.get(op_ed.url).content.decode()
    assert (
        'Originally published on <a href="https://pescanik.net/" rel="noopener">Peščanik</a> '
        "in Serbian. Translated by BCSP intern Pavle Nedić."
    ) in html


def test_op_ed_provenance_escapes_editor_text_and_drops_empty_parts(client, publication_index):
    op_ed = OpEdPageFactory(
        parent=publication_index,
        slug="escaped",
        outlet_name="<b>Vreme</b>",
        outlet_url="",
        original_language="",
        translator_name="",
    )
    html = client.get(op_ed.url).content.decode()
    assert "Originally published on &lt;b&gt;Vreme&lt;/b&gt;." in html
    assert "Translated by" not in html
    assert "<b>Vreme</b>" not in html


def test_related_publications_share_a_tag_or_an_author_newest_first(
    client, publication_index, authors
):
    page = PublicationPageFactory(
        parent=publication_index, slug="main", authors=authors[:1], tag_names=["police"]
    )
    for year, slug in [(2015, "old-tag"), (2022, "new-tag"), (2019, "mid-tag")]:
        PublicationPageFactory(
            parent=publication_index,
            slug=slug,
            title=slug,
            publication_date=day(year),
            tag_names=["police"],
        )
    PublicationPageFactory(
        parent=publication_index,
        slug="by-author",
        title="by-author",
        publication_date=day(2021),
        authors=authors[:1],
    )
    PublicationPageFactory(
        parent=publication_index,
        slug="unrelated",
        title="unrelated",
        publication_date=day(2023),
        tag_names=["migration"],
    )
    html = client.get(page.url).content.decode()
    related = html.split('id="related-heading"')[1]
    assert card_titles(related) == ["new-tag", "by-author", "mid-tag"]


def test_publication_routes_reject_drafts_unknown_slugs_and_extra_segments(
    client, publication_index
):
    page = PublicationPageFactory(parent=publication_index, slug="draft-me")
    assert client.get("/en/publications/draft-me/").status_code == 200
    assert client.get("/en/publications/draft-me/extra/").status_code == 404
    assert client.get("/en/publications/no-such-page/").status_code == 404
    page.unpublish()
    assert client.get("/en/publications/draft-me/").status_code == 404


def test_private_publication_needs_its_password_and_stays_out_of_listings(
    client, publication_index
):
    PublicationPageFactory(parent=publication_index, slug="public", title="Public one")
    secret = PublicationPageFactory(parent=publication_index, slug="secret", title="Secret one")
    PageViewRestriction.objects.create(
        page=secret, restriction_type=PageViewRestriction.PASSWORD, password="s3cret-pass"
    )
    response = client.get("/en/publications/secret/")
    assert response.status_code == 200
    assert "Secret one" not in response.content.decode()
    assert "password" in response.content.decode().lower()
    listing = client.get("/en/publications/").content.decode()
    assert card_titles(listing) == ["Public one"]
    assert "1 publication" in listing


# Listings, filters and archives -------------------------------------------------------


@pytest.fixture
def catalogue(publication_index, authors):
    """Fifteen publications over three years, two kinds, some op-eds."""
    report = PublicationKindFactory(name="Report", slug="report")
    analysis = PublicationKindFactory(name="Analysis", slug="analysis")
    pages = []
    for number in range(15):
        year = 2018 + number % 3
        factory = OpEdPageFactory if number % 5 == 0 else PublicationPageFactory
        pages.append(
            factory(
                parent=publication_index,
                title=f"Publication {number:02d}",
                slug=f"publication-{number:02d}",
                kind=report if number % 2 else analysis,
                publication_date=day(year, 1 + number % 12, 1 + number),
                authors=[authors[number % 2]],
                tag_names=["police"] if number % 3 == 0 else ["migration"],
            )
        )
    return pages


def newest_first(pages):
    ordered = sorted(pages, key=lambda page: (page.publication_date, page.pk), reverse=True)
    return [page.title for page in ordered]


def test_listing_is_newest_first_and_paginated(client, catalogue):
    first = client.get("/en/publications/")
    assert first.status_code == 200
    html = first.content.decode()
    assert card_titles(html) == newest_first(catalogue)[:PAGE_SIZE]
    assert "15 publications" in html
    assert current_page(html) == 1
    assert '<a href="?page=2" rel="next">' in html
    second = client.get("/en/publications/?page=2").content.decode()
    assert card_titles(second) == newest_first(catalogue)[PAGE_SIZE:]


def test_listing_mixes_publications_and_op_eds(client, catalogue):
    html = client.get("/en/publications/?page=2").content.decode()
    html += client.get("/en/publications/").content.decode()
    assert "Publication 05" in html  # an op-ed
    assert "Publication 01" in html  # a publication


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=report", lambda page: page.kind.slug == "report"),
        ("tag=police", lambda page: "police" in page.tags.names()),
        ("author=sasa", lambda page: page.authors[0].slug == "sasa"),
        (
            "kind=analysis&tag=migration",
            lambda page: page.kind.slug == "analysis" and "migration" in page.tags.names(),
        ),
    ],
)
def test_listing_filters_by_query_string(client, catalogue, query, expected):
    html = client.get(f"/en/publications/?{query}").content.decode()
    wanted = [page for page in catalogue if expected(page)]
    assert card_titles(html) == newest_first(wanted)[:PAGE_SIZE]
    assert f"{len(wanted)} publication" in html


def test_pagination_keeps_the_filters(client, publication_index):
    kind = PublicationKindFactory(name="Report", slug="report")
    for number in range(PAGE_SIZE + 2):
        PublicationPageFactory(parent=publication_index, slug=f"r-{number}", kind=kind)
    html = client.get("/en/publications/?kind=report").content.decode()
    assert '<a href="?kind=report&amp;page=2" rel="next">' in html
    page_two = client.get("/en/publications/?kind=report&page=2").content.decode()
    assert '<a href="?kind=report" rel="prev">' in page_two
    assert len(card_titles(page_two)) == 2


@pytest.mark.parametrize("query", ["kind=no-such-kind", "tag=no-such-tag", "author=no-such-author"])
def test_unknown_filter_values_are_404(client, catalogue, query):
    assert client.get(f"/en/publications/?{query}").status_code == 404


@pytest.mark.parametrize("page", ["abc", "", "1.5", "-1", "0", "1", "9" * 30])
def test_bad_page_numbers_lead_to_the_first_page(client, catalogue, page):
    response = client.get(f"/en/publications/?page={page}")
    assert (response.status_code, response["Location"]) == (301, "/en/publications/")


def test_a_page_number_past_the_end_shows_the_last_page(client, catalogue):
    response = client.get("/en/publications/?page=200")
    assert response.status_code == 200
    assert current_page(response.content.decode()) == 2


def test_no_list_has_a_page_past_the_deepest(client, catalogue):
    assert client.get("/en/publications/?page=201").status_code == 404


def test_year_archive_lists_only_that_year_with_the_years_and_counts(client, catalogue):
    response = client.get("/en/publications/2019/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Publications from 2019</h1>" in html
    in_2019 = [page for page in catalogue if page.publication_date.year == 2019]
    assert card_titles(html) == newest_first(in_2019)
    assert re.findall(
        r'href="/en/publications/(\d{4})/"[^>]*>Year: \d{4}</a> '
        r'<span class="count">\((\d+)\)</span>',
        html,
    ) == [("2020", "5"), ("2019", "5"), ("2018", "5")]
    assert 'href="/en/publications/2019/" aria-current="page"' in html


@pytest.mark.parametrize("year", ["2017", "1999", "0", "9999", "99999999999999999999"])
def test_year_with_nothing_published_is_404(client, catalogue, year):
    assert client.get(f"/en/publications/{year}/").status_code == 404


def test_year_archive_follows_publishing(client, catalogue, publication_index):
    assert client.get("/en/publications/2010/").status_code == 404
    page = PublicationPageFactory(
        parent=publication_index, slug="from-2010", publication_date=day(2010)
    )
    page.save_revision().publish()
    assert client.get("/en/publications/2010/").status_code == 200
    page.unpublish()
    assert client.get("/en/publications/2010/").status_code == 404


def test_tag_page_lists_everything_with_the_tag(client, catalogue):
    response = client.get("/en/publications/tags/police/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Publications tagged “police”" in html
    tagged = [page for page in catalogue if "police" in page.tags.names()]
    assert card_titles(html) == newest_first(tagged)


def test_tags_with_serbian_letters_have_working_pages_and_feeds(client, publication_index):
    page = PublicationPageFactory(
        parent=publication_index, tag_names=["Zaštita podataka o ličnosti"]
    )
    html = client.get(page.url).content.decode()
    tag_url = "/en/publications/tags/za%C5%A1tita-podataka-o-li%C4%8Dnosti/"  # zaštita, ličnosti
    assert f'href="{tag_url}"' in html
    response = client.get(tag_url)
    assert response.status_code == 200
    assert page.title in response.content.decode()
    assert client.get(tag_url + "feed/").status_code == 200


def test_unknown_or_unused_tag_is_404(client, catalogue):
    assert client.get("/en/publications/tags/no-such-tag/").status_code == 404
    PublicationTag.objects.create(name="unused", locale=catalogue[0].locale)
    assert client.get("/en/publications/tags/unused/").status_code == 404


def test_reader_text_in_the_query_string_is_never_rendered_as_html(client, catalogue):
    response = client.get("/en/publications/?kind=report&page=<script>alert(1)</script>")
    assert (response.status_code, response["Location"]) == (301, "/en/publications/?kind=report")
    assert "<script>alert(1)</script>" not in response.content.decode()
