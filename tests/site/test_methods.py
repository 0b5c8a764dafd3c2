"""Which methods each address answers: HEAD like GET everywhere, POST only where a form
posts, and 405 with an Allow header for everything else (TRACE, PROPFIND, made-up ones)."""

import datetime
import time

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model

from bcsp_site.seo import child_number
from newsletter import webhooks
from tests.support.factories import (
    AuthorPageFactory,
    OpEdPageFactory,
    PublicationPageFactory,
    StandardPageFactory,
    TeamPageFactory,
)
from tests.support.public_urls import patterns_not_reached

# Headers that must be the same for HEAD as for GET.
COMPARED_HEADERS = ("Content-Type", "Content-Language", "Cache-Control", "Allow", "Location")
UNSUPPORTED = ["TRACE", "PROPFIND", "CONNECT", "OPTIONS", "PUT", "DELETE", "FOO"]


def publish(page):
    page.save_revision().publish()
    return page


@pytest.fixture
def site(home_page, publication_index, author_index):
    """One page of every type, and the addresses of every public URL pattern, by name."""
    author = publish(AuthorPageFactory(parent=author_index, title="Ana Author", slug="ana"))
    publication = publish(
        PublicationPageFactory(
            parent=publication_index,
            title="Police Integrity",
            slug="police-integrity",
            publication_date=datetime.date(2021, 3, 4),
            authors=[author],
            tag_names=["police"],
        )
    )
    op_ed = publish(OpEdPageFactory(parent=publication_index, slug="an-op-ed", authors=[author]))
    about = publish(StandardPageFactory(parent=home_page, slug="about"))
    team = publish(TeamPageFactory(parent=about))
    document = get_document_model().objects.create(
        title="Figures", file=ContentFile(b"year,count\n2021,1\n", name="figures.csv")
    )
    kind = publication.kind.slug
    return {
        "root": "/",
        "healthz": "/healthz",
        "readyz": "/readyz",
        "sitemap": "/sitemap.xml",
        "sitemap_section": f"/sitemaps/publications-{child_number(publication.pk)}.xml",
        "a sitemap that is not there": "/sitemaps/pages-999999999.xml",
        "robots_txt": "/robots.txt",
        "security_txt": "/.well-known/security.txt",
        "security.txt, moved": "/security.txt",
        "footnote chooser, moved": "/footnotes/footnotes_modal/",
        "favicon": "/favicon.ico",
        "choose_language": "/language/en/?next=/en/",
        "wagtaildocs_serve": document.url,
        "wagtaildocs_authenticate_with_password": "/documents/authenticate_with_password/1/",
        "media": "/media/original_images/none.png",
        "search": "/en/search/?q=police",
        "styleguide": "/en/styleguide/",
        "web_manifest": "/en/manifest.webmanifest",
        "cite_bibtex": f"/en/cite/{publication.pk}.bib",
        "cite_ris": f"/en/cite/{publication.pk}.ris",
        "signup": "/en/e-bulletin/",
        "signup_sent": "/en/e-bulletin/check-your-email/",
        "resend": "/en/e-bulletin/confirm/new-link/",
        "confirm": "/en/e-bulletin/confirm/no-such-token/",
        "confirmed": "/en/e-bulletin/confirmed/",
        "manage_request": "/en/e-bulletin/manage/",
        "manage_link_sent": "/en/e-bulletin/manage/link-sent/",
        "manage": "/en/e-bulletin/manage/no-such-token/",
        "unsubscribe": "/en/e-bulletin/unsubscribe/no-such-token/",
        "erase": "/en/e-bulletin/unsubscribe/no-such-token/erase/",
        "list": f"/en/comments/{publication.pk}/",
        "post": f"/en/comments/{publication.pk}/post/",
        "form_token": f"/en/comments/{publication.pk}/token/",
        "reading_page_view": f"/reading/{publication.pk}/",
        "wagtailcore_authenticate_with_password": "/en/_util/authenticate_with_password/1/1/",
        "wagtailcore_login": "/en/_util/login/",
        # Wagtail's pages and their routes
        "wagtail_serve": "/en/",
        "home (Serbian)": "/sr/",
        "publication listing": "/en/publications/",
        "year archive": "/en/publications/2021/",
        "tag page": "/en/publications/tags/police/",
        "feed": "/en/publications/feed/",
        "atom feed": "/en/publications/feed/atom/",
        "tag feed": "/en/publications/tags/police/feed/",
        "tag atom feed": "/en/publications/tags/police/feed/atom/",
        "kind feed": f"/en/publications/kinds/{kind}/feed/",
        "kind atom feed": f"/en/publications/kinds/{kind}/feed/atom/",
        "publication": publication.url,
        "op-ed": op_ed.url,
        "author index": "/en/authors/",
        "author": author.url,
        "author feed": f"{author.url}feed/",
        "author atom feed": f"{author.url}feed/atom/",
        "standard page": about.url,
        "team page": team.url,
        "a page that is not there": "/en/no-such-page/",
        # The mail provider's tracking webhooks (django-anymail), one per provider
        **{pattern.name: f"/anymail/{pattern.pattern}" for pattern in webhooks.urlpatterns},
    }


