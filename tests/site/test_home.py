"""The home page: featured carousel (editor picks, newest as fallback) and latest publications."""

import datetime
import re

import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from authors.models import AuthorIndexPage
from bcsp_site.models import (
    FEATURED_MAX,
    FEATURED_MIN,
    LATEST_COUNT,
    HomeFeaturedPublication,
    HomePage,
)
from publications.models import PublicationIndexPage
from tests.support.factories import (
    AuthorPageFactory,
    ImageFactory,
    PublicationIndexPageFactory,
    PublicationKindFactory,
    PublicationPageFactory,
)


def carousel(html):
    return html.split('id="carousel-slides"')[1].split("</ol>")[0]


def slide_titles(html):
    return re.findall(r'class="carousel__title"><a href="[^"]*">([^<]*)</a>', carousel(html))


def latest_titles(html):
    latest = html.split('id="latest-heading"')[1].split("</section>")[0]
    return re.findall(r'class="card__title"><a href="[^"]*">([^<]*)</a>', latest)


@pytest.fixture
def publications(publication_index):
    """Twenty publications, "P20" the newest, "P01" the oldest."""
    return {
        number: PublicationPageFactory(
            parent=publication_index,
            title=f"P{number:02d}",
            slug=f"p{number:02d}",
            publication_date=datetime.date(2000 + number, 1, 1),
        )
        for number in range(1, 21)
    }


def pick(home, *pages):
    for order, page in enumerate(pages):
        HomeFeaturedPublication.objects.create(home=home, publication=page, sort_order=order)


def titles(numbers):
    return [f"P{number:02d}" for number in numbers]


def test_without_picks_the_carousel_shows_the_newest(client, home_page, publications):
    html = client.get("/en/").content.decode()
    assert slide_titles(html) == titles([20, 19, 18, 17, 16])
    assert latest_titles(html) == titles([15, 14, 13, 12, 11, 10])


def test_picks_come_first_in_editor_order_topped_up_with_the_newest(
    client, home_page, publications
):
    pick(home_page, publications[3], publications[19], publications[7])
    html = client.get("/en/").content.decode()
    assert slide_titles(html) == titles([3, 19, 7, 20, 18])
    assert latest_titles(html) == titles([17, 16, 15, 14, 13, 12])


def test_up_to_eight_picks_without_top_up(client, home_page, publications):
    chosen = [1, 5, 9, 2, 6, 10, 3, 7]
    assert len(chosen) == FEATURED_MAX
    pick(home_page, *[publications[number] for number in chosen])
    html = client.get("/en/").content.decode()
    assert slide_titles(html) == titles(chosen)
    assert latest_titles(html) == titles([20, 19, 18, 17, 16, 15])


def test_unpublished_picks_are_skipped_and_replaced(client, home_page, publications):
    pick(home_page, *[publications[number] for number in (1, 2, 3, 4, 5)])
    publications[2].unpublish()
    publications[20].unpublish()
    html = client.get("/en/").content.decode()
    assert slide_titles(html) == titles([1, 3, 4, 5, 19])
    assert "P02" not in html


def test_few_publications_fill_the_carousel_and_nothing_else(client, home_page, publication_index):
    for number in (1, 2, 3):
        PublicationPageFactory(
            parent=publication_index,
            title=f"P{number:02d}",
            publication_date=datetime.date(2000 + number, 1, 1),
        )
    html = client.get("/en/").content.decode()
    assert slide_titles(html) == titles([3, 2, 1])
    assert 'id="latest-heading"' not in html


def test_no_publications_means_no_carousel(client, home_page):
    response = client.get("/en/")
    assert response.status_code == 200
    assert "data-carousel" not in response.content.decode()


