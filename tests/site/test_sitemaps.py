"""The sitemaps as a crawler reads them: the index names every child that lists pages, each
child holds at most SITEMAP_MAX_URLS addresses, and every live public page in each language
is listed exactly once, with its publication date and its other languages."""

import datetime
import math
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale, Page, PageViewRestriction

from bcsp_site import seo
from bcsp_site.seo import child_number
from publications.models import PublicationPage
from tests.support import sitemaps
from tests.support.factories import (
    AuthorPageFactory,
    OpEdPageFactory,
    PublicationPageFactory,
)

SITEMAPS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
W3C_DATETIME = "%Y-%m-%dT%H:%M:%S%z"


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def site_in_two_languages(home_page, publication_index, author_index):
    """Six publications, two authors; the home page, the sections, four publications and one
    author in Serbian too; a Serbian draft, an English draft and a private publication."""
    serbian = Locale.objects.get_or_create(language_code="sr")[0]
    for page in (home_page, publication_index, author_index):
        publish(page)
        publish(page.copy_for_translation(serbian))
    authors = [
        publish(AuthorPageFactory(parent=author_index, title=f"Author {n}", slug=f"author-{n}"))
        for n in range(2)
    ]
    publications = [
        publish(
            (OpEdPageFactory if n % 3 == 0 else PublicationPageFactory)(
                parent=publication_index,
                slug=f"publication-{n}",
                publication_date=datetime.date(2020, 1, 1 + n),
                authors=authors[:1],
            )
        )
        for n in range(6)
    ]
    for page in [*publications[:4], authors[0]]:
        publish(page.copy_for_translation(serbian))
    publications[5].copy_for_translation(serbian)  # a translation never published: a draft
    PublicationPageFactory(parent=publication_index, slug="a-draft", live=False)
    private = publish(PublicationPageFactory(parent=publication_index, slug="private-one"))
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    return publications


def to_seconds(moment):
    return moment.replace(microsecond=0)


def public_pages():
    """{full URL: page} of every live public page, in every language, as Wagtail sees them."""
    pages = Page.objects.live().public().filter(depth__gte=2).specific()
    return {page.get_full_url(): page for page in pages if page.get_full_url()}


def test_every_public_page_is_listed_once_with_its_languages_and_date(
    client, site_in_two_languages
):
    expected = public_pages()
    listed = sitemaps.listed_urls(client)  # fails if an address is listed twice
    assert set(listed) == set(expected)
    assert any("/sr/publications/" in url for url in listed)
    for url, element in listed.items():
        page = expected[url]
        lastmod = element.find("s:lastmod", sitemaps.NAMESPACES).text
        assert datetime.datetime.strptime(lastmod, W3C_DATETIME) == to_seconds(
            page.last_published_at
        )
        languages = {
            translation.locale.language_code: translation.get_full_url()
            for translation in page.get_translations(inclusive=True).live().public()
        }
        if len(languages) > 1:
            assert sitemaps.alternates(element) == {**languages, "x-default": languages["en"]}
        else:
            assert sitemaps.alternates(element) == {}


def test_drafts_private_pages_and_unpublished_translations_are_not_listed(
    client, site_in_two_languages
):
    text = sitemaps.sitemap_text(client)
    assert "/en/publications/publication-5/" in text
    assert "/sr/publications/publication-5/" not in text  # its translation is a draft
    assert "/a-draft/" not in text
    assert "/private-one/" not in text


def test_the_index_names_a_child_per_section_and_range_of_ids(
    client, settings, site_in_two_languages
):
    settings.SITEMAP_MAX_URLS = 3
    publications = set(PublicationPage.objects.live().public().values_list("pk", flat=True))
    others = (
        set(Page.objects.live().public().filter(depth__gte=2).values_list("pk", flat=True))
        - publications
    )
    children = sitemaps.children(client)
    assert list(children) == [
        *[f"/sitemaps/pages-{n}.xml" for n in sorted({child_number(pk) for pk in others})],
        *[
            f"/sitemaps/publications-{n}.xml"
            for n in sorted({child_number(pk) for pk in publications})
        ],
    ]
    assert all(children.values())  # every child says when it last changed
    sizes = [len(sitemaps.fetch_xml(client, path)) for path in children]
    assert max(sizes) == 3 and len(children) >= 6
    # Split however finely, each page is still listed once, in the child its id names.
    listed = sitemaps.listed_urls(client)
    assert set(listed) == set(public_pages())
    for path, element in sitemaps.url_elements(client):
        url = element.find("s:loc", sitemaps.NAMESPACES).text
        page = public_pages()[url]
        section = "publications" if page.pk in publications else "pages"
        assert path == f"/sitemaps/{section}-{child_number(page.pk)}.xml"


