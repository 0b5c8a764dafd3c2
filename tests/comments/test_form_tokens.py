"""The comment form's token: issued only for pages that take comments, good for one comment."""

import json
import os
import re

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse
from wagtail.models import PageViewRestriction

from comments import spam
from comments.models import Comment
from tests.comments.test_comments import (
    comment_data,
    hidden_value,
    post_url,
    seasoned_token,
)
from tests.support.factories import PublicationPageFactory

USED = "This form has already been used to send a comment."


@pytest.fixture
def publication(publication_index):
    return PublicationPageFactory(parent=publication_index, title="Surveillance in Serbia")


def token_url(page_id):
    return reverse("comments:form_token", args=[page_id])


def later(monkeypatch, seconds):
    now = spam.current_time()
    monkeypatch.setattr(spam, "current_time", lambda: now + seconds)


# Issuing -------------------------------------------------------------------------------------


def test_a_token_is_issued_for_a_page_that_takes_comments(client, publication):
    response = client.get(token_url(publication.pk))
    assert response.status_code == 200
    token = json.loads(response.content)["formToken"]
    assert spam.form_token_problem(token, publication.pk, now=spam.current_time() + 10) is None


def test_no_token_for_a_page_that_does_not_exist(client, publication):
    assert client.get(token_url(0)).status_code == 404
    assert client.get(token_url(999999)).status_code == 404


def test_no_token_for_a_page_without_comments(client, publication, home_page):
    assert client.get(token_url(home_page.pk)).status_code == 404


def test_no_token_for_a_page_whose_comments_are_closed(client, publication):
    publication.comments_open = False
    publication.save_revision().publish()
    assert client.get(token_url(publication.pk)).status_code == 404


def test_no_token_for_an_unpublished_or_private_page(client, publication, publication_index):
    private = PublicationPageFactory(parent=publication_index, title="For members")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    assert client.get(token_url(private.pk)).status_code == 404
    publication.unpublish()
    assert client.get(token_url(publication.pk)).status_code == 404


def test_two_tokens_issued_at_once_differ(publication):
    assert spam.make_form_token(publication.pk) != spam.make_form_token(publication.pk)


# One comment per token -------------------------------------------------------------------------


def test_a_token_is_good_for_one_comment(client, publication, monkeypatch):
    token = seasoned_token(publication)
    first = client.post(post_url(publication), comment_data(publication, form_token=token))
    assert first.status_code == 302

    replay_text = "A second remark sent with the same form token."
    replay = client.post(
        post_url(publication),
        comment_data(publication, form_token=token, text=replay_text, email="b@example.org"),
    )
    html = replay.content.decode()
    assert replay.status_code == 400
    assert USED in html
    assert replay_text in html  # the reader's text is kept
    assert Comment.objects.count() == 1

    # The form comes back with a fresh token, which takes the comment once the reader sends it.
    fresh = hidden_value(html, "form_token")
    assert fresh and fresh != token
    later(monkeypatch, 10)
    resent = client.post(
        post_url(publication),
        comment_data(publication, form_token=fresh, text=replay_text, email="b@example.org"),
    )
    assert resent.status_code == 302
    assert Comment.objects.count() == 2


def test_a_replayed_token_is_refused_from_any_address(publication):
    token = seasoned_token(publication)
    for number in range(5):
        reader = Client(REMOTE_ADDR=f"198.51.100.{number + 1}")
        reader.post(
            post_url(publication),
            comment_data(publication, form_token=token, text=f"Spam number {number}."),
        )
    assert Comment.objects.count() == 1


def test_a_double_click_is_still_answered_as_taken(client, publication):
    data = comment_data(publication)
    assert client.post(post_url(publication), data).status_code == 302
    again = client.post(post_url(publication), data)
    assert again.status_code == 302
    assert Comment.objects.count() == 1


def test_a_form_with_a_mistake_keeps_its_token_usable(client, publication, monkeypatch):
    """A comment refused for a mistake was never taken: fixing the form and sending it
    again works, with the token the page came back with or the one the reader had."""
    token = seasoned_token(publication)
    text = "My careful remark, kept while I fix my address."
    refused = client.post(
        post_url(publication), comment_data(publication, form_token=token, email="", text=text)
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert text in html
    fresh = hidden_value(html, "form_token")
    assert fresh and fresh != token
    later(monkeypatch, 10)
    fixed = client.post(
        post_url(publication), comment_data(publication, form_token=fresh, text=text)
    )
    assert fixed.status_code == 302
    assert Comment.objects.get().text == text


def test_a_page_without_javascript_shares_its_token_but_a_second_reader_can_still_post(
    publication, monkeypatch
):
    """Readers without JavaScript post the token of the page's cached copy; the first takes
    it, the next is told so, keeps what they wrote and sends it again with a fresh token."""
    cached_html = Client().get(publication.url).content.decode()
    token = hidden_value(cached_html, "form_token")
    later(monkeypatch, 30)
    first = Client(REMOTE_ADDR="198.51.100.1").post(
        post_url(publication), comment_data(publication, form_token=token)
    )
    assert first.status_code == 302
    second_reader = Client(REMOTE_ADDR="198.51.100.2")
    second = second_reader.post(
        post_url(publication),
        comment_data(publication, form_token=token, text="The second reader's remark."),
    )
    assert second.status_code == 400
    assert "The second reader&#x27;s remark." in second.content.decode()
    fresh = hidden_value(second.content.decode(), "form_token")
    later(monkeypatch, 40)
    again = second_reader.post(
        post_url(publication),
        comment_data(publication, form_token=fresh, text="The second reader's remark."),
    )
    assert again.status_code == 302
    assert Comment.objects.count() == 2


@pytest.mark.skipif(
    not os.environ.get("REDIS_TEST_URL"), reason="needs a Redis server (REDIS_TEST_URL)"
)
def test_used_tokens_are_shared_through_redis(publication):
    """Two servers share the record of used tokens: it is kept in the shared cache."""
    shared = {
        "BACKEND": "bcsp_site.caching.backends.ResilientRedisCache",
        "LOCATION": os.environ["REDIS_TEST_URL"],
        "KEY_PREFIX": "bcsp-form-token-test",
    }
    token = seasoned_token(publication)
    with override_settings(CACHES={"default": shared}):
        try:
            assert spam.claim_form_token(token) is True
            # A second process reads the same Redis afresh.
            caches["default"].close()
            assert spam.claim_form_token(token) is False
        finally:
            caches["default"].delete(spam.used_token_key(token))


def test_a_token_is_taken_while_the_shared_cache_is_down(publication, monkeypatch):
    """With Redis unreachable no token can be recorded; comments are taken rather than all
    refused (the rate limit is likewise lifted), and moderation still applies."""

    class Unreachable:
        """What the site's Redis cache answers while Redis is down (fallback values)."""

        def add(self, *args, **kwargs):
            return False

        def get(self, key, default=None, **kwargs):
            return default

    monkeypatch.setattr(spam, "cache", Unreachable())
    token = seasoned_token(publication)
    assert spam.claim_form_token(token) is True


def test_the_script_still_fetches_its_token(client, publication):
    html = client.get(publication.url).content.decode()
    url = re.search(r'data-token-url="([^"]+)"', html).group(1)
    assert client.get(url).status_code == 200