def test_slide_shows_kind_title_authors_date_summary_and_cover(
    client, home_page, publication_index, author_index
):
    authors = [
        AuthorPageFactory(parent=author_index, title="Isidora Stakić", slug="isidora"),
        AuthorPageFactory(parent=author_index, title="Katarina Đokić", slug="katarina"),
    ]
    page = PublicationPageFactory(
        parent=publication_index,
        title="Testing Democracy",
        slug="testing-democracy",
        kind=PublicationKindFactory(name="Analysis", slug="analysis"),
        publication_date=datetime.date(2020, 6, 8),
        summary="Serbia failed the test of democracy.",
        cover_image=ImageFactory(),
        authors=authors,
    )
    PublicationPageFactory(parent=publication_index, title="No cover", slug="no-cover")
    pick(home_page, page)
    slides = carousel(client.get("/en/").content.decode())
    first = slides.split("data-carousel-slide")[1]
    assert '<p class="card__kind">Analysis</p>' in first
    assert '<a href="/en/publications/testing-democracy/">Testing Democracy</a>' in first
    assert '<a href="/en/authors/isidora/">Isidora Stakić</a>, ' in first
    assert '<a href="/en/authors/katarina/">Katarina Đokić</a>' in first
    assert '<time datetime="2020-06-08">June 8, 2020</time>' in first
    assert "Serbia failed the test of democracy." in first
    cover = r'<div class="cover cover--carousel">\s*<img alt="" [^>]*src="[^"]*\.webp"'
    assert re.search(cover, first)
    assert slides.count("<img") == 1


def test_carousel_is_a_readable_list_without_javascript(client, home_page, publications):
    html = client.get("/en/").content.decode()
    assert '<ol class="carousel__slides" id="carousel-slides"' in html
    assert carousel(html).count("<li ") == FEATURED_MIN
    assert re.search(r'<div class="carousel__controls" data-carousel-controls hidden>', html)
    for label in ("Previous slide", "Pause rotation", "Next slide"):
        assert f">{label}</span></button>" in html
    assert re.search(r'<script src="/static/js/site\.js" defer></script>', html)
    assert " style=" not in html


def test_home_page_has_the_latest_publications_and_e_bulletin_block(
    client, home_page, publications
):
    html = client.get("/en/").content.decode()
    assert '<h2 id="latest-heading">Latest publications</h2>' in html
    assert len(latest_titles(html)) == LATEST_COUNT
    assert 'class="ebulletin-block ebulletin-block--home"' in html


def test_headings_are_in_order(client, home_page, publications):
    html = client.get("/en/").content.decode()
    main = html.split('id="main-content"')[1].split("</main>")[0]
    levels = [int(level) for level in re.findall(r"<h([1-6])", main)]
    assert levels[0] == 1
    assert all(after - before <= 1 for before, after in zip(levels, levels[1:], strict=False))


class HomeAdminTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get(locale__language_code="en")
        index = PublicationIndexPageFactory(parent=cls.home)
        cls.publications = [
            PublicationPageFactory(parent=index, slug=f"pick-{number}") for number in range(9)
        ]

    def setUp(self):
        self.login()

    def home_data(self, picks, **fields):
        return nested_form_data(
            {
                "title": "Beogradski centar za bezbednosnu politiku",
                "slug": "pocetna",
                "intro": "Nezavisni istraživački centar.",
                "featured_links": inline_formset(
                    [{"publication": page.pk} for page in picks], min=0, max=FEATURED_MAX
                ),
                **fields,
            }
        )

    def test_editor_creates_a_home_page_with_picks(self):
        root = Page.get_first_root_node()
        self.assertCanCreate(root, HomePage, self.home_data(self.publications[:2]))
        home = HomePage.objects.get(slug="pocetna")
        assert home.picked_publication_ids() == [page.pk for page in self.publications[:2]]

    def test_at_most_eight_picks(self):
        url = f"/admin/pages/{self.home.pk}/edit/"
        data = self.home_data(self.publications, slug=self.home.slug)
        response = self.client.post(url, data)
        assert response.status_code == 200
        assert "Please submit at most 8 forms" in response.content.decode().replace("&#x27;", "'")
        assert not HomeFeaturedPublication.objects.filter(home=self.home).exists()

    def test_page_type_rules(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        allowed = set(HomePage.allowed_subpage_models())
        assert {PublicationIndexPage, AuthorIndexPage} <= allowed
        assert HomePage not in allowed
        self.assertCanNotCreateAt(PublicationIndexPage, HomePage)
        self.assertCanNotCreateAt(AuthorIndexPage, HomePage)

    def test_editor_facing_fields_have_help_text(self):
        for model in (HomePage, HomeFeaturedPublication):
            for field in model._meta.get_fields():
                if field.model is model and field.concrete and field.editable:
                    if field.name.endswith("_ptr") or field.name in {"id", "sort_order", "home"}:
                        continue
                    assert field.help_text, f"{model.__name__}.{field.name} has no help text"
