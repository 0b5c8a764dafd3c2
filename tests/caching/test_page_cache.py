"""The full-page cache: what anonymous visitors get from it, what never goes into it, and
that every change an editor makes reaches it (and the CDN in front) at once."""

import datetime
import os
import re
import time

import pytest
import redis
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction, Site

from bcsp_site.caching import generation, page_cache
from bcsp_site.caching.backends import ResilientRedisCache
from bcsp_site.caching.models import ContentGeneration
from bcsp_site.core.organisation import OrganisationSettings, OrganisationText
from bcsp_site.models import HomePage
from comments import spam
from comments.models import Comment
from newsletter.models import Subscriber
from publications.models import PublicationKind
from tests.support import frontend_cache
from tests.support.factories import (
    AuthorPageFactory,
    PublicationIndexPageFactory,
    PublicationKindFactory,
    PublicationPageFactory,
)
from tests.support.sitemaps import sitemap_text

PUBLIC = "public, max-age=60, s-maxage=3600"
SAME_SITE = {"HTTP_ORIGIN": "http://testserver"}


def publish(page):
    page.save_revision().publish()
    return page


@pytest.fixture
def author(author_index):
    return publish(AuthorPageFactory(parent=author_index, title="Marija Ignjatijević", slug="mi"))


@pytest.fixture
def publication(publication_index, author):
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


@pytest.fixture
def purged():
    frontend_cache.purged.clear()
    yield frontend_cache.purged
    frontend_cache.purged.clear()


