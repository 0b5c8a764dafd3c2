import datetime
import io
import json
import re
import threading
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments import spam
from comments.models import Comment
from comments.spam import form_token_problem, make_form_token
from tests.support.factories import OpEdPageFactory, PublicationPageFactory

THANK_YOU = "Thank you — your comment is awaiting moderation"
NEUTRAL = "Sorry, we could not accept your comment just now."
RATE_LIMITED = "You have posted several comments in the last few minutes."
IS_POSTGRES = connection.vendor == "postgresql"


# Helpers ----------------------------------------------------------------------------------


@pytest.fixture
def publication(publication_index):
    return PublicationPageFactory(parent=publication_index, title="Surveillance in Serbia")


@pytest.fixture
def moderators(settings):
    settings.COMMENTS_MODERATOR_EMAILS = ["moderators@bezbednost.org"]
    return settings.COMMENTS_MODERATOR_EMAILS


def seasoned_token(page, seconds=30):
    """A form token issued a little while ago, as a reader's would be."""
    return make_form_token(page.pk, issued_at=spam.current_time() - seconds)


def comment_data(page, **overrides):
    data = {
        "name": "Milica",
        "email": "milica@example.org",
        "text": "A thoughtful remark about the analysis.",
        "website": "",
        "form_token": seasoned_token(page),
    }
    data.update(overrides)
    return data


def post_url(page):
    """Comments are posted to the page they are under."""
    return page.url


def list_url(page):
    return reverse("comments:list", args=[page.pk])


def add_comments(page, count, status=Comment.Status.APPROVED, start=None):
    start = start or timezone.now() - datetime.timedelta(days=30)
    return Comment.objects.bulk_create(
        Comment(
            page=page,
            name=f"Reader {number}",
            email=f"reader{number}@example.org",
            text=f"Comment number {number}.",
            status=status,
            created_at=start + datetime.timedelta(minutes=number),
        )
        for number in range(1, count + 1)
    )


def comment_texts(html):
    return re.findall(r"<p>Comment number (\d+)\.</p>", html)


