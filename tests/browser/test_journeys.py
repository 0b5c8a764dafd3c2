"""Reader, subscriber and searcher journeys, start to finish, as people would do them."""

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from newsletter.models import Bulletin
from newsletter.tasks import send_bulletin


def link_in(message, pattern):
    return re.search(pattern, message.body).group(0)


def test_subscriber_confirms_then_unsubscribes(page, demo_site):
    page.goto(f"{demo_site.url}/en/publications/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_role("textbox", name="Email address").fill("reader@example.org")
    footer.get_by_role("checkbox").check()
    footer.get_by_role("button", name=re.compile("Sign up|Subscribe")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("email", re.I))
    assert len(mail.outbox) == 1

    confirm_url = link_in(mail.outbox[0], r"https?://\S+/e-bulletin/\S+")
    page.goto(confirm_url)
    page.get_by_role("button", name="Confirm my subscription").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        re.compile("confirmed|subscribed", re.I)
    )

    bulletin = Bulletin.objects.create(
        subject="BCSP e-bulletin — March",
        language="en",
        status=Bulletin.Status.SENDING,
        queued_at=timezone.now(),
    )
    send_bulletin.call(bulletin.pk)
    assert len(mail.outbox) == 3  # the confirmation link, the welcome, the bulletin
    unsubscribe_url = mail.outbox[-1].extra_headers["List-Unsubscribe"].strip("<>").split(">")[0]
    page.goto(unsubscribe_url)
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    expect(page.locator("main")).to_contain_text(re.compile("unsubscribed", re.I))


def test_searcher_narrows_sorts_and_pages_keeping_filters(page, demo_site, django_db_blocker):
    from django.core.management import call_command

    call_command("load_demo_content", "--publications", "150", verbosity=0)
    page.goto(f"{demo_site.url}/en/")
    search_box = page.get_by_role("searchbox", name="Search publications").first
    search_box.fill("Serbia")
    search_box.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/search/\?q=Serbia"))
    page.locator("details summary").first.click()
    page.get_by_label("Analysis").check()
    page.get_by_label("From year").fill("2011")
    page.get_by_label("To year").fill("2026")
    page.get_by_label("Sort by").select_option("newest")
    page.get_by_role("button", name=re.compile("^Search$")).last.click()
    for name in ("kind=analysis", "year_from=2011", "year_to=2026", "sort=newest"):
        expect(page).to_have_url(re.compile(name))
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile("page=2"))
    for name in ("kind=analysis", "year_from=2011", "year_to=2026", "sort=newest"):
        expect(page).to_have_url(re.compile(name))
    page.get_by_role("link", name="Previous").click()
    expect(page.get_by_label("Analysis")).to_be_checked()
    expect(page.get_by_label("From year")).to_have_value("2011")


OP_ED = "/en/publications/public-recording-with-secret-cameras/"
TOO_MANY_LINKS = "See https://a.example/1 https://b.example/2 https://c.example/3"


def send_comment(page):
    with page.expect_navigation():
        page.locator("#comment-form").get_by_role("button", name="Send comment").click()


def test_reader_comments_and_an_editor_approves(page, demo_site, quick_spam_guard):
    page.goto(f"{demo_site.url}{OP_ED}")
    form = page.locator("#comment-form")
    form.get_by_role("textbox", name=re.compile("^Name")).fill("Milica")
    form.get_by_role("textbox", name=re.compile("^Email")).fill("milica@example.org")
    form.get_by_role("textbox", name=re.compile("^Comment")).fill(TOO_MANY_LINKS)
    send_comment(page)
    expect(form.get_by_role("alert")).to_contain_text("at most 2 web addresses")
    comment_box = form.get_by_role("textbox", name=re.compile("^Comment"))
    expect(comment_box).to_have_value(TOO_MANY_LINKS)  # nothing the reader typed is lost
    comment_box.fill("Who decided where the cameras go?")
    send_comment(page)
    expect(page.get_by_text("Thank you — your comment is awaiting moderation")).to_be_visible()
    expect(page.locator(".comment-list")).to_have_count(0)

    get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-passphrase-1")
    page.goto(f"{demo_site.url}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-passphrase-1")
    page.get_by_role("button", name=re.compile("Sign in")).click()
    page.get_by_role("link", name=re.compile("Comments")).first.click()
    expect(page.get_by_text("Who decided where the cameras go?")).to_be_visible()
    page.get_by_role("checkbox", name=re.compile("Select", re.I)).last.check()
    page.get_by_role("link", name="Approve the selected comments").click()
    page.get_by_role("button", name="Yes, approve").click()
    expect(page.get_by_text(re.compile("1 comment approved"))).to_be_visible()

    page.goto(f"{demo_site.url}{OP_ED}")
    comments = page.locator(".comment-list")
    expect(comments.get_by_text("Who decided where the cameras go?")).to_be_visible()
    expect(comments).to_contain_text("Milica")
    expect(comments).not_to_contain_text("milica@example.org")