def fetch(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response


def fetch_twice(url):
    """A first visitor fills the cache; the second is served from it."""
    first = fetch(Client(), url)
    second = fetch(Client(), url)
    return first, second


# Hits and misses -------------------------------------------------------------------------


PUBLIC_PAGES = {
    "home": "/en/",
    "listing": "/en/publications/",
    "listing, second page": "/en/publications/?page=2",
    "year archive": "/en/publications/2021/",
    "tag page": "/en/publications/tags/police/",
    "publication": "/en/publications/police-integrity/",
    "feed": "/en/publications/feed/",
    "tag feed": "/en/publications/tags/police/feed/atom/",
    "authors": "/en/authors/",
    "author": "/en/authors/mi/",
    "author feed": "/en/authors/mi/feed/",
    "sitemap": "/sitemap.xml",
    "robots.txt": "/robots.txt",
    "e-bulletin sign-up": "/en/e-bulletin/",
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_are_served_from_the_cache_after_the_first_visit(publication, name):
    url = PUBLIC_PAGES[name]
    first, second = fetch_twice(url)
    assert first["X-Cache"] == "miss"
    assert second["X-Cache"] == "hit"
    assert first["Content-Type"] == second["Content-Type"]
    assert first.get("Content-Language") == second.get("Content-Language")
    assert "Cookie" not in second.get("Vary", "")
    assert "Accept-Language" not in second.get("Vary", "")
    assert not second.cookies


@pytest.mark.parametrize(
    "name", ["home", "listing", "publication", "e-bulletin sign-up", "author", "tag page"]
)
def test_a_hit_is_the_very_page_of_the_miss_with_nothing_per_visitor(publication, name):
    """What a CDN keeps is given to every visitor: no nonce in the policy or the page."""
    first, second = fetch_twice(PUBLIC_PAGES[name])
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "nonce-" not in second["Content-Security-Policy"]
    policy = [part.strip() for part in second["Content-Security-Policy"].split(";")]
    assert "script-src 'self'" in policy
    assert "nonce=" not in second.content.decode()
    assert "<script" in second.content.decode()


def test_a_hit_keeps_the_headers_of_the_page(publication):
    first, second = fetch_twice(publication.url)
    assert int(second["Content-Length"]) == len(second.content)
    # The headers of the page travel with it.
    assert second["X-Frame-Options"] == first["X-Frame-Options"] == "DENY"
    assert second["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_page_is_served_from_the_cache_without_touching_the_database(
    publication, django_assert_num_queries
):
    fetch(Client(), publication.url)
    with django_assert_num_queries(0):
        assert fetch(Client(), publication.url)["X-Cache"] == "hit"


def test_head_requests_are_answered_from_the_cache_but_never_fill_it(publication):
    head = Client().head(publication.url)
    assert head.status_code == 200
    assert head["X-Cache"] == "bypass"
    assert fetch(Client(), publication.url)["X-Cache"] == "miss"
    head = Client().head(publication.url)
    assert head["X-Cache"] == "hit"
    assert head.content == b""


@pytest.mark.parametrize(
    "query",
    ["?kind=analysis", "?utm_source=newsletter", "?page=2&utm_source=x", "?page=x", "?page=0"],
)
def test_other_query_strings_are_never_cached(publication, query):
    for _visit in range(2):
        response = Client().get("/en/publications/" + query)
        assert response["X-Cache"] == "bypass"
        assert response["Cache-Control"] == "private, no-cache"


def test_search_results_are_not_cached(publication):
    """They hold nothing personal, but every query would be a copy of its own."""
    for _visit in range(2):
        response = fetch(Client(), "/en/search/", data={"q": "police"})
        assert response["X-Cache"] == "bypass"
        assert "private" in response["Cache-Control"]


def test_the_language_redirect_is_never_shared(home_page):
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="sr")
    assert response.status_code == 302
    assert response["Location"] == "/sr/"
    assert "Accept-Language" in response["Vary"]
    assert "private" in response["Cache-Control"]
    english = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert english["Location"] == "/en/"


def test_a_missing_page_is_not_cached(home_page):
    for _visit in range(2):
        response = Client().get("/en/no-such-page/")
        assert response.status_code == 404
        assert response["X-Cache"] == "bypass"
        assert "private" in response["Cache-Control"]


def test_a_lost_generation_is_given_back_from_the_database(publication):
    fetch_twice(publication.url)
    kept = cache.get(generation.GENERATION_KEY)
    cache.delete(generation.GENERATION_KEY)  # evicted, or the cache restarted
    assert fetch(Client(), publication.url)["X-Cache"] == "hit"  # the copies are still current
    assert cache.get(generation.GENERATION_KEY) == kept == generation.stored_generation()


def test_a_page_rendered_while_content_changed_is_not_kept(publication, monkeypatch):
    """The copy counts under the generation its request started with, not the newer one."""
    original = HomePage.get_context

    def edit_while_rendering(self, request, *args, **kwargs):
        context = original(self, request, *args, **kwargs)
        generation.content_changed()  # an editor publishes meanwhile
        return context

    monkeypatch.setattr(HomePage, "get_context", edit_while_rendering)
    assert fetch(Client(), "/en/")["X-Cache"] == "miss"
    monkeypatch.setattr(HomePage, "get_context", original)
    assert fetch(Client(), "/en/")["X-Cache"] == "miss"
    assert fetch(Client(), "/en/")["X-Cache"] == "hit"


def test_a_worker_answers_from_its_own_copy_without_asking_the_shared_cache(
    publication, monkeypatch
):
    fetch_twice(publication.url)
    shared_get = cache.get

    def get(key, *args, **kwargs):
        assert not key.startswith("pagecache:"), "the page was read from the shared cache"
        return shared_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", get)
    assert fetch(Client(), publication.url)["X-Cache"] == "hit"


def test_each_worker_keeps_the_pages_it_served_last_within_its_budget(settings):
    settings.PAGE_CACHE_LOCAL_BYTES = 250
    copies = page_cache.LocalCopies()
    for key in ("first", "second", "third"):
        copies.put(key, ("generation", [], b"x" * 100, False))
    assert copies.get("first", "generation") is None  # the oldest made room
    assert copies.get("second", "generation") is not None
    assert copies.get("third", "generation") is not None
    assert copies.get("third", "a newer generation") is None
    copies.put("huge", ("generation", [], b"x" * 300, False))
    assert copies.get("huge", "generation") is None
    assert copies.get("third", "generation") is not None


# Through Redis, as in production ---------------------------------------------------------

needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_TEST_URL"), reason="needs a Redis server (REDIS_TEST_URL, set by CI)"
)
REDIS_PREFIX = f"bcsp-page-cache-test-{os.getpid()}"


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "bcsp_site.caching.backends.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_TEST_URL"],
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    cache.delete(generation.GENERATION_KEY)
    page_cache.local_copies.clear()
    yield caches["default"]
    cache.delete(generation.GENERATION_KEY)
    page_cache.local_copies.clear()