def hidden_value(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else None


# Reading and posting -------------------------------------------------------------------------


def test_publication_page_offers_the_comment_form(client, publication):
    response = client.get(publication.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Post a comment" in html
    assert "No comments yet." in html
    assert f'action="{post_url(publication)}"' in html
    assert '<label for="comment-text">' in html
    # Nothing of the visitor's own: the page is the same for everyone and can be shared.
    assert 'name="csrfmiddlewaretoken"' not in html
    assert "csrftoken" not in response.cookies
    token = hidden_value(html, "form_token")
    assert form_token_problem(token, publication.pk, now=spam.current_time() + 10) is None


def test_posting_stores_a_pending_comment_and_redirects_with_a_message(client, publication):
    response = client.post(
        post_url(publication),
        comment_data(publication),
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 500,
    )
    assert response.status_code == 302
    assert response["Location"] == publication.url

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.page_id == publication.pk
    assert comment.text == "A thoughtful remark about the analysis."
    assert len(comment.user_agent) == 200
    assert len(comment.ip_hash) == 64
    assert "203.0.113.7" not in comment.ip_hash

    page = client.get(response["Location"]).content.decode()
    assert THANK_YOU in page
    assert "A thoughtful remark" not in page  # awaiting moderation


def test_reloading_after_posting_never_posts_again(client, publication):
    response = client.post(post_url(publication), comment_data(publication), follow=True)
    assert response.redirect_chain == [(publication.url, 302)]
    assert response.request["REQUEST_METHOD"] == "GET"
    client.get(publication.url)
    client.get(publication.url)
    assert Comment.objects.count() == 1


def test_comments_are_posted_to_the_page_they_are_under(client, publication):
    html = client.get(publication.url).content.decode()
    form = re.search(r'<form class="comment-form".*?>', html).group(0)
    assert f'action="{publication.url}"' in form
    assert "novalidate" in form  # the site explains mistakes in the page's own language

    response = client.post(publication.url, comment_data(publication, text="x"))
    assert response.status_code == 400
    assert response.templates[0].name == "pages/publication_page.html"
    html = response.content.decode()
    assert "<title>Error: Surveillance in Serbia | BCSP</title>" in html
    assert "<h1>Surveillance in Serbia</h1>" in html


def test_the_former_comment_address_still_takes_comments(client, publication):
    """Copies of pages that a CDN still keeps post there."""
    former = reverse("comments:post", args=[publication.pk])
    refused = client.post(former, comment_data(publication, text="x"))
    assert refused.status_code == 400
    assert "Your comment was not sent" in refused.content.decode()
    taken = client.post(former, comment_data(publication))
    assert (taken.status_code, taken["Location"]) == (302, publication.url)
    assert Comment.objects.count() == 1


def test_other_posts_to_pages_are_refused(publication, home_page, publication_index):
    """Pages without a form take no posts: 405, before any CSRF check."""
    browser = Client(enforce_csrf_checks=True)
    for url in (home_page.url, publication_index.url, publication_index.url + "2020/"):
        response = browser.post(url, comment_data(publication))
        assert (response.status_code, response["Allow"]) == (405, "GET, HEAD")
    assert not Comment.objects.exists()


def test_errors_are_summed_up_at_the_form_and_told_next_to_each_field(client, publication):
    response = client.post(
        publication.url,
        comment_data(publication, name="www.example.org", email="nope", text="x" * 2),
    )
    html = response.content.decode()
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'role="alert" tabindex="-1" autofocus' in summary
    assert "Your comment was not sent" in summary
    for field, message in (
        ("name", "Name: Please give your name without a web address."),
        ("email", "Email: Enter a valid email address."),
        ("text", "Comment: Ensure this value has at least 3 characters (it has 2)."),
    ):
        assert f'<a href="#comment-{field}">{message}</a>' in summary
        assert f'id="comment-{field}_error"' in html
        assert re.search(rf'aria-describedby="[^"]*comment-{field}_error"', html)
    assert html.count("autofocus") == 1
    assert 'value="www.example.org"' in html and 'value="nope"' in html


def test_the_thank_you_is_said_at_the_form_only(client, publication):
    response = client.post(publication.url, comment_data(publication), follow=True)
    html = response.content.decode()
    assert html.count(THANK_YOU) == 1
    form = re.search(r'<form class="comment-form".*?</form>', html, re.S).group(0)
    assert re.search(
        rf'<p class="message message--success" role="status" tabindex="-1" autofocus>{THANK_YOU}',
        form,
    )
    assert '<div class="messages"' not in html
    # Shown once: the next visit is a plain page again.
    assert THANK_YOU not in client.get(publication.url).content.decode()


def test_a_page_with_what_a_reader_typed_is_never_cached(publication):
    reader, other = Client(), Client()
    response = reader.post(
        publication.url, comment_data(publication, email="", text="My private draft text.")
    )
    assert response.status_code == 400
    assert "My private draft text." in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert response["X-Cache"] == "bypass"
    for _visit in range(2):
        assert "My private draft text." not in other.get(publication.url).content.decode()
        assert "My private draft text." not in other.head(publication.url).content.decode()


def test_op_eds_take_comments_too(client, publication_index):
    op_ed = OpEdPageFactory(parent=publication_index)
    response = client.post(post_url(op_ed), comment_data(op_ed))
    assert response.status_code == 302
    assert Comment.objects.get().page_id == op_ed.pk


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (Comment.Status.PENDING, False),
        (Comment.Status.APPROVED, True),
        (Comment.Status.REJECTED, False),
        (Comment.Status.SPAM, False),
    ],
)
def test_only_approved_comments_are_shown(client, publication, status, shown):
    Comment.objects.create(
        page=publication,
        name="Jovan",
        email="jovan@example.org",
        text="Only editors may let this through.",
        status=status,
    )
    html = client.get(publication.url).content.decode()
    assert ("Only editors may let this through." in html) is shown
    assert ("Jovan" in html) is shown
    assert "jovan@example.org" not in html  # the email is never shown
    assert f'Comments <span class="count">({1 if shown else 0})</span>' in html
    list_html = client.get(list_url(publication)).content.decode()
    assert ("Only editors may let this through." in list_html) is shown


def test_comment_text_keeps_line_breaks_and_links_are_not_clickable(client, publication):
    Comment.objects.create(
        page=publication,
        name="Ana",
        email="ana@example.org",
        text="First line\nsecond line\n\nSee https://example.org/report",
        status=Comment.Status.APPROVED,
    )
    html = client.get(publication.url).content.decode()
    assert "<p>First line<br>second line</p>" in html
    assert "<p>See https://example.org/report</p>" in html
    assert 'href="https://example.org/report"' not in html


def test_page_shows_the_latest_ten_newest_last_and_links_to_all(client, publication):
    add_comments(publication, 12)
    html = client.get(publication.url).content.decode()
    assert comment_texts(html) == [str(number) for number in range(3, 13)]
    assert "See all comments (12)" in html
    assert f'href="{list_url(publication)}"' in html
    assert 'Comments <span class="count">(12)</span>' in html


def test_ten_comments_need_no_see_all_link(client, publication):
    add_comments(publication, 10)
    html = client.get(publication.url).content.decode()
    assert len(comment_texts(html)) == 10
    assert "See all comments" not in html


