"""The bad-input sweep: malformed data to every public form and URL parameter never gets a
5xx. Over-long strings, NUL bytes, invalid UTF-8, wrong types, missing CSRF tokens and wrong
methods get a 4xx (or, where the input is merely odd, an ordinary page); nothing is
half-saved. Property-based (hypothesis) where the input space is open-ended."""

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bcsp_site.seo import child_number
from comments import spam
from comments.models import Comment
from newsletter.models import Subscriber
from tests.support.factories import (
    AuthorPageFactory,
    OpEdPageFactory,
    PublicationPageFactory,
)

SCRIPT = "<script>alert(1)</script>"
# Values that have broken web applications: sizes, encodings, types and injections.
NASTY_VALUES = [
    "",
    " ",
    "x" * 3000,
    "\x00",
    "a\x00b",
    "\t\r\n",
    "%",
    "%%32%65",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "²",  # a digit to str.isdigit(), not a number to int()
    "٣",  # an Arabic-Indic three: a number to int(), not an ASCII digit
    "NaN",
    "1.5",
    "[]",
    "{}",
    "null",
    "' OR '1'='1' --",
    SCRIPT,
    "../../../../etc/passwd",
    "é漢字🙂\u202e",
    "\ufeff",
]
# Raw query strings that are not valid UTF-8 or not valid percent-encoding.
RAW_QUERY_STRINGS = ["%ff%fe%fd", "%c3%28", "%e2%82", "%", "%zz", "=&=&&", "a[]=1&a[]=2"]
EVIL_PATH_SEGMENTS = [
    "x" * 500,
    "%00",
    "%ff%fe",
    "%c3%28",
    "..%2f..%2f",
    "99999999999999999999999999",
    "-1",
    "%e2%80%ae",
    "%c2%b2",  # "²"
]
FORM_ENCODED = "application/x-www-form-urlencoded"
METHODS = ["put", "patch", "delete", "options", "trace"]

SEARCH_PARAMS = ["q", "kind", "author", "tag", "year_from", "year_to", "sort", "page", "language"]
LISTING_PARAMS = ["page", "kind", "tag", "author"]

PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def site_content(home_page, publication_index, author_index, settings):
    settings.COMMENTS_RATE_LIMIT = 1_000_000
    settings.NEWSLETTER_RATE_LIMIT_PER_IP = 1_000_000
    settings.NEWSLETTER_RATE_LIMIT_PER_EMAIL = 1_000_000
    author = AuthorPageFactory(parent=author_index, slug="ana-markovic")
    publication = PublicationPageFactory(
        parent=publication_index,
        slug="state-capture",
        authors=[author],
        tag_names=["surveillance"],
    )
    OpEdPageFactory(parent=publication_index, slug="op-ed", tag_names=["police"])
    return {"publication": publication, "author": author}


def get_urls(content):
    publication = content["publication"]
    return [
        "/en/",
        "/sr/",
        "/en/search/",
        "/en/publications/",
        "/en/publications/2020/",
        "/en/publications/tags/surveillance/",
        "/en/publications/feed/",
        "/en/publications/tags/surveillance/feed/",
        "/en/publications/kinds/analysis/feed/",
        "/en/publications/state-capture/",
        "/en/authors/",
        "/en/authors/ana-markovic/",
        "/en/authors/ana-markovic/feed/",
        f"/en/comments/{publication.pk}/",
        f"/en/comments/{publication.pk}/token/",
        f"/en/cite/{publication.pk}.bib",
        f"/en/cite/{publication.pk}.ris",
        "/en/e-bulletin/",
        "/en/e-bulletin/check-your-email/",
        "/en/e-bulletin/confirmed/",
        "/en/e-bulletin/confirm/not-a-token/",
        "/en/e-bulletin/unsubscribe/not-a-token/",
        "/sitemap.xml",
        f"/sitemaps/publications-{child_number(publication.pk)}.xml",
        "/robots.txt",
        "/admin/login/",
    ]


def assert_no_server_error(response, what):
    assert response.status_code < 500, f"{what} -> {response.status_code}"


def fresh_form_token(page):
    return spam.make_form_token(page.pk, issued_at=spam.current_time() - 30)


# URL parameters -----------------------------------------------------------------------------


def test_every_url_parameter_survives_nasty_values(client, site_content):
    for url in get_urls(site_content):
        params = SEARCH_PARAMS if url == "/en/search/" else LISTING_PARAMS
        for value in NASTY_VALUES:
            response = client.get(url, dict.fromkeys(params, value))
            assert_no_server_error(response, f"GET {url} with every parameter {value[:20]!r}")
    # One parameter at a time where each is read on its own.
    for name in SEARCH_PARAMS:
        for value in NASTY_VALUES:
            response = client.get("/en/search/", {"q": "police", name: value})
            assert_no_server_error(response, f"GET /en/search/?{name}={value[:20]!r}")


def test_nul_bytes_and_over_long_values_are_a_clear_400(client, site_content):
    assert client.get("/en/search/", {"q": "a\x00b"}).status_code == 400  # the form says why
    assert client.get("/en/publications/", {"page": "x" * 5000}).status_code == 400
    assert client.get("/en/search/", {"q": "x" * 3000}).status_code == 200  # long is fine


