"""Whatever a visitor sends, the site answers with a page or a 4xx, never a 500: a few
requests that once did, then a property-based test that drives every public URL."""

import io
from urllib.parse import quote, quote_from_bytes

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from authors.models import AuthorIndexPage, AuthorPage
from bcsp_site.models import StandardPage, TeamPage
from bcsp_site.seo import child_number
from newsletter import webhooks
from newsletter.models import Subscriber
from newsletter.tokens import make_confirmation_token, make_manage_token
from publications.models import (
    OpEdPage,
    PublicationDocument,
    PublicationIndexPage,
    PublicationPage,
)
from publications.pdf import build_simple_pdf
from tests.support.page_types import example_publication, first
from tests.support.public_urls import patterns_not_reached


@pytest.fixture
def document(db):
    return PublicationDocument.objects.create(
        title="Report", file=ContentFile(b"%PDF-1.4 report", name="report.pdf")
    )


@pytest.mark.parametrize(
    "path",
    [
        "/media/images/" + "a" * 300 + ".png",
        "/media/" + "a" * 5000,
        "/media/" + "/".join(["a" * 200] * 30),
    ],
)
def test_a_very_long_media_name_is_not_found(client, db, path):
    # Not found; the language redirect may first offer /en/… for a name a page could have.
    assert client.get(path).status_code in {302, 404}


@pytest.mark.parametrize("filename", ["a" * 300 + ".pdf", "a" * 5000, "report.pdf/" + "b" * 300])
def test_a_document_under_a_very_long_name_is_not_a_server_error(client, document, filename):
    response = client.get(f"/documents/{document.pk}/{filename}")
    assert response.status_code < 500


# The property-based test ------------------------------------------------------------------
#
# Every public URL pattern, with real pages of the demo content and real tokens, is asked for
# with its path segments and query parameters replaced by arbitrary text and bytes (invalid
# UTF-8, NUL, surrogates, very long values, repeated names), by GET and by POST; whatever
# comes in, the answer is never a 5xx. The examples are drawn from a fixed seed (the
# "hypothesis" profile in tests/conftest.py), so every run asks the same questions.

# Every parameter a public view reads, and a few that open redirects or forms read.
PARAMETERS = [
    "q", "kind", "author", "tag", "year_from", "year_to", "sort", "page", "language",
    "advanced", "next", "token", "action", "email", "name", "text", "website", "form_token",
    "consent", "password", "return_url", "id",
]  # fmt: skip

TRICKY_VALUES = [
    "",
    "\x00",
    "%00",
    "0",
    "-1",
    "1e5",
    "99999999999999999999",
    "../../etc/passwd",
    "//evil.example/",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    "a" * 5000,
]


def percent_encoded(raw):
    return quote_from_bytes(raw, safe="")


def encoded_text():
    """Text as a browser or a script might send it, percent-encoded for the URL."""
    return st.one_of(
        # Any text, surrogates included (their UTF-8 is invalid, so they arrive as bytes).
        st.text(st.characters(codec=None), max_size=60).map(
            lambda text: percent_encoded(text.encode("utf-8", "surrogatepass"))
        ),
        st.binary(max_size=40).map(percent_encoded),
        st.sampled_from(TRICKY_VALUES).map(lambda text: quote(text, safe="")),
        st.integers(min_value=0, max_value=200).map(lambda n: "9" * n),
    )


def query_strings(names=PARAMETERS):
    parameter = st.tuples(st.one_of(st.sampled_from(names), encoded_text()), encoded_text())
    return st.lists(parameter, max_size=6).map(
        lambda pairs: "&".join(f"{quote(name, safe='%')}={value}" for name, value in pairs)
    )