def test_all_comments_page_is_paginated_oldest_first(client, publication):
    add_comments(publication, 45)
    first = client.get(list_url(publication))
    assert first.status_code == 200
    first_html = first.content.decode()
    assert comment_texts(first_html) == [str(number) for number in range(1, 21)]
    assert "45 comments" in first_html
    assert f"Comments on “{publication.title}”" in first_html
    assert f'href="{publication.url}"' in first_html
    last_html = client.get(list_url(publication), {"page": 3}).content.decode()
    assert comment_texts(last_html) == [str(number) for number in range(41, 46)]
    assert 'start="41"' in last_html


def test_all_comments_page_is_404_for_pages_without_comments(client, publication, home_page):
    assert client.get(reverse("comments:list", args=[home_page.pk])).status_code == 404
    assert client.get(reverse("comments:list", args=[999999])).status_code == 404
    publication.unpublish()
    assert client.get(list_url(publication)).status_code == 404


def test_form_error_keeps_the_text_and_shows_errors_next_to_fields(client, publication):
    text = "My long, careful comment.\nSecond paragraph with <b>markup</b>."
    response = client.post(post_url(publication), comment_data(publication, email="", text=text))
    html = response.content.decode()
    assert response.status_code == 400
    assert Comment.objects.count() == 0
    assert "My long, careful comment.\nSecond paragraph with &lt;b&gt;markup&lt;/b&gt;." in html
    assert 'value="Milica"' in html
    assert '<p class="field-error" id="comment-email_error">This field is required.</p>' in html
    assert "This field is required." in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="comment-email_helptext comment-email_error"' in html


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("ok", False),
        ("   ab   ", False),
        ("abc", True),
        ("x" * 5000, True),
        ("x" * 5001, False),
        ("ab\r\n" * 1666 + "ab", True),  # 5,000 characters when a line break counts as one
    ],
)
def test_comment_text_must_be_3_to_5000_characters(client, publication, text, accepted):
    response = client.post(post_url(publication), comment_data(publication, text=text))
    assert response.status_code == (302 if accepted else 400)
    assert Comment.objects.count() == (1 if accepted else 0)


def test_closed_comments_show_a_notice_and_refuse_posts(client, publication):
    publication.comments_open = False
    publication.save()
    add_comments(publication, 2)

    html = client.get(publication.url).content.decode()
    assert "Comments are closed." in html
    assert "Post a comment" not in html
    assert "Comment number 2." in html  # approved comments stay visible

    response = client.post(post_url(publication), comment_data(publication))
    assert response.status_code == 403
    assert "Comments are closed." in response.content.decode()
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 0


def test_posting_to_a_missing_or_unpublished_page_is_404(client, publication, home_page):
    assert client.post(reverse("comments:post", args=[999999]), {}).status_code == 404
    assert client.post(reverse("comments:post", args=[home_page.pk]), {}).status_code == 404
    publication.unpublish()
    response = client.post(post_url(publication), comment_data(publication))
    assert response.status_code == 404
    assert Comment.objects.count() == 0


def test_comment_urls_refuse_the_wrong_method(client, publication):
    assert client.get(reverse("comments:post", args=[publication.pk])).status_code == 405
    assert client.post(list_url(publication)).status_code == 405


# Spam guard ---------------------------------------------------------------------------------


def assert_refused_neutrally(response, text="A thoughtful remark about the analysis."):
    html = response.content.decode()
    assert response.status_code == 400
    assert NEUTRAL in html
    assert text in html  # the reader's text survives
    assert Comment.objects.count() == 0


def test_honeypot_is_refused(client, publication):
    response = client.post(
        post_url(publication), comment_data(publication, website="http://spam.example")
    )
    assert_refused_neutrally(response)


def test_honeypot_is_hidden_from_people(client, publication):
    html = client.get(publication.url).content.decode()
    assert re.search(
        r'<div class="comment-form__trap" hidden>\s*<label for="comment-website">', html
    )
    assert 'tabindex="-1"' in html


def test_form_sent_too_fast_is_refused(client, publication):
    response = client.post(
        post_url(publication),
        comment_data(publication, form_token=make_form_token(publication.pk)),
    )
    assert_refused_neutrally(response)


def test_expired_form_is_refused(client, publication):
    two_days_ago = spam.current_time() - 2 * 24 * 60 * 60
    token = make_form_token(publication.pk, issued_at=two_days_ago)
    assert_refused_neutrally(
        client.post(post_url(publication), comment_data(publication, form_token=token))
    )