def test_raw_query_strings_that_are_not_utf8_or_not_encoded(client, site_content):
    for url in get_urls(site_content):
        for raw in RAW_QUERY_STRINGS:
            for name in ("q", "page", "kind"):
                query = raw if "=" in raw else f"{name}={raw}"
                response = client.get(f"{url}?{query}")
                assert_no_server_error(response, f"GET {url}?{query}")


def test_evil_path_segments(client, site_content):
    publication = site_content["publication"]
    templates = [
        "/en/{}/",
        "/en/publications/{}/",
        "/en/publications/tags/{}/",
        "/en/publications/kinds/{}/feed/",
        "/en/authors/{}/",
        "/en/comments/{}/",
        "/en/comments/{}/post/",
        "/en/cite/{}.bib",
        "/en/e-bulletin/confirm/{}/",
        "/en/e-bulletin/unsubscribe/{}/",
        "/documents/{}/file.pdf",
        f"/en/publications/state-capture/{{}}/?page={publication.pk}",
        "/{}/",
    ]
    for template in templates:
        for segment in EVIL_PATH_SEGMENTS:
            url = template.format(segment)
            response = client.get(url)
            assert_no_server_error(response, f"GET {url}")
            if "post" in url or "e-bulletin" in url:
                assert_no_server_error(client.post(url, {}), f"POST {url}")


def test_year_archives_outside_any_calendar(client, site_content):
    for year in ["0", "1", "9999", "10000", "99999999999999999999"]:
        response = client.get(f"/en/publications/{year}/")
        assert response.status_code == 404, year


def test_wrong_methods_are_refused_without_errors(client, site_content):
    publication = site_content["publication"]
    urls = get_urls(site_content) + [
        f"/en/comments/{publication.pk}/post/",
        "/en/e-bulletin/confirm/new-link/",
        "/en/e-bulletin/unsubscribe/not-a-token/erase/",
    ]
    for url in urls:
        for method in METHODS:
            response = getattr(client, method)(url)
            assert_no_server_error(response, f"{method.upper()} {url}")
    assert client.get(f"/en/comments/{publication.pk}/post/").status_code == 405
    assert client.get("/en/e-bulletin/confirm/new-link/").status_code == 405


# Forms ---------------------------------------------------------------------------------------


def comment_fields(page):
    return {
        "name": "Milica",
        "email": "milica@example.org",
        "text": "A thoughtful remark about the analysis.",
        "website": "",
        "form_token": fresh_form_token(page),
    }


SIGNUP_FIELDS = {"email": "ana@example.org", "name": "Ana", "language": "en", "consent": "on"}


def test_comment_form_survives_nasty_values_and_never_half_saves(client, site_content):
    publication = site_content["publication"]
    url = publication.url  # comments are posted to the page they are under
    for field in ["name", "email", "text", "website", "form_token"]:
        for number, value in enumerate(NASTY_VALUES):
            before = Comment.objects.count()
            # Each from another reader: the same comment sent again is taken only once.
            reader = {"email": f"reader{number}@example.org"} if field != "email" else {}
            data = {**comment_fields(publication), **reader, field: value}
            response = client.post(url, data)
            assert_no_server_error(response, f"comment {field}={value[:20]!r}")
            saved = Comment.objects.count() - before
            if response.status_code == 302:
                assert saved == 1
            else:
                assert 400 <= response.status_code < 500
                assert saved == 0
                if field in {"name", "email", "text"} and value == SCRIPT:
                    # What the reader typed comes back to them, escaped, not lost.
                    page = response.content.decode()
                    assert SCRIPT not in page
                    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_comment_form_with_missing_fields_lists_and_wrong_encodings(client, site_content):
    publication = site_content["publication"]
    url = publication.url  # comments are posted to the page they are under
    fields = comment_fields(publication)
    for missing in fields:
        data = {key: value for key, value in fields.items() if key != missing}
        assert_no_server_error(client.post(url, data), f"comment without {missing}")
    listy = {key: [value, value] for key, value in fields.items()}
    assert_no_server_error(client.post(url, listy), "comment with repeated fields")
    before = Comment.objects.count()
    bodies = [
        (b"name=%ff%fe&email=a%40b.org&text=%c3%28%c3%28%c3%28", FORM_ENCODED),
        (b'{"name": "Ana", "text": 5}', "application/json"),
        (b"\xff\xfe\x00\x00garbage", "application/octet-stream"),
        (b"--broken\r\nContent-Disposition: form-data\r\n\r\n", "multipart/form-data; boundary=x"),
        (b"name=" + b"A" * 100_000, FORM_ENCODED),
    ]
    for body, content_type in bodies:
        response = client.post(url, body, content_type=content_type)
        assert_no_server_error(response, f"comment body {body[:20]!r} as {content_type}")
    assert Comment.objects.count() == before


