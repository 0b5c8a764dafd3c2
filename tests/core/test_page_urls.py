"""PageUrls gives every page the full URL Wagtail's own Page.get_full_url(request) gives it.

The sitemaps build their addresses with it instead of asking Wagtail page by page; this pins
it to Wagtail's answer for every page, in English and Serbian, from each site's host, for a
second site with a tree of its own, a site whose root lies inside another (its pages belong
to both) and a page in no site.
"""

import pytest
from django.test import RequestFactory
from django.utils import translation
from wagtail.models import Locale, Page, Site

from bcsp_site.core import page_urls
from bcsp_site.core.page_urls import PageUrls
from tests.support.factories import HomePageFactory, PublicationPageFactory, StandardPageFactory

HOSTS = [("localhost", 80), ("second.example", 443), ("nested.example", 8080), ("elsewhere", 80)]


@pytest.fixture
def sites(home_page, publication_index):
    """The default site (localhost) in English and Serbian; a second site on its own tree;
    a third whose root is the default site's publication index; a tree in no site."""
    serbian = Locale.objects.get_or_create(language_code="sr")[0]
    publication = PublicationPageFactory(parent=publication_index, slug="a-publication")
    for page in (home_page, publication_index, publication):
        page.copy_for_translation(serbian)
    second_home = HomePageFactory(parent=Page.get_first_root_node(), slug="second-home")
    StandardPageFactory(parent=second_home, slug="about-us")
    second_home.copy_for_translation(serbian)
    Site.objects.create(hostname="second.example", port=443, root_page=second_home)
    Site.objects.create(hostname="nested.example", port=8080, root_page=publication_index)
    outside = StandardPageFactory(parent=Page.get_first_root_node(), slug="outside")
    StandardPageFactory(parent=outside, slug="inside-outside")
    Site.clear_site_root_paths_cache()


def requests():
    yield None
    for host, port in HOSTS:
        yield RequestFactory().get("/", HTTP_HOST=host, SERVER_PORT=str(port))


def wagtails_own(request):
    return lambda pk, url_path: Page(id=pk, url_path=url_path).get_full_url(request)


def all_urls(answer):
    return {
        url_path: answer(pk, url_path)
        for pk, url_path in Page.objects.values_list("id", "url_path")
    }


@pytest.mark.parametrize("language", ["en", "sr"])
def test_every_page_has_wagtails_own_full_url(sites, language):
    for request in requests():
        with translation.override(language):
            fast = all_urls(PageUrls(request).full_url)
            wagtail = all_urls(wagtails_own(request))
        assert fast == wagtail, request and request.get_host()


@pytest.mark.parametrize("language", ["en", "sr"])
def test_every_page_has_wagtails_own_url_relative_in_the_requests_site(sites, language):
    for request in requests():
        with translation.override(language):
            fast = all_urls(PageUrls(request).url)
            wagtail = all_urls(
                lambda pk, url_path: Page(id=pk, url_path=url_path).get_url(request)  # noqa: B023
            )
        assert fast == wagtail, request and request.get_host()


def test_the_urls_are_in_each_pages_language_and_site(sites):
    urls = all_urls(PageUrls(RequestFactory().get("/", HTTP_HOST="localhost")).full_url)
    assert urls["/home/"] == "http://localhost/en/"
    assert urls["/home-sr/"] == "http://localhost/sr/"
    assert urls["/second-home/about-us/"] == "https://second.example/en/about-us/"
    assert urls["/second-home-sr/"] == "https://second.example/sr/"
    # In both the default site and the nested one: the request's site decides.
    assert urls["/home/publications/a-publication/"] == (
        "http://localhost/en/publications/a-publication/"
    )
    nested = all_urls(
        PageUrls(RequestFactory().get("/", HTTP_HOST="nested.example", SERVER_PORT="8080")).full_url
    )
    assert (
        nested["/home/publications/a-publication/"]
        == "http://nested.example:8080/en/a-publication/"
    )
    assert nested["/home-sr/publications/a-publication/"] == (
        "http://nested.example:8080/sr/a-publication/"
    )
    assert urls["/outside/"] is None
    assert urls["/outside/inside-outside/"] is None
    assert urls["/"] is None


@pytest.mark.parametrize("append_slash", [True, False])
def test_paths_reverse_would_quote_or_refuse_are_wagtails_too(home_page, monkeypatch, append_slash):
    monkeypatch.setattr("wagtail.models.pages.WAGTAIL_APPEND_SLASH", append_slash)
    monkeypatch.setattr(page_urls, "WAGTAIL_APPEND_SLASH", append_slash)
    request = RequestFactory().get("/", HTTP_HOST="localhost")
    fast = PageUrls(request)
    for url_path in [
        home_page.url_path,
        f"{home_page.url_path}publications/",
        f"{home_page.url_path}čitanka/đak/",
        f"{home_page.url_path}no-slash",
        f"{home_page.url_path}a b/",
        f"{home_page.url_path}100%25/",
        f"{home_page.url_path}a//b/",
        f"{home_page.url_path}a_b/x.y/",
        "/elsewhere/",
    ]:
        assert fast.full_url(home_page.pk, url_path) == wagtails_own(request)(
            home_page.pk, url_path
        ), url_path