@pytest.mark.parametrize(
    "forge",
    [
        lambda page, token: "",
        lambda page, token: "not-a-token",
        lambda page, token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda page, token: token.replace(":", ":x", 1),
        lambda page, token: make_form_token(page.pk + 1, issued_at=spam.current_time() - 30),
    ],
    ids=["missing", "garbage", "bad-signature", "altered", "other-page"],
)
def test_forged_form_token_is_refused(client, publication, forge):
    token = forge(publication, seasoned_token(publication))
    assert_refused_neutrally(
        client.post(post_url(publication), comment_data(publication, form_token=token))
    )


def test_a_refused_form_comes_back_with_a_fresh_token_that_works(client, publication, monkeypatch):
    response = client.post(
        post_url(publication),
        comment_data(publication, form_token=make_form_token(publication.pk)),
    )
    assert response.status_code == 400
    fresh = hidden_value(response.content.decode(), "form_token")
    now = spam.current_time()
    monkeypatch.setattr(spam, "current_time", lambda: now + 5)
    response = client.post(post_url(publication), comment_data(publication, form_token=fresh))
    assert response.status_code == 302
    assert Comment.objects.count() == 1


def test_rate_limit_per_ip(client, publication, settings):
    settings.COMMENTS_RATE_LIMIT = 5
    for number in range(5):
        response = client.post(
            post_url(publication), comment_data(publication, text=f"Remark number {number}.")
        )
        assert response.status_code == 302
    response = client.post(
        post_url(publication), comment_data(publication, text="The sixth one, kept for later.")
    )
    html = response.content.decode()
    assert response.status_code == 429
    assert RATE_LIMITED in html
    assert "The sixth one, kept for later." in html
    assert Comment.objects.count() == 5

    other = client.post(post_url(publication), comment_data(publication), REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 302


def test_a_comment_sent_again_is_stored_once(client, publication, settings):
    settings.COMMENTS_RATE_LIMIT = 1
    first = client.post(post_url(publication), comment_data(publication))
    again = client.post(post_url(publication), comment_data(publication), follow=True)
    assert first.status_code == 302
    assert again.status_code == 200
    assert "awaiting moderation" in again.content.decode()
    assert Comment.objects.count() == 1
    # Another reader at the same address writing the same words is someone else.
    other = client.post(post_url(publication), comment_data(publication, email="jovan@example.org"))
    assert other.status_code == 429


def test_rate_limit_window_expires(client, publication, settings):
    settings.COMMENTS_RATE_LIMIT = 1

    def post(text):
        return client.post(post_url(publication), comment_data(publication, text=text))

    assert post("The first remark of the day.").status_code == 302
    assert post("A second remark, too soon.").status_code == 429
    cache.clear()  # what the window's expiry does
    assert post("A second remark, later on.").status_code == 302


def test_rate_limit_ignores_forwarded_for_unless_a_proxy_is_trusted(client, publication, settings):
    settings.COMMENTS_RATE_LIMIT = 1
    first = client.post(
        post_url(publication), comment_data(publication), HTTP_X_FORWARDED_FOR="1.1.1.1"
    )
    spoofed = client.post(
        post_url(publication),
        comment_data(publication, text="Another remark under another name."),
        HTTP_X_FORWARDED_FOR="2.2.2.2",
    )
    assert (first.status_code, spoofed.status_code) == (302, 429)

    settings.COMMENTS_TRUSTED_PROXY_COUNT = 1
    cache.clear()
    for reader in ("198.51.100.1", "198.51.100.2"):
        response = client.post(
            post_url(publication),
            comment_data(publication),
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.9.9.9, {reader}",
        )
        assert response.status_code == 302


def test_ipv6_readers_share_an_allowance_per_64(settings):
    settings.COMMENTS_RATE_LIMIT = 1
    assert not spam.rate_limit_exceeded("2001:db8:1:2::1")
    assert spam.rate_limit_exceeded("2001:db8:1:2:ffff::9")
    assert not spam.rate_limit_exceeded("2001:db8:1:3::1")


def test_rate_limit_counts_atomically_across_threads(settings):
    settings.COMMENTS_RATE_LIMIT = 5
    results = []
    barrier = threading.Barrier(20)

    def attempt():
        barrier.wait()
        results.append(spam.rate_limit_exceeded("203.0.113.50"))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(False) == 5


def _redis_available():
    try:
        import redis

        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
    except Exception:
        return False
    return True


@pytest.mark.skipif(not _redis_available(), reason="needs Redis on 127.0.0.1:6379")
def test_rate_limit_is_shared_through_redis(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": f"bcsp-comments-test-{threading.get_ident()}",
        }
    }
    settings.COMMENTS_RATE_LIMIT = 3
    key = f"comments:rate:{spam.hash_ip('203.0.113.77')}"
    cache.delete(key)  # never cache.clear(): that would empty the whole Redis database
    try:
        results = []
        barrier = threading.Barrier(12)

        def attempt():
            barrier.wait()
            results.append(spam.rate_limit_exceeded("203.0.113.77"))

        threads = [threading.Thread(target=attempt) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results.count(False) == 3
    finally:
        cache.delete(key)


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("See https://a.example and http://b.example for context.", True),
        ("One https://www.example.org/long/path counts once, www.other.example too.", True),
        ("https://a.example http://b.example www.c.example", False),
        ("Spam: http://1.example http://2.example http://3.example http://4.example", False),
    ],
)
def test_links_per_comment_are_capped(client, publication, text, accepted):
    response = client.post(post_url(publication), comment_data(publication, text=text))
    assert response.status_code == (302 if accepted else 400)
    if not accepted:
        html = response.content.decode()
        assert '<p class="field-error" id="comment-text_error">' in html
        assert "at most 2 web addresses" in html
        assert NEUTRAL not in html


