"""Requests that try to change what the site generates or caches for everyone: a script
prefix or another address smuggled in a header, another spelling of the host. None of them
may alter the links of a page, and none may reach the copy the next visitor gets."""

import datetime
import http.client
import io
import os

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory
from django.urls import set_script_prefix

from bcsp_site.caching import generation
from bcsp_site.seo import child_number
from tests.support import servers
from tests.support.factories import AuthorPageFactory, PublicationPageFactory
from tests.support.servers import needs_postgresql, own_database_url


def publish(page):
    page.save_revision().publish()
    return page


@pytest.fixture
def publication(publication_index, author_index):
    author = publish(AuthorPageFactory(parent=author_index, title="Ana Author", slug="ana"))
    return publish(
        PublicationPageFactory(
            parent=publication_index,
            title="Police Integrity in Serbia",
            slug="police-integrity",
            publication_date=datetime.date(2021, 3, 4),
            authors=[author],
            tag_names=["police"],
        )
    )


def links(response):
    return response.content.decode()


# A script prefix in the WSGI environment ---------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/en/", "/en/publications/", "/en/publications/police-integrity/", "/en/authors/ana/"]
)
def test_a_script_name_in_the_environ_neither_prefixes_links_nor_reaches_the_cache(
    publication, path
):
    """The script prefix is the site's setting: a SCRIPT_NAME the server took from a request
    header changes no link, and the copy kept is the clean page."""
    forged = Client().get(path, SCRIPT_NAME="/evil")
    assert forged.status_code == 200
    assert "/evil" not in links(forged)

    clean = Client().get(path)
    assert clean.status_code == 200
    assert "/evil" not in links(clean)
    assert clean["X-Cache"] == "hit"
    assert clean.content == forged.content


def wsgi_get(path, script_name):
    """A GET through the project's WSGI application, as a server that split the path at a
    SCRIPT_NAME header hands it over."""
    from bcsp_site.wsgi import application  # noqa: PLC0415 - sets Django up when imported

    answer = {}
    environ = RequestFactory().get(path).environ
    environ.update({"SCRIPT_NAME": script_name, "wsgi.input": io.BytesIO()})

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(headers)

    # As Django's test client does: the test's transaction holds the database connection,
    # which the request signals would close.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        body = b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body.decode()


def test_the_wsgi_application_answers_the_address_as_asked(publication):
    # gunicorn given "GET /evil/en/…" with "SCRIPT_NAME: /evil": PATH_INFO /en/…
    status, _headers, body = wsgi_get("/en/publications/police-integrity/", "/evil")
    assert status in (301, 302, 404)  # /evil/en/… is no address of the site
    assert "/evil/en/" not in body
    # "GET /en/publications/police-integrity/" split at "/en": the publication itself.
    status, headers, body = wsgi_get("/publications/police-integrity/", "/en")
    assert status == 200
    assert "Police Integrity in Serbia" in body
    assert 'href="/en/en/' not in body
    clean = Client().get("/en/publications/police-integrity/")
    assert clean["X-Cache"] == "hit"
    assert clean.content.decode() == body


@pytest.fixture
def script_prefix_restored():
    yield
    set_script_prefix("/")  # Django keeps the last request's prefix in the thread


def test_the_configured_script_name_prefixes_links(publication, settings, script_prefix_restored):
    """A site mounted under a prefix says so in FORCE_SCRIPT_NAME, never in a request."""
    settings.FORCE_SCRIPT_NAME = "/site"
    generation.start_new_generation()  # addresses worked out without the prefix
    status, _headers, body = wsgi_get("/en/publications/police-integrity/", "/site")
    assert status == 200
    assert 'href="/site/en/publications/"' in body
    status, _headers, body = wsgi_get("/site/en/publications/police-integrity/", "")
    assert status == 200
    assert 'href="/site/en/publications/"' in body
    status, _headers, body = wsgi_get("/en/publications/police-integrity/", "/evil")
    assert status != 200
    assert "/evil" not in body


# Other headers that proxies use to say where a request came from ---------------------------