def another_worker():
    """The same Redis as another process sees it: its own connections and its own watch."""
    return ResilientRedisCache(os.environ["REDIS_TEST_URL"], {"KEY_PREFIX": REDIS_PREFIX})


def eventually(condition):
    """Redis reports a change a moment after the write, over a socket: look a few times."""
    for _attempt in range(300):
        if condition():
            return True
        time.sleep(0.01)
    return False


@needs_redis
def test_pages_are_shared_through_redis(redis_cache, publication):
    first, second = fetch_twice(publication.url)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    page_cache.local_copies.clear()  # a worker that has not served the page yet
    assert fetch(Client(), publication.url)["X-Cache"] == "hit"
    publication.title = "Police Integrity, shared"
    publish(publication)
    changed = fetch(Client(), publication.url)
    assert changed["X-Cache"] == "miss"
    assert "Police Integrity, shared" in changed.content.decode()


@needs_redis
def test_a_hit_through_redis_asks_redis_nothing(redis_cache, publication, monkeypatch):
    fetch_twice(publication.url)

    def refused(*args, **kwargs):
        raise AssertionError("a hit asked Redis")

    for method in ("get", "get_many", "add", "set"):
        monkeypatch.setattr(redis_cache, method, refused)
    for _visit in range(3):
        assert fetch(Client(), publication.url)["X-Cache"] == "hit"


@needs_redis
def test_a_change_made_in_another_worker_reaches_this_one(redis_cache, publication):
    fetch_twice(publication.url)
    another_worker().set(generation.GENERATION_KEY, "published-elsewhere", None)
    assert eventually(
        lambda: redis_cache.get_watched(generation.GENERATION_KEY) == "published-elsewhere"
    )
    assert fetch(Client(), publication.url)["X-Cache"] == "miss"
    assert fetch(Client(), publication.url)["X-Cache"] == "hit"


@needs_redis
def test_watched_keys_follow_writes_flushes_and_lost_connections(monkeypatch):
    watched = ResilientRedisCache(os.environ["REDIS_TEST_URL"], {"KEY_PREFIX": REDIS_PREFIX})
    other = another_worker()
    other.set("generation", "first", None)
    reads = []
    shared_get = watched.get
    monkeypatch.setattr(watched, "get", lambda *args: reads.append(args) or shared_get(*args))
    assert [watched.get_watched("generation") for _read in range(5)] == ["first"] * 5
    assert len(reads) == 1

    other.set("generation", "second", None)
    assert eventually(lambda: watched.get_watched("generation") == "second")
    other.clear()  # Redis restarted empty, or someone flushed it
    assert eventually(lambda: watched.get_watched("generation") is None)

    other.set("generation", "third", None)
    assert eventually(lambda: watched.get_watched("generation") == "third")
    redis.Redis.from_url(os.environ["REDIS_TEST_URL"]).client_kill_filter(
        _id=watched._watch.client_id
    )
    assert watched.get_watched("generation") == "third"
    other.set("generation", "fourth", None)
    # Without its connection the worker reads the key each time: nothing stale meanwhile.
    assert watched.get_watched("generation") == "fourth"
    other.delete("generation")


def test_with_the_cache_off_pages_still_tell_a_cdn_it_may_keep_them(settings, publication):
    settings.PAGE_CACHE_ENABLED = False
    for _visit in range(2):
        response = fetch(Client(), publication.url)
        assert "X-Cache" not in response
        assert response["Cache-Control"] == PUBLIC


# Cache-Control ---------------------------------------------------------------------------