def test_names_with_web_addresses_are_refused(client, publication):
    response = client.post(
        post_url(publication), comment_data(publication, name="Cheap pills www.pills.example")
    )
    assert response.status_code == 400
    assert "without a web address" in response.content.decode()


def test_posting_from_another_site_is_refused(publication):
    browser = Client(enforce_csrf_checks=True)
    for headers in (
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": "https://evil.example/page.html"},
    ):
        refused = browser.post(post_url(publication), comment_data(publication), **headers)
        assert refused.status_code == 403
        html = refused.content.decode()
        assert "Please post your comment using the form on our own site." in html
        assert "A thoughtful remark about the analysis." in html  # nothing typed is lost
    assert not Comment.objects.exists()

    same_site = browser.post(
        post_url(publication), comment_data(publication), HTTP_ORIGIN="http://testserver"
    )
    assert same_site.status_code == 302
    assert Comment.objects.count() == 1


def test_form_on_a_page_from_a_shared_cache_gets_a_fresh_form_token(publication, monkeypatch):
    """The copy of the page another visitor got first still lets this one post."""
    first = Client(enforce_csrf_checks=True).get(publication.url)
    cached = Client(enforce_csrf_checks=True).get(publication.url)
    assert cached["X-Cache"] == "hit"
    cached_html = cached.content.decode()
    token_url = re.search(r'data-token-url="([^"]+)"', cached_html).group(1)
    assert token_url == reverse("comments:form_token", args=[publication.pk])
    assert first.content == cached.content

    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(token_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    tokens = json.loads(response.content)
    now = spam.current_time()
    monkeypatch.setattr(spam, "current_time", lambda: now + 10)  # the reader types
    posted = visitor.post(
        post_url(publication),
        comment_data(publication, form_token=tokens["formToken"]),
        HTTP_ORIGIN="http://testserver",
    )
    assert posted.status_code == 302
    assert Comment.objects.count() == 1


def test_comment_form_script_is_a_local_file(client, publication):
    html = client.get(publication.url).content.decode()
    assert re.search(r'<script src="/static/js/comments\.js" defer></script>', html)
    assert "style=" not in html.split('id="comments"')[1].split("</section>")[0]


# Reader text is never HTML ---------------------------------------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<scr<script>ipt>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "javascript:alert(document.cookie)",
    "jav&#x09;ascript:alert(1)",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>*{display:none}</style>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "<!--<img src=x onerror=alert(1)>-->",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="https://example.org" onclick="alert(1)">link</a>',
    "{{ request.user }}{% debug %}",
    "line one\n<script>alert(1)</script>\n\nline three",
]

ALLOWED_TAGS = {"ol", "li", "p", "span", "time", "div", "br"}
ALLOWED_ATTRIBUTES = {"class", "id", "datetime", "start"}