def test_a_child_lastmod_is_its_newest_page(client, settings, site_in_two_languages):
    settings.SITEMAP_MAX_URLS = 2
    newest = {}
    for page in PublicationPage.objects.live().public():
        path = f"/sitemaps/publications-{child_number(page.pk)}.xml"
        newest[path] = max(newest.get(path, page.last_published_at), page.last_published_at)
    children = sitemaps.children(client)
    for path, moment in newest.items():
        assert datetime.datetime.strptime(children[path], W3C_DATETIME) == to_seconds(moment)


def test_a_child_that_lists_nothing_is_not_found(client, settings, site_in_two_languages):
    last = max(child_number(pk) for pk in Page.objects.values_list("pk", flat=True))
    for path in [
        f"/sitemaps/publications-{last + 1}.xml",
        "/sitemaps/pages-999999999.xml",
        "/sitemaps/publications-0.xml",
        "/sitemaps/publications-01.xml",
        "/sitemaps/publications-1234567890.xml",
        "/sitemaps/authors-1.xml",
        "/sitemaps/pages.xml",
    ]:
        assert client.get(path).status_code == 404, path


def test_a_new_publication_and_a_view_restriction_show_at_once(client, site_in_two_languages):
    page = site_in_two_languages[1]
    child = f"/sitemaps/publications-{child_number(page.pk)}.xml"
    for _ in range(2):
        assert page.url in client.get(child).content.decode()
    restriction = PageViewRestriction.objects.create(page=page, restriction_type="login")
    assert page.url not in client.get(child).content.decode()
    restriction.delete()
    assert page.url in client.get(child).content.decode()


def test_a_child_bigger_than_a_batch_is_streamed_the_same(
    client, settings, monkeypatch, site_in_two_languages
):
    one_batch = {path: sitemaps.body(Client().get(path)) for path in sitemaps.children(Client())}
    settings.PAGE_CACHE_ENABLED = False
    monkeypatch.setattr(seo, "SITEMAP_BATCH", 2)
    for path, whole in one_batch.items():
        response = Client().get(path)
        assert response.status_code == 200
        assert sitemaps.body(response) == whole, path
        if len(ElementTree.fromstring(whole)) >= 2:
            assert response.streaming, path
            assert "Content-Language" not in response
            assert "Accept-Language" not in response.get("Vary", "")
            assert "public" in response["Cache-Control"]
            head = Client().head(path)
            assert head.status_code == 200
            assert head["Cache-Control"] == response["Cache-Control"]
            assert b"".join(head.streaming_content) == b""


def test_a_child_costs_two_queries_a_batch(client, settings, monkeypatch, site_in_two_languages):
    settings.PAGE_CACHE_ENABLED = False
    monkeypatch.setattr(seo, "SITEMAP_BATCH", 2)
    path = f"/sitemaps/publications-{child_number(site_in_two_languages[0].pk)}.xml"
    client.get(path)  # the sites' root paths are looked up once, then kept
    listed = PublicationPage.objects.live().public().count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        sitemaps.body(response)
    # The view restrictions, then per batch its pages and their translations (a batch that
    # comes back full is followed by one more page query).
    batches = math.ceil(listed / 2)
    assert len(queries) <= 1 + 2 * batches + 1


def test_the_sitemaps_are_well_formed_sitemaps_xml(client, site_in_two_languages):
    index = sitemaps.fetch_xml(client, "/sitemap.xml")
    assert index.tag == f"{SITEMAPS}sitemapindex"
    for child in index:
        assert [element.tag for element in child] == [f"{SITEMAPS}loc", f"{SITEMAPS}lastmod"]
    for path in sitemaps.children(client):
        urlset = sitemaps.fetch_xml(client, path)
        assert urlset.tag == f"{SITEMAPS}urlset"
        for url in urlset:
            tags = [element.tag for element in url]
            assert tags[:2] == [f"{SITEMAPS}loc", f"{SITEMAPS}lastmod"]
            assert set(tags[2:]) <= {"{http://www.w3.org/1999/xhtml}link"}