FORGED_HEADERS = {
    "X-Forwarded-Host": {"HTTP_X_FORWARDED_HOST": "evil.example"},
    "X-Forwarded-Prefix": {"HTTP_X_FORWARDED_PREFIX": "/evil"},
    "X-Forwarded-Server": {"HTTP_X_FORWARDED_SERVER": "evil.example"},
    "X-Original-URL": {"HTTP_X_ORIGINAL_URL": "/evil/"},
    "X-Rewrite-URL": {"HTTP_X_REWRITE_URL": "/evil/"},
    "Forwarded": {"HTTP_FORWARDED": "host=evil.example;proto=https;for=1.2.3.4"},
    "X-Forwarded-Proto": {"HTTP_X_FORWARDED_PROTO": "https"},
    "X-Forwarded-Port": {"HTTP_X_FORWARDED_PORT": "8443"},
    "X-Host": {"HTTP_X_HOST": "evil.example"},
}


@pytest.mark.parametrize("header", FORGED_HEADERS)
@pytest.mark.parametrize(
    "path", ["/en/publications/police-integrity/", "/robots.txt", "/en/publications/feed/"]
)
def test_forwarding_headers_change_nothing_generated_or_cached(publication, header, path):
    forged = Client().get(path, **FORGED_HEADERS[header])
    assert forged.status_code == 200
    assert "evil" not in forged.content.decode()
    clean = Client().get(path)
    assert "evil" not in clean.content.decode()
    assert clean.content == forged.content


HOST_SPELLINGS = ["localhost", "LOCALHOST", "localhost:80", "localhost.", "127.0.0.1"]


@pytest.mark.parametrize("host", HOST_SPELLINGS)
def test_every_spelling_of_the_host_shares_one_copy_and_no_link_names_it(publication, host):
    """The key is the site's configured address, not the Host header: the spellings of one
    host share one copy, and no page carries the spelling that filled it."""
    child = f"/sitemaps/publications-{child_number(publication.pk)}.xml"
    for path in ("/robots.txt", "/en/publications/feed/", "/sitemap.xml", child):
        first = Client().get(path, HTTP_HOST=host)
        if first.status_code == 400:
            continue  # a host Django refuses is answered with the 400 page, never cached
        assert first.status_code == 200
        text = first.content.decode()
        assert "LOCALHOST" not in text and "127.0.0.1" not in text and ":80/" not in text
        again = Client().get(path)
        assert again.content == first.content
        assert again["X-Cache"] == "hit"


def test_the_cache_key_is_the_same_for_every_spelling_of_the_host(publication):
    Client().get("/en/publications/police-integrity/", HTTP_HOST="127.0.0.1")
    assert Client().get("/en/publications/police-integrity/")["X-Cache"] == "hit"


# A real gunicorn with the project's configuration ------------------------------------------


@pytest.fixture
def gunicorn(tmp_path):
    """The site under gunicorn started with the project's configuration file."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bcsp_site.settings.test",
        "DATABASE_URL": own_database_url(),
    }
    with servers.gunicorn(env, tmp_path / "gunicorn.log") as port:
        yield port


def raw_get(port, path, **headers):
    """A GET sent as written, headers with underscores included."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", "localhost")
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, response.getheader("X-Cache"), body


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_gunicorn_drops_a_script_name_header_and_keeps_the_cache_clean(
    home_page, publication_index, author_index, gunicorn
):
    publication = publish(
        PublicationPageFactory(parent=publication_index, title="Clean Links", slug="clean-links")
    )
    path = publication.url
    headers = {"SCRIPT_NAME": "/evil"}
    status, _cache, body = raw_get(gunicorn, "/evil" + path, **headers)
    assert status != 200  # LocaleMiddleware's redirect to /en/evil/en/…, a 404
    assert "/evil/en/" not in body
    status, _cache, body = raw_get(gunicorn, path, **headers)
    assert status == 200
    assert "/evil" not in body
    status, x_cache, body = raw_get(gunicorn, path)
    assert status == 200
    assert x_cache == "hit"
    assert "/evil" not in body
    for name in ("PATH_INFO", "X_Forwarded_Host", "X-Forwarded-Prefix", "X-Original-URL"):
        status, _cache, body = raw_get(gunicorn, path, **{name: "/evil"})
        assert status == 200
        assert "/evil" not in body