class CommentListParser(HTMLParser):
    """Collects the tags, attributes and text inside <ol class="comment-list">."""

    VOID = {"br"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open_classes = []  # classes of the elements open inside the list
        self.tags = []
        self.attributes = set()
        self.texts = defaultdict(list)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if not self.open_classes:
            if tag == "ol" and attrs.get("class") == "comment-list":
                self.open_classes.append("comment-list")
            return
        self.tags.append(tag)
        self.attributes.update(attrs)
        if tag not in self.VOID:
            self.open_classes.append(attrs.get("class") or "")

    def handle_endtag(self, tag):
        if self.open_classes and tag not in self.VOID:
            self.open_classes.pop()

    def handle_data(self, data):
        for name in ("comment__author", "comment__text"):
            if name in self.open_classes:
                self.texts[name].append(data)


def squash(text):
    return "".join(text.split())


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_comment_payloads_render_inert(client, publication, payload):
    assert len(XSS_PAYLOADS) >= 20
    Comment.objects.create(
        page=publication,
        name=payload[:80],
        email="attacker@example.org",
        text=payload,
        status=Comment.Status.APPROVED,
    )
    for url in (publication.url, list_url(publication)):
        html = client.get(url).content.decode()
        parser = CommentListParser()
        parser.feed(html)
        assert set(parser.tags) <= ALLOWED_TAGS
        assert parser.attributes <= ALLOWED_ATTRIBUTES
        # The reader's characters come back as text, exactly as typed.
        assert squash("".join(parser.texts["comment__text"])) == squash(payload)
        assert squash("".join(parser.texts["comment__author"])) == squash(payload[:80])
        if "<" in payload:
            assert payload not in html


@pytest.mark.parametrize("payload", XSS_PAYLOADS[:8])
def test_payloads_echoed_in_a_failed_form_are_escaped(client, publication, payload):
    response = client.post(
        post_url(publication), comment_data(publication, email="", name=payload[:80], text=payload)
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert payload not in html
    assert "&lt;" in html.split('id="comment-text"')[1][:2000]


# Editors ----------------------------------------------------------------------------------


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


@pytest.fixture
def other_editor(django_user_model):
    group = Group.objects.create(name="Editors without comments")
    group.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    user = django_user_model.objects.create_user("editor", "ed@example.org", "pw-123456789")
    user.groups.add(group)
    return user


def admin_list_url():
    return reverse(Comment.snippet_viewset.get_url_name("list"))


def bulk_url(action, comments, next_url=None):
    ids = "&".join(f"id={comment.pk}" for comment in comments)
    url = reverse("wagtail_bulk_action", args=("comments", "comment", action)) + f"?{ids}"
    return url + (f"&next={next_url}" if next_url else "")


def sidebar_labels(html):
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    return re.findall(r'"label": "([^"]*)"', props.group(1))


def test_moderators_see_the_menu_item_with_the_pending_count(client, publication, moderator):
    add_comments(publication, 3, status=Comment.Status.PENDING)
    add_comments(publication, 2, status=Comment.Status.APPROVED)
    client.force_login(moderator)
    labels = sidebar_labels(client.get("/admin/").content.decode())
    assert "Comments (3)" in labels


def test_editors_without_the_permission_see_no_comments(client, publication, other_editor):
    pending = add_comments(publication, 2, status=Comment.Status.PENDING)
    client.force_login(other_editor)
    labels = sidebar_labels(client.get("/admin/").content.decode())
    assert not any(label.startswith("Comments") for label in labels)

    listing = client.get(admin_list_url())
    assert listing.status_code in {302, 403}
    client.post(bulk_url("approve", pending))
    assert not Comment.objects.approved().exists()


def test_nobody_adds_comments_in_the_admin(admin_client, publication):
    html = admin_client.get(admin_list_url()).content.decode()
    add_url = reverse(Comment.snippet_viewset.get_url_name("add"))
    assert add_url not in html
    assert admin_client.get(add_url).status_code in {302, 403}


def test_listing_filters_by_status_page_and_date_and_searches(client, publication_index, moderator):
    first = PublicationPageFactory(parent=publication_index, title="First paper")
    second = PublicationPageFactory(parent=publication_index, title="Second paper")
    old = timezone.now() - datetime.timedelta(days=60)
    Comment.objects.create(
        page=first,
        name="Old Reader",
        email="old@example.org",
        text="An older remark",
        created_at=old,
    )
    Comment.objects.create(
        page=second,
        name="Vesna",
        email="vesna@example.org",
        text="About police reform",
        status=Comment.Status.SPAM,
    )
    Comment.objects.create(
        page=first,
        name="Marko",
        email="marko@example.org",
        text="Fresh approved remark",
        status=Comment.Status.APPROVED,
    )
    client.force_login(moderator)

    def names(**params):
        html = client.get(admin_list_url(), params).content.decode()
        return {name for name in ("Old Reader", "Vesna", "Marko") if name in html}

    assert names() == {"Old Reader", "Vesna", "Marko"}
    assert names(status="pending") == {"Old Reader"}
    assert names(status="spam") == {"Vesna"}
    assert names(page=first.pk) == {"Old Reader", "Marko"}
    recent = (timezone.now() - datetime.timedelta(days=7)).date().isoformat()
    assert names(created_at_from=recent) == {"Vesna", "Marko"}
    assert names(q="police") == {"Vesna"}
    assert names(q="marko@example") == {"Marko"}
    assert names(q="Old Reader") == {"Old Reader"}


def test_listing_links_to_the_page_on_the_site(client, publication, moderator):
    add_comments(publication, 1, status=Comment.Status.PENDING)
    client.force_login(moderator)
    html = client.get(admin_list_url()).content.decode()
    assert f'<a href="{publication.url}" target="_blank" rel="noopener">{publication.title}' in html


def test_listing_offers_one_by_one_moderation(client, publication, moderator):
    (comment,) = add_comments(publication, 1, status=Comment.Status.PENDING)
    client.force_login(moderator)
    html = client.get(admin_list_url(), {"status": "pending", "q": "number"}).content.decode()
    links = {}
    for action in ("approve", "reject", "spam"):
        url = reverse("wagtail_bulk_action", args=("comments", "comment", action))
        match = re.search(rf'href="({re.escape(url)}\?id={comment.pk}&amp;next=[^"]+)"', html)
        links[action] = match.group(1).replace("&amp;", "&")

    assert client.get(links["approve"]).status_code == 200
    response = client.post(links["approve"])
    assert response.status_code == 302
    assert response["Location"] == admin_list_url() + "?status=pending&q=number"
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("approve", Comment.Status.APPROVED),
        ("reject", Comment.Status.REJECTED),
        ("spam", Comment.Status.SPAM),
    ],
)
def test_bulk_moderation(client, publication, moderator, action, status):
    comments = add_comments(publication, 3, status=Comment.Status.PENDING)
    untouched = add_comments(publication, 1, status=Comment.Status.PENDING)[0]
    client.force_login(moderator)

    confirm = client.get(bulk_url(action, comments))
    assert confirm.status_code == 200
    assert "Comment number 3." in confirm.content.decode()

    response = client.post(bulk_url(action, comments, next_url=admin_list_url()))
    assert response.status_code == 302
    assert response["Location"] == admin_list_url()
    for comment in comments:
        comment.refresh_from_db()
        assert comment.status == status
        assert comment.moderated_by == moderator
        assert comment.moderated_at is not None
    untouched.refresh_from_db()
    assert untouched.status == Comment.Status.PENDING

    html = client.get(publication.url).content.decode()
    assert ("Comment number 2." in html) is (status == Comment.Status.APPROVED)