def test_signup_form_survives_nasty_values_and_never_half_saves(client, site_content):
    for field in ["email", "name", "language", "consent"]:
        for value in NASTY_VALUES:
            before = Subscriber.objects.count()
            response = client.post("/en/e-bulletin/", {**SIGNUP_FIELDS, field: value})
            assert_no_server_error(response, f"sign-up {field}={value[:20]!r}")
            if response.status_code != 302:
                assert 400 <= response.status_code < 500
                assert Subscriber.objects.count() == before
    bodies = [
        (b"email=%ff%fe%40x.org&consent=on&language=en", "application/x-www-form-urlencoded"),
        (b'{"email": ["a@b.org"]}', "application/json"),
        (b"email=" + b"a" * 100_000 + b"%40x.org", "application/x-www-form-urlencoded"),
    ]
    for body, content_type in bodies:
        response = client.post("/en/e-bulletin/", body, content_type=content_type)
        assert_no_server_error(response, f"sign-up body {body[:20]!r}")


def test_link_forms_survive_nasty_tokens(client, site_content):
    for value in NASTY_VALUES:
        token = quote(value, safe="") or "x"
        for url in [
            f"/en/e-bulletin/confirm/{token}/",
            f"/en/e-bulletin/unsubscribe/{token}/",
            f"/en/e-bulletin/unsubscribe/{token}/erase/",
        ]:
            assert_no_server_error(client.post(url, {}), f"POST {url[:60]}")
        response = client.post("/en/e-bulletin/confirm/new-link/", {"token": value})
        assert_no_server_error(response, f"resend token={value[:20]!r}")
        assert_no_server_error(
            client.post(
                "/en/e-bulletin/unsubscribe/x/",
                "List-Unsubscribe=One-Click" + value,
                content_type="application/x-www-form-urlencoded",
            ),
            "one-click unsubscribe",
        )


def test_admin_login_and_password_reset_survive_nasty_values(client, site_content):
    for value in NASTY_VALUES:
        for data in [{"username": value, "password": value}, {"username": "admin"}, {}]:
            response = client.post("/admin/login/", data)
            assert_no_server_error(response, f"login {value[:20]!r}")
        response = client.post("/admin/password_reset/", {"email": value})
        assert_no_server_error(response, f"password reset {value[:20]!r}")


def test_missing_csrf_token_or_cross_site_post_is_a_403_not_an_error(site_content):
    publication = site_content["publication"]
    strict = Client(enforce_csrf_checks=True)
    login = strict.post("/admin/login/", {"username": "a", "password": "b"})
    assert login.status_code == 403
    # The comment and e-bulletin forms work from cached pages without a token, but not
    # cross-site.
    comment = strict.post(
        f"/en/comments/{publication.pk}/post/",
        comment_fields(publication),
        HTTP_ORIGIN="https://evil.example",
    )
    assert comment.status_code == 403
    cross_site = strict.post("/en/e-bulletin/", SIGNUP_FIELDS, HTTP_ORIGIN="https://evil.example")
    assert cross_site.status_code == 403
    assert not Comment.objects.exists() and not Subscriber.objects.exists()


# Properties ----------------------------------------------------------------------------------

# Characters browsers actually send in forms (no surrogates, which cannot be encoded).
form_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


@PROPERTY_SETTINGS
@given(params=st.dictionaries(st.sampled_from(SEARCH_PARAMS), form_text, max_size=5))
def test_search_never_fails_whatever_the_parameters(client, site_content, params):
    assert_no_server_error(client.get("/en/search/", params), f"search {params!r}")


@PROPERTY_SETTINGS
@given(
    params=st.dictionaries(st.sampled_from(LISTING_PARAMS), form_text, max_size=3),
    url=st.sampled_from(
        ["/en/publications/", "/en/publications/2020/", "/en/authors/ana-markovic/"]
    ),
)
def test_listings_never_fail_whatever_the_parameters(client, site_content, params, url):
    assert_no_server_error(client.get(url, params), f"{url} {params!r}")


@PROPERTY_SETTINGS
@given(name=form_text, email=form_text, text=form_text)
def test_comment_posts_are_saved_whole_or_refused_with_a_4xx(
    client, site_content, name, email, text
):
    publication = site_content["publication"]
    before = Comment.objects.count()
    data = {**comment_fields(publication), "name": name, "email": email, "text": text}
    response = client.post(publication.url, data)
    assert_no_server_error(response, f"comment {data!r}")
    if response.status_code == 302:
        assert Comment.objects.count() == before + 1
    else:
        assert 400 <= response.status_code < 500
        assert Comment.objects.count() == before


@PROPERTY_SETTINGS
@given(email=form_text, name=form_text, language=form_text)
def test_signups_are_saved_whole_or_refused_with_a_4xx(client, site_content, email, name, language):
    before = Subscriber.objects.count()
    data = {"email": email, "name": name, "language": language, "consent": "on"}
    response = client.post("/en/e-bulletin/", data)
    assert_no_server_error(response, f"sign-up {data!r}")
    if response.status_code != 302:
        assert 400 <= response.status_code < 500
        assert Subscriber.objects.count() == before