def demo_site_paths():
    """A concrete address for every public URL pattern, from the demo content."""
    paths = set()
    for language in ("en", "sr"):
        publication = example_publication(language, cover=False)
        listing = first(PublicationIndexPage, language).url
        tag = f"{listing}tags/{publication.tags.order_by('slug').first().slug}/"
        author = first(AuthorPage, language, publication_links__isnull=False).url
        paths.update(
            [
                f"/{language}/",
                listing,
                f"{listing}{publication.publication_date.year}/",
                tag,
                publication.url,
                first(OpEdPage, language).url,
                first(AuthorIndexPage, language).url,
                author,
                first(StandardPage, language).url,
                first(TeamPage, language).url,
            ]
        )
        paths.update(
            [
                f"{listing}feed/",
                f"{listing}feed/atom/",
                f"{tag}feed/",
                f"{tag}feed/atom/",
                f"{author}feed/",
                f"{author}feed/atom/",
                f"/{language}/search/",
                f"/{language}/styleguide/",
                f"/{language}/manifest.webmanifest",
                f"/{language}/e-bulletin/",
                f"/{language}/e-bulletin/check-your-email/",
                f"/{language}/e-bulletin/confirm/new-link/",
                f"/{language}/e-bulletin/confirmed/",
                f"/{language}/e-bulletin/manage/",
                f"/{language}/e-bulletin/manage/link-sent/",
                f"/{language}/_util/login/",
            ]
        )
    publication = OpEdPage.objects.live().first()
    kind = publication.kind.slug
    paths.update(
        [
            f"/en/publications/kinds/{kind}/feed/",
            f"/en/publications/kinds/{kind}/feed/atom/",
            f"/en/cite/{publication.pk}.bib",
            f"/en/cite/{publication.pk}.ris",
            f"/en/comments/{publication.pk}/",
            f"/en/comments/{publication.pk}/post/",
            f"/en/comments/{publication.pk}/token/",
            f"/reading/{publication.pk}/",
            "/",
            "/sitemap.xml",
            f"/sitemaps/publications-{child_number(publication.pk)}.xml",
            "/sitemaps/publications-999999999.xml",
            "/robots.txt",
            "/.well-known/security.txt",
            "/security.txt",
            "/favicon.ico",
            "/footnotes/footnotes_modal/",
            "/healthz",
            "/readyz",
            "/language/sr/",
            "/language/en/",
            "/media/images/missing.png",
            "/media/documents/missing.pdf",
            # The mail provider's tracking webhooks, one per provider
            *(f"/anymail/{pattern.pattern}" for pattern in webhooks.urlpatterns),
        ]
    )
    document = PublicationDocument.objects.create(
        title="Fuzzed", file=ContentFile(build_simple_pdf(["Fuzzed."]), name="fuzzed.pdf")
    )
    paths.add(document.url)
    now = timezone.now()
    subscriber = Subscriber.objects.create(
        email="fuzz@example.org",
        language="en",
        status=Subscriber.Status.PENDING,
        consent_text="I agree.",
        consent_at=now,
    )
    confirm = make_confirmation_token(subscriber)
    manage = make_manage_token(subscriber)
    unsubscribe = subscriber.unsubscribe_token
    paths.update(
        [
            f"/en/e-bulletin/confirm/{confirm}/",
            f"/en/e-bulletin/manage/{manage}/",
            f"/en/e-bulletin/unsubscribe/{unsubscribe}/",
            f"/en/e-bulletin/unsubscribe/{unsubscribe}/erase/",
        ]
    )
    page = PublicationPage.objects.live().first()
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="fuzz-password"
    )
    collection = Collection.get_first_root_node().add_child(name="Fuzzed")
    collection_restriction = CollectionViewRestriction.objects.create(
        collection=collection, restriction_type="password", password="fuzz-password"
    )
    paths.update(
        [
            reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk]),
            reverse("wagtaildocs_authenticate_with_password", args=[collection_restriction.pk]),
        ]
    )
    return sorted(paths)


def mutated(path, segment, at):
    """`path` with one segment replaced by `segment` (or added at the end)."""
    parts = path.strip("/").split("/") if path.strip("/") else []
    if parts and at < len(parts):
        parts[at] = segment
    else:
        parts.append(segment)
    return "/" + "/".join(parts) + ("/" if path.endswith("/") else "")


@pytest.fixture
def demo_paths(db):
    call_command("load_demo_content", "--no-images", stdout=io.StringIO())
    return demo_site_paths()


def test_every_public_url_pattern_has_an_address_to_drive(demo_paths):
    """The property below drives every pattern; a new one needs an address above."""
    assert patterns_not_reached(demo_paths) == set()


@example(method="GET", address="/media/" + "a" * 5000, segment=None, at=0, query="")
@example(method="GET", address="/documents/1/", segment="a" * 5000, at=2, query="")
@given(
    method=st.sampled_from(["GET", "POST"]),
    # An index into the demo content's addresses (known only once the fixture ran).
    address=st.integers(min_value=0, max_value=10_000),
    segment=st.one_of(st.none(), encoded_text()),
    at=st.integers(min_value=0, max_value=5),
    query=query_strings(),
)
def test_no_request_to_a_public_address_is_a_server_error(
    client, demo_paths, method, address, segment, at, query
):
    path = address if isinstance(address, str) else demo_paths[address % len(demo_paths)]
    if segment is not None:
        path = mutated(path, segment, at)
    if method == "GET":
        response = client.get(f"{path}?{query}" if query else path)
    else:
        response = client.post(
            path, data=query.encode("ascii"), content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code < 500, (method, path, query)