def test_editing_the_status_records_the_moderator(client, publication, moderator):
    (comment,) = add_comments(publication, 1, status=Comment.Status.PENDING)
    client.force_login(moderator)
    edit_url = reverse(Comment.snippet_viewset.get_url_name("edit"), args=[comment.pk])
    form = client.get(edit_url)
    assert form.status_code == 200
    assert "Comment number 1." in form.content.decode()
    response = client.post(edit_url, {"status": "approved", "text": "Changed by an editor"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert comment.text == "Comment number 1."  # read-only for editors
    assert comment.moderated_by == moderator


def test_admin_listing_escapes_reader_text(admin_client, publication):
    Comment.objects.create(
        page=publication,
        name="<img src=x onerror=alert(1)>",
        email="x@example.org",
        text="<script>alert(1)</script>",
    )
    html = admin_client.get(admin_list_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Email to moderators ------------------------------------------------------------------------


def test_moderators_are_emailed_about_a_waiting_comment(client, publication, moderators):
    client.post(post_url(publication), comment_data(publication))
    comment = Comment.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["moderators@bezbednost.org"]
    assert "Surveillance in Serbia" in message.subject
    assert "A thoughtful remark about the analysis." in message.body
    edit_url = reverse(Comment.snippet_viewset.get_url_name("edit"), args=[comment.pk])
    assert f"http://testserver{edit_url}" in message.body
    assert "milica@example.org" not in message.body


def test_no_moderator_address_means_no_email(client, publication, settings):
    settings.COMMENTS_MODERATOR_EMAILS = []
    assert client.post(post_url(publication), comment_data(publication)).status_code == 302
    assert mail.outbox == []


class BrokenEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server is down")


def test_a_failing_email_never_loses_the_comment(client, publication, moderators, settings):
    settings.EMAIL_BACKEND = "tests.comments.test_comments.BrokenEmailBackend"
    response = client.post(post_url(publication), comment_data(publication))
    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING


# Page deletion and data retention -----------------------------------------------------------


def test_deleting_a_page_deletes_its_comments(publication, publication_index):
    other = PublicationPageFactory(parent=publication_index)
    add_comments(publication, 3)
    add_comments(other, 1)
    publication.delete()
    assert Comment.objects.count() == 1
    assert Comment.objects.get().page_id == other.pk


def test_deleting_a_page_in_the_admin_works_with_comments(admin_client, publication):
    add_comments(publication, 2)
    response = admin_client.post(reverse("wagtailadmin_pages:delete", args=[publication.pk]))
    assert response.status_code == 302
    assert Comment.objects.count() == 0


def test_prune_comments_forgets_old_personal_details_and_spam(publication, settings):
    settings.COMMENTS_RETENTION_DAYS = 90
    long_ago = timezone.now() - datetime.timedelta(days=200)
    recent = timezone.now() - datetime.timedelta(days=5)
    fields = {
        "page": publication,
        "email": "r@example.org",
        "ip_hash": "a" * 64,
        "user_agent": "UA",
    }
    old_spam = Comment.objects.create(
        name="s", text="spam", status="spam", created_at=long_ago, **fields
    )
    old_approved = Comment.objects.create(
        name="a", text="kept", status="approved", created_at=long_ago, **fields
    )
    new_spam = Comment.objects.create(
        name="n", text="new", status="spam", created_at=recent, **fields
    )
    call_command("prune_comments", stdout=io.StringIO())
    assert not Comment.objects.filter(pk=old_spam.pk).exists()
    old_approved.refresh_from_db()
    assert (old_approved.ip_hash, old_approved.user_agent) == ("", "")
    new_spam.refresh_from_db()
    assert new_spam.ip_hash == "a" * 64


# Query counts -------------------------------------------------------------------------------


def count_queries(client, url):
    client.get(url)  # warm per-process caches (site root paths, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_publication_page_queries_do_not_grow_with_comments(client, publication, page_cache_off):
    add_comments(publication, 5)
    few = count_queries(client, publication.url)
    add_comments(publication, 195, start=timezone.now() - datetime.timedelta(days=10))
    assert Comment.objects.approved().count() == 200
    many = count_queries(client, publication.url)
    assert few == many


def test_a_refused_comment_s_page_queries_do_not_grow_with_comments(
    client, publication, page_cache_off
):
    def refused_post_queries():
        data = comment_data(publication, text="x")
        client.post(publication.url, data)  # warm per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.post(publication.url, data)
        assert response.status_code == 400
        return len(queries)

    add_comments(publication, 5)
    few = refused_post_queries()
    add_comments(publication, 195, start=timezone.now() - datetime.timedelta(days=10))
    many = refused_post_queries()
    assert few == many


def test_comment_times_are_valid_html_datetimes(client, publication):
    comment = add_comments(publication, 1)[0]
    Comment.objects.filter(pk=comment.pk).update(
        created_at=datetime.datetime(2020, 5, 3, 8, 15, 0, 654321, tzinfo=datetime.UTC)
    )
    for url in (publication.url, list_url(publication)):
        html = client.get(url).content.decode()
        assert '<time datetime="2020-05-03T10:15:00+02:00">May 3, 2020</time>' in html


def test_all_comments_page_queries_do_not_grow_with_comments(client, publication, page_cache_off):
    add_comments(publication, 25)
    few = count_queries(client, list_url(publication))
    add_comments(publication, 175, start=timezone.now() - datetime.timedelta(days=10))
    many = count_queries(client, list_url(publication))
    assert few == many


# Concurrency --------------------------------------------------------------------------------


@pytest.mark.skipif(
    not IS_POSTGRES, reason="concurrent writers need PostgreSQL; SQLite serialises them"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_simultaneous_comments_are_all_stored_as_pending(publication, moderators):
    url = post_url(publication)
    barrier = threading.Barrier(50)
    statuses = []
    errors = []

    def post(number):
        try:
            reader = Client(REMOTE_ADDR=f"198.51.100.{number + 1}")
            data = comment_data(publication, name=f"Reader {number}")
            data["text"] = f"Simultaneous comment {number}."
            barrier.wait()
            statuses.append(reader.post(url, data).status_code)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(number,)) for number in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert statuses == [302] * 50
    stored = Comment.objects.filter(page=publication)
    assert stored.count() == 50
    assert set(stored.values_list("status", flat=True)) == {Comment.Status.PENDING}
    assert sorted(stored.values_list("text", flat=True)) == sorted(
        f"Simultaneous comment {number}." for number in range(50)
    )
    html = Client().get(publication.url).content.decode()
    assert "Simultaneous comment" not in html
    assert 'Comments <span class="count">(0)</span>' in html
    assert len(mail.outbox) == 50


@pytest.mark.parametrize(
    "ids", ["id=abc", "id=1&id=abc", "id=", "id=1e5", "id=99999999999999999999"]
)
def test_a_bulk_action_on_ids_that_are_not_numbers_is_refused(client, publication, moderator, ids):
    client.force_login(moderator)
    url = reverse("wagtail_bulk_action", args=("comments", "comment", "approve")) + f"?{ids}"
    assert client.get(url).status_code in {400, 404}
    assert client.post(url).status_code in {400, 404}
