"""The site's router (BasePage.route) answers every address as Wagtail's own routing does.

BasePage.route finds a page in one cached lookup instead of Wagtail's two queries per
level; this pins that it picks the same page and the same routable view for every address
in the sitemap, in both languages, and for the archive, tag, feed and search sub-paths.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import translation
from wagtail.models import Page

from bcsp_site.core.pages import BasePage
from publications.models import PublicationIndexPage, PublicationPage
from tests.support.sitemaps import sitemap_text


def route(path):
    """(page type, page id, view name, view args, view kwargs) for `path`, or None (404)."""
    language, _, rest = path.lstrip("/").partition("/")
    request = RequestFactory().get(path, HTTP_HOST="localhost")
    with translation.override(language):
        result = Page.route_for_request(request, rest)
    if result is None:
        return None
    page, args, kwargs = result
    view, view_args, view_kwargs = args or (None, (), {})
    return (
        type(page).__name__,
        page.pk,
        view and view.__name__,
        tuple(view_args),
        dict(view_kwargs),
    )


def addresses(client):
    """The sitemap's addresses, the listings' year, tag and kind archives and feeds, the
    authors' feeds, search, and a few that must not be found."""
    sitemap = sitemap_text(client, HTTP_HOST="localhost")
    paths = {urlsplit(url).path for url in re.findall(r"<loc>([^<]+)</loc>", sitemap)}
    for index in PublicationIndexPage.objects.live():
        base = index.url
        paths |= {base + "feed/", base + "feed/atom/", base + "1900/", base + "no-such-page/"}
        language = index.locale.language_code
        paths |= {f"/{language}/search/", f"/{language}/no-such-page/"}
    publications = PublicationPage.objects.live().select_related("kind", "locale")
    for publication in publications:
        base = publication.get_parent().url
        paths.add(f"{base}{publication.publication_date.year}/")
        paths |= {f"{base}kinds/{publication.kind.slug}/feed/", f"{base}kinds/x/feed/atom/"}
        for tag in publication.tags.all():
            paths |= {f"{base}tags/{tag.slug}/", f"{base}tags/{tag.slug}/feed/atom/"}
    for author_url in [path for path in paths if "/authors/" in path and path.count("/") == 4]:
        paths |= {author_url + "feed/", author_url + "feed/atom/", author_url + "nothing/"}
    return sorted(paths)


@pytest.mark.django_db
def test_every_address_routes_as_wagtail_routes_it(client, monkeypatch):
    call_command("load_demo_content", verbosity=0)
    paths = addresses(client)
    assert any(path.startswith("/sr/publications/tags/") for path in paths)
    site_routes = {path: route(path) for path in paths}
    monkeypatch.setattr(BasePage, "route", Page.route)
    stock_routes = {path: route(path) for path in paths}
    assert site_routes == stock_routes
    found = [path for path, answer in site_routes.items() if answer is not None]
    assert len(found) > len(paths) / 2  # the comparison is not only between 404s