def test_public_pages_may_be_kept_by_browsers_briefly_and_by_a_cdn_longer(settings, publication):
    first, second = fetch_twice(publication.url)
    assert first["Cache-Control"] == second["Cache-Control"] == PUBLIC
    # A CDN cannot be told about every page number, so those copies are short-lived there.
    assert fetch(Client(), "/en/publications/?page=2")["Cache-Control"] == (
        "public, max-age=60, s-maxage=300"
    )
    settings.PAGE_CACHE_BROWSER_SECONDS = 0
    settings.PAGE_CACHE_CDN_SECONDS = 120
    assert fetch(Client(), "/en/authors/")["Cache-Control"] == "public, max-age=0, s-maxage=120"


def test_posts_and_the_admin_are_private(client, publication):
    posted = client.post(reverse("comments:post", args=[publication.pk]), {}, **SAME_SITE)
    assert posted.status_code == 400
    assert "private" in posted["Cache-Control"]
    login = client.get("/admin/login/")
    assert "private" in login["Cache-Control"]
    assert "public" not in login["Cache-Control"]


# Never cached ----------------------------------------------------------------------------


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", "pw-12345678")


def test_signed_in_editors_are_never_served_or_stored(publication, editor):
    signed_in = Client()
    signed_in.force_login(editor)
    for _visit in range(2):
        response = fetch(signed_in, publication.url)
        assert response["X-Cache"] == "bypass"
        assert "private" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]
    # A page in the cache is not what an editor gets either.
    assert fetch(Client(), publication.url)["X-Cache"] == "miss"
    assert fetch(signed_in, publication.url)["X-Cache"] == "bypass"
    assert fetch(Client(), publication.url)["X-Cache"] == "hit"


def test_previews_are_never_served_from_or_stored_in_the_cache(publication, editor):
    first, second = fetch_twice(publication.url)
    assert second["X-Cache"] == "hit"
    publication.title = "A draft title"
    publication.save_revision()

    preview = publication.make_preview_request()
    assert preview.status_code == 200
    assert "A draft title" in preview.content.decode()
    assert preview["X-Cache"] == "bypass"
    assert "private" in preview["Cache-Control"]

    signed_in = Client()
    signed_in.force_login(editor)
    admin_preview = signed_in.get(
        reverse("wagtailadmin_pages:preview_on_edit", args=[publication.pk])
    )
    assert admin_preview.status_code == 200
    assert "private" in admin_preview["Cache-Control"]

    visitor = fetch(Client(), publication.url)
    assert visitor["X-Cache"] == "hit"
    assert "A draft title" not in visitor.content.decode()


def test_pages_showing_a_message_are_not_cached(publication, monkeypatch):
    now = spam.current_time()
    reader = Client()
    html = fetch(reader, publication.url).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    monkeypatch.setattr(spam, "current_time", lambda: now + 20)
    posted = reader.post(
        reverse("comments:post", args=[publication.pk]),
        {"name": "Ana", "email": "ana@example.org", "text": "Thank you.", "form_token": token},
        **SAME_SITE,
    )
    assert posted.status_code == 302
    assert "messages" in reader.cookies

    with_message = fetch(reader, publication.url)
    assert "your comment is awaiting moderation" in with_message.content.decode()
    assert with_message["X-Cache"] == "bypass"
    assert "private" in with_message["Cache-Control"]

    other = fetch(Client(), publication.url)
    assert other["X-Cache"] == "hit"
    assert "awaiting moderation" not in other.content.decode()


def test_responses_that_set_a_cookie_are_not_cached(home_page, monkeypatch):
    original = HomePage.serve

    def serve_with_cookie(self, request, *args, **kwargs):
        response = original(self, request, *args, **kwargs)
        response.set_cookie("seen", "1")
        return response

    monkeypatch.setattr(HomePage, "serve", serve_with_cookie)
    for _visit in range(2):
        response = fetch(Client(), "/en/")
        assert response["X-Cache"] == "bypass"
        assert "private" in response["Cache-Control"]


def test_pages_are_served_while_the_cache_is_down(settings, publication):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    first, second = fetch_twice(publication.url)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")  # kept by the worker
    assert "Police Integrity in Serbia" in second.text


