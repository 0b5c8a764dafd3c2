"""One address per page, and one language per kept copy: the spellings of an address that
show the same thing again are redirected to it or are a 404, so nothing is kept twice."""

import datetime

import pytest
from django.test import Client

from bcsp_site.seo import child_number
from publications import models as publications_models
from publications.models import PublicationTag
from tests.core import test_i18n
from tests.support.factories import AuthorPageFactory, PublicationPageFactory

bilingual, serbian = test_i18n.bilingual, test_i18n.serbian  # the same two-language site


def publish(page):
    page.save_revision().publish()
    return page


@pytest.fixture
def author(author_index):
    return publish(AuthorPageFactory(parent=author_index, title="Ana Author", slug="ana"))


@pytest.fixture
def publications(publication_index, author, monkeypatch):
    """Publications of 2020, two pages of them (two to a page)."""
    monkeypatch.setattr(publications_models, "PAGE_SIZE", 2)
    return [
        publish(
            PublicationPageFactory(
                parent=publication_index,
                title=f"Report {number}",
                slug=f"report-{number}",
                publication_date=datetime.date(2020, 1, 1) + datetime.timedelta(days=number),
                authors=[author],
                tag_names=["police"],
            )
        )
        for number in range(3)
    ]


# robots.txt and the sitemap ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/robots.txt", "/sitemap.xml", "a child sitemap"])
def test_language_neutral_files_name_no_visitors_language(publications, path):
    if path == "a child sitemap":
        path = f"/sitemaps/publications-{child_number(publications[0].pk)}.xml"
    first = Client().get(path, HTTP_ACCEPT_LANGUAGE="sr")
    second = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == second.status_code == 200
    assert "Content-Language" not in first
    assert "Content-Language" not in second
    assert "Accept-Language" not in first.get("Vary", "")
    assert second["X-Cache"] == "hit"
    assert second.content == first.content


# ?page= ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/en/",
        "/en/publications/report-1/",
        "/en/authors/",
        "/en/publications/feed/",
        "/en/e-bulletin/",
        "/robots.txt",
    ],
)
def test_a_page_number_on_a_page_without_pages_leads_to_the_page(publications, path):
    response = Client().get(path + "?page=3")
    assert response.status_code == 301
    assert response["Location"] == path
    assert Client().get(path)["X-Cache"] == "miss"  # the redirect kept no copy


def test_other_parameters_are_kept_when_the_page_number_goes(publications):
    response = Client().get("/en/publications/report-1/?page=2&utm_source=x")
    assert response.status_code == 301
    assert response["Location"] == "/en/publications/report-1/?utm_source=x"


@pytest.mark.parametrize(
    "path", ["/en/publications/", "/en/publications/2020/", "/en/publications/tags/police/"]
)
@pytest.mark.parametrize("number", ["1", "01", "-3", "x", "2&page=2"])
def test_the_first_page_of_a_listing_has_one_address(publications, path, number):
    response = Client().get(f"{path}?page={number}")
    assert response.status_code == 301
    assert response["Location"] == path


def test_page_one_of_an_authors_list_and_a_filtered_listing_are_their_own_address(
    publications,
):
    response = Client().get("/en/authors/ana/?page=1")
    assert (response.status_code, response["Location"]) == (301, "/en/authors/ana/")
    response = Client().get("/en/publications/?kind=&page=1")
    assert (response.status_code, response["Location"]) == (301, "/en/publications/?kind=")
    response = Client().get("/en/publications/?page=2&kind=")
    assert response.status_code == 200  # filtered lists are not kept: no second copy


def test_the_second_page_of_a_listing_is_its_own_address(publications):
    second = Client().get("/en/publications/?page=2")
    assert second.status_code == 200
    assert "Report 0" in second.content.decode()
    assert Client().get("/en/publications/?page=2")["X-Cache"] == "hit"


# Years, slashes, letter case -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/en/publications/02020/", "/en/publications/00002020/"])
def test_a_year_written_with_leading_zeros_is_no_address(publications, path):
    assert Client().get(path).status_code == 404
    assert Client().get("/en/publications/2020/").status_code == 200


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/en/publications/2020", 301),
        ("/en/publications/report-1", 301),
        ("/en/publications/REPORT-1/", 404),
        ("/EN/publications/report-1/", 404),
        ("/en/Publications/", 404),
        ("/en/publications/tags/POLICE/", 404),
    ],
)
def test_other_spellings_of_an_address_redirect_or_are_not_found(publications, path, status):
    response = Client().get(path)
    assert response.status_code == status
    if status == 301:
        assert response["Location"] == path + "/"


# Tag feeds follow their tag pages -------------------------------------------------------------


@pytest.mark.parametrize("feed", ["feed/", "feed/atom/"])
def test_a_tag_feed_is_a_404_where_the_tags_page_is(client, bilingual, serbian, feed):
    """A tag a translation carried under its English address, while nothing of the
    language is published with it: the tag's page is a 404, and so is its feed."""
    english = bilingual["translated"]
    english.tags.add("police")
    english.save()
    english_tag = PublicationTag.objects.get(locale=english.locale, name="police")
    PublicationTag.objects.create(
        name="police", locale=serbian, translation_key=english_tag.translation_key
    )
    assert client.get("/sr/publications/tags/police/").status_code == 404
    assert client.get(f"/sr/publications/tags/police/{feed}").status_code == 404
    assert client.get("/en/publications/tags/police/").status_code == 200
    assert client.get(f"/en/publications/tags/police/{feed}").status_code == 200