def test_the_walk_visits_every_public_url_pattern(site):
    assert patterns_not_reached(site.values()) == set()


def differences(site, method):
    """[(name, what differs)] between a GET and `method` (HEAD) of every address."""
    found = []
    for name, path in site.items():
        head = Client().generic(method, path)  # first: before a GET fills the page cache
        got = Client().get(path)
        if head.status_code != got.status_code:
            found.append((name, f"{method} {head.status_code}, GET {got.status_code}"))
            continue
        for header in COMPARED_HEADERS:
            if head.get(header) != got.get(header):
                found.append((name, f"{header}: {head.get(header)!r} / {got.get(header)!r}"))
        body = b"".join(head.streaming_content) if head.streaming else head.content
        if body:
            found.append((name, "a body"))
    return found


def test_head_answers_like_get_everywhere(site, monkeypatch):
    # Both asked in the same second: the home page is kept only until the hour turns, so its
    # Cache-Control counts down from one second to the next.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    assert differences(site, "HEAD") == []


@pytest.mark.parametrize("method", UNSUPPORTED)
def test_other_methods_are_refused_with_the_methods_allowed(site, method):
    """The Allow header names GET and HEAD, unless the address is a form's target only."""
    refused = {}
    for name, path in site.items():
        response = Client().generic(method, path)
        allow = {value.strip() for value in response.get("Allow", "").split(",")}
        got = Client().get(path)
        expected_allow = {"GET", "HEAD"} if got.status_code != 405 else {got["Allow"]}
        if response.status_code != 405 or not expected_allow <= allow:
            refused[name] = (response.status_code, response.get("Allow"))
    assert refused == {}


@pytest.mark.parametrize(
    "name",
    [
        "wagtail_serve",
        "publication listing",
        "feed",
        "tag page",
        "author",
        "search",
        "robots_txt",
        "sitemap",
        "sitemap_section",
        "web_manifest",
        "cite_bibtex",
        "favicon",
        "list",
    ],
)
def test_a_post_where_no_form_posts_is_refused(site, name):
    response = Client().post(site[name], {"anything": "x"})
    assert response.status_code == 405
    assert "POST" not in response["Allow"]
    assert {"GET", "HEAD"} <= {value.strip() for value in response["Allow"].split(",")}


def test_trace_on_a_page_that_takes_comments_says_it_takes_posts(site):
    response = Client().generic("TRACE", site["publication"])
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    response = Client().generic("TRACE", site["wagtail_serve"])
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_the_admin_takes_the_methods_its_views_take(admin_client, method):
    """The translation editor saves each string with PUT and clears it with DELETE: the
    admin's views answer for their own methods: here the view's 404 for a translation that
    does not exist (which LocaleMiddleware offers under /en/), not a 405 before the view."""
    url = reverse("wagtail_localize:edit_string_translation", args=[999_999, 999_999])
    response = admin_client.generic(method, url, "value=Naslov")
    assert response.status_code in {302, 404}
    assert "Allow" not in response