def test_a_worker_serves_what_it_kept_while_redis_is_down(settings, publication):
    settings.CACHES = {
        "default": {
            "BACKEND": "bcsp_site.caching.backends.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    page_cache.local_copies.clear()
    url = publication.url
    first = fetch(Client(), url)
    assert first["X-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = fetch(Client(), url)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    # Not rendered again: the one query reads the generation.
    assert ["contentgeneration" in query["sql"] for query in queries] == [True]

    ContentGeneration.objects.filter(pk=1).update(token="published-elsewhere")
    assert fetch(Client(), publication.url)["X-Cache"] == "miss"  # seen at once
    publication.title = "Police Integrity, during the outage"
    publish(publication)
    changed = fetch(Client(), publication.url)
    assert changed["X-Cache"] == "miss"
    assert "Police Integrity, during the outage" in changed.text
    assert fetch(Client(), publication.url)["X-Cache"] == "hit"


def test_private_pages_are_never_cached(client, publication):
    PageViewRestriction.objects.create(
        page=publication, restriction_type=PageViewRestriction.PASSWORD, password="secret" * 3
    )
    for _visit in range(2):
        response = Client().get(publication.url)
        assert response.status_code == 200  # the password form
        assert "Police Integrity in Serbia</h1>" not in response.content.decode()
        assert response["X-Cache"] == "bypass"
        assert "private" in response["Cache-Control"]


# Forms on cached pages -------------------------------------------------------------------


def test_a_visitor_without_cookies_can_comment_from_a_cached_page(publication, monkeypatch):
    fetch(Client(), publication.url)  # someone else filled the cache
    visitor = Client(enforce_csrf_checks=True)
    page = fetch(visitor, publication.url)
    assert page["X-Cache"] == "hit"
    assert not visitor.cookies
    html = page.content.decode()
    form = re.search(r'<form class="comment-form.*?</form>', html, re.S).group(0)
    action = re.search(r'action="([^"]+)"', form).group(1)
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    now = spam.current_time()
    monkeypatch.setattr(spam, "current_time", lambda: now + 60)  # the reader writes, no JS

    posted = visitor.post(
        action,
        {"name": "Ana", "email": "ana@example.org", "text": "Well argued.", "form_token": token},
        HTTP_ORIGIN="http://testserver",
        HTTP_REFERER="http://testserver" + publication.url,
    )
    assert posted.status_code == 302
    comment = Comment.objects.get()
    assert (comment.name, comment.status) == ("Ana", Comment.Status.PENDING)


def test_a_visitor_without_cookies_can_sign_up_from_a_cached_page(home_page, publication):
    fetch(Client(), "/en/")
    visitor = Client(enforce_csrf_checks=True)
    page = fetch(visitor, "/en/")
    assert page["X-Cache"] == "hit"
    html = page.content.decode()
    form = re.search(r'<form class="signup-form".*?</form>', html, re.S).group(0)
    assert "csrfmiddlewaretoken" not in form
    action = re.search(r'action="([^"]+)"', form).group(1)
    posted = visitor.post(
        action,
        {"email": "ana@example.org", "name": "Ana", "language": "en", "consent": "on"},
        HTTP_ORIGIN="http://testserver",
    )
    assert posted.status_code == 302
    assert Subscriber.objects.filter(email="ana@example.org").exists()


# Invalidation ----------------------------------------------------------------------------

LISTINGS = ["/en/", "/en/publications/", "/en/publications/2021/", "/en/authors/mi/"]


def test_publishing_shows_the_publication_on_every_listing_at_once(publication_index, publication):
    urls = [*LISTINGS, "/en/publications/tags/police/", "/en/publications/feed/"]
    for url in urls:
        fetch_twice(url)
    new = PublicationPageFactory(
        parent=publication_index,
        title="Private Security Companies",
        slug="private-security",
        publication_date=datetime.date(2021, 9, 1),
        authors=[publication.authors[0]],
        tag_names=["police"],
        live=False,  # a draft
    )
    for url in urls:
        assert "Private Security Companies" not in fetch(Client(), url).content.decode(), url
    publish(new)
    for url in urls:
        response = fetch(Client(), url)
        assert response["X-Cache"] == "miss", url
        assert "Private Security Companies" in response.content.decode(), url
    assert fetch(Client(), "/en/publications/private-security/").status_code == 200
    assert "private-security" in sitemap_text(Client())


def test_unpublishing_removes_the_publication_everywhere(publication):
    for url in [*LISTINGS, publication.url]:
        fetch_twice(url)
    publication.unpublish()
    assert Client().get(publication.url).status_code == 404
    for url in ["/en/", "/en/publications/", "/en/authors/mi/"]:
        assert "Police Integrity" not in fetch(Client(), url).content.decode(), url
    assert Client().get("/en/publications/2021/").status_code == 404


def test_editing_and_republishing_shows_the_change(publication):
    fetch_twice(publication.url)
    fetch_twice("/en/publications/")
    publication.title = "Police Integrity in Serbia, revised"
    publish(publication)
    assert "revised" in fetch(Client(), publication.url).content.decode()
    assert "revised" in fetch(Client(), "/en/publications/").content.decode()


def test_moving_a_publication_moves_it_on_the_site(home_page, publication_index, publication):
    archive = PublicationIndexPageFactory(parent=home_page, title="Archive", slug="archive")
    old_url = publication.url
    fetch_twice(old_url)
    fetch_twice("/en/publications/")
    fetch_twice("/en/archive/")
    publication.move(archive, pos="last-child")
    moved = Client().get(old_url)
    assert moved.status_code == 301  # Wagtail leaves a redirect behind
    assert moved["Location"] == "/en/archive/police-integrity/"
    assert fetch(Client(), "/en/archive/police-integrity/").status_code == 200
    # Every listing of the language lists it; their links follow it to its new address.
    for listing in ("/en/publications/", "/en/archive/"):
        html = fetch(Client(), listing).content.decode()
        assert 'href="/en/archive/police-integrity/"' in html, listing
        assert f'href="{old_url}"' not in html, listing


def test_deleting_a_publication_removes_it(publication):
    for url in [*LISTINGS, publication.url]:
        fetch_twice(url)
    Page.objects.get(pk=publication.pk).delete()
    assert Client().get(publication.url).status_code == 404
    for url in ["/en/", "/en/publications/", "/en/authors/mi/"]:
        assert "Police Integrity" not in fetch(Client(), url).content.decode(), url


def test_making_a_page_private_drops_its_cached_copies(publication):
    fetch_twice(publication.url)
    fetch_twice("/en/publications/")
    PageViewRestriction.objects.create(page=publication, restriction_type=PageViewRestriction.LOGIN)
    assert Client().get(publication.url).status_code == 302  # to the sign-in page
    assert "Police Integrity" not in fetch(Client(), "/en/publications/").content.decode()


@pytest.fixture
def moderator(django_user_model):
    group = Group.objects.create(name="Comment moderators")
    group.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        Permission.objects.get(codename="moderate_comment", content_type__app_label="comments"),
    )
    user = django_user_model.objects.create_user("moderator", "mod@example.org", "pw-123456789")
    user.groups.add(group)
    return user


def bulk_moderate(moderator, action, comments):
    client = Client()
    client.force_login(moderator)
    ids = "&".join(f"id={comment.pk}" for comment in comments)
    url = reverse("wagtail_bulk_action", args=("comments", "comment", action)) + f"?{ids}"
    assert client.post(url).status_code == 302


def test_approving_and_rejecting_a_comment_updates_its_page(publication, moderator):
    comment_list = reverse("comments:list", args=[publication.pk])
    comment = Comment.objects.create(
        page=publication, name="Ana", email="ana@example.org", text="A pending remark."
    )
    for url in (publication.url, comment_list):
        fetch_twice(url)
        assert "A pending remark." not in fetch(Client(), url).content.decode()

    bulk_moderate(moderator, "approve", [comment])
    for url in (publication.url, comment_list):
        assert "A pending remark." in fetch(Client(), url).content.decode(), url

    bulk_moderate(moderator, "reject", [comment])
    for url in (publication.url, comment_list):
        assert "A pending remark." not in fetch(Client(), url).content.decode(), url


def test_a_comment_approved_in_its_edit_form_shows_at_once(client, publication, moderator):
    comment = Comment.objects.create(
        page=publication, name="Ana", email="ana@example.org", text="Edited into view."
    )
    fetch_twice(publication.url)
    client.force_login(moderator)
    edit_url = reverse(Comment.snippet_viewset.get_url_name("edit"), args=[comment.pk])
    assert client.post(edit_url, {"status": "approved"}).status_code == 302
    assert "Edited into view." in fetch(Client(), publication.url).content.decode()


def test_new_pending_comments_leave_the_cache_alone(publication):
    fetch_twice(publication.url)
    Comment.objects.create(page=publication, name="Bot", email="b@example.org", text="Buy now.")
    assert fetch(Client(), publication.url)["X-Cache"] == "hit"


def test_renaming_a_kind_shows_on_the_cards(publication):
    fetch_twice("/en/publications/")
    kind = PublicationKind.objects.get(slug="analysis")
    kind.name = "Policy analysis"
    kind.save()
    assert "Policy analysis" in fetch(Client(), "/en/publications/").content.decode()


def test_a_new_kind_shows_in_the_listing_filter(publication):
    fetch_twice("/en/publications/")
    PublicationKindFactory(name="Study", slug="study")
    assert '<option value="study">Study</option>' in fetch(Client(), "/en/publications/").text


def test_saving_a_draft_or_locking_a_page_leaves_the_cache_alone(publication, editor):
    fetch_twice(publication.url)
    publication.title = "Police Integrity, a draft"
    publication.save_revision(user=editor)  # what autosave does every few seconds
    publication.locked, publication.locked_by = True, editor
    publication.save(update_fields=["locked", "locked_by", "locked_at"])
    response = fetch(Client(), publication.url)
    assert response["X-Cache"] == "hit"
    assert "Police Integrity, a draft" not in response.text


def test_changing_the_organisation_settings_updates_every_page(publication):
    fetch_twice(publication.url)
    organisation = OrganisationSettings.for_site(Site.objects.get(is_default_site=True))
    text = OrganisationText.objects.get(organisation=organisation, language_code="en")
    text.description = "An independent think tank in Belgrade."
    text.save()
    assert "An independent think tank" in fetch(Client(), publication.url).content.decode()


def test_the_menu_follows_pages_shown_in_it(publication, author_index):
    fetch_twice(publication.url)
    author_index.show_in_menus = True
    publish(author_index)
    html = fetch(Client(), publication.url).content.decode()
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert 'href="/en/authors/"' in nav
    author_index.show_in_menus = False
    publish(author_index)
    html = fetch(Client(), publication.url).content.decode()
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert 'href="/en/authors/"' not in nav


# The CDN in front ------------------------------------------------------------------------


def full(page, suffix=""):
    return page.get_full_url() + suffix


def test_publishing_purges_the_page_and_every_listing_it_appears_in(
    publication_index, author, purged, django_capture_on_commit_callbacks
):
    page = PublicationPageFactory(
        parent=publication_index,
        slug="new-report",
        publication_date=datetime.date(2022, 5, 1),
        authors=[author],
        tag_names=["surveillance"],
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(page)
    assert purged == []  # nothing goes out before the commit
    for callback in callbacks:
        callback()
    home = HomePage.objects.get(locale__language_code="en")
    site = Site.objects.get(is_default_site=True)
    expected = {
        full(page),
        full(home),
        full(publication_index),
        full(publication_index, "feed/"),
        full(publication_index, "feed/atom/"),
        full(publication_index, "2022/"),
        full(publication_index, "tags/surveillance/"),
        full(publication_index, "tags/surveillance/feed/"),
        full(publication_index, "tags/surveillance/feed/atom/"),
        full(publication_index, "kinds/analysis/feed/"),
        full(publication_index, "kinds/analysis/feed/atom/"),
        full(author),
        full(author, "feed/"),
        full(author, "feed/atom/"),
        full(author.get_parent()),
        f"{site.root_url}/sitemap.xml",
    }
    assert expected <= set(purged)
    assert len(purged) == len(set(purged))


def test_republishing_also_purges_where_the_old_version_appeared(
    publication, publication_index, purged, django_capture_on_commit_callbacks
):
    publication.publication_date = datetime.date(2023, 1, 10)
    publication.slug = "police-integrity-2023"
    publication.tags.set(["integrity"])
    with django_capture_on_commit_callbacks(execute=True):
        publish(publication)
    assert {
        full(publication_index, "2021/"),
        full(publication_index, "2023/"),
        full(publication_index, "tags/police/"),
        full(publication_index, "tags/integrity/"),
        full(publication_index, "police-integrity/"),
        full(publication_index, "police-integrity-2023/"),
    } <= set(purged)


def test_unpublishing_and_deleting_purge_the_page_and_its_listings(
    publication, publication_index, author, purged, django_capture_on_commit_callbacks
):
    url = full(publication)
    with django_capture_on_commit_callbacks(execute=True):
        publication.unpublish()
    assert {url, full(publication_index), full(publication_index, "2021/"), full(author)} <= set(
        purged
    )
    purged.clear()
    publish(publication)
    purged.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=publication.pk).delete()
    assert {url, full(publication_index), full(publication_index, "tags/police/")} <= set(purged)


def test_moving_purges_the_old_and_the_new_place(
    home_page, publication_index, publication, purged, django_capture_on_commit_callbacks
):
    archive = PublicationIndexPageFactory(parent=home_page, title="Archive", slug="archive")
    old_url = full(publication)
    with django_capture_on_commit_callbacks(execute=True):
        publication.move(archive, pos="last-child")
    assert {
        old_url,
        full(publication_index),
        full(publication_index, "2021/"),
        full(archive, "police-integrity/"),
        full(archive),
        full(archive, "2021/"),
    } <= set(purged)


def test_renaming_a_section_purges_the_old_addresses_below_it(
    publication_index, publication, purged, django_capture_on_commit_callbacks
):
    old_index_url, old_url = full(publication_index), full(publication)
    publication_index.slug = "library"
    with django_capture_on_commit_callbacks(execute=True):
        publish(publication_index)
    assert {old_index_url, old_url, full(Page.objects.get(pk=publication_index.pk))} <= set(purged)


def test_approving_a_comment_purges_its_page_and_comment_lists(
    publication, moderator, purged, django_capture_on_commit_callbacks
):
    comment = Comment.objects.create(
        page=publication, name="Ana", email="ana@example.org", text="Well argued."
    )
    assert purged == []
    with django_capture_on_commit_callbacks(execute=True):
        bulk_moderate(moderator, "approve", [comment])
    origin = Site.objects.get(is_default_site=True).root_url
    assert set(purged) == {
        full(publication),
        f"{origin}/en/comments/{publication.pk}/",
        f"{origin}/sr/comments/{publication.pk}/",
    }


def test_settings_changes_purge_the_front_pages(
    publication, publication_index, purged, django_capture_on_commit_callbacks
):
    organisation = OrganisationSettings.for_site(Site.objects.get(is_default_site=True))
    text = OrganisationText.objects.get(organisation=organisation, language_code="en")
    text.short_name = "BCBP"
    with django_capture_on_commit_callbacks(execute=True):
        text.save()
    home = HomePage.objects.get(locale__language_code="en")
    assert {full(home), full(publication_index), full(publication_index, "feed/")} <= set(purged)


def test_nothing_is_sent_without_a_frontend_cache(
    settings, publication, purged, django_capture_on_commit_callbacks
):
    settings.WAGTAILFRONTENDCACHE = {}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish(publication)
    assert purged == []
    assert not [callback for callback in callbacks if "purge" in repr(callback)]


def test_a_page_kept_for_a_while_is_dropped_by_each_worker_when_it_ends(monkeypatch):
    copies = page_cache.LocalCopies()
    now = time.time()
    copies.put("home", ("generation", [], b"x", now + 60))
    assert copies.get("home", "generation") is not None
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert copies.get("home", "generation") is None
