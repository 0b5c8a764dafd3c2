import re

from django.core import mail
from playwright.sync_api import expect

from comments.models import Comment
from newsletter.models import Subscriber

OP_ED = "/en/publications/public-recording-with-secret-cameras/"


def test_home_page_carousel_is_a_readable_list_without_javascript(page_without_js, demo_site):
    page = page_without_js
    page.goto(f"{demo_site.url}/en/")
    slides = page.locator("[data-carousel-slide]")
    expect(slides).to_have_count(5)
    for index in range(5):
        expect(slides.nth(index)).to_be_visible()
    expect(page.locator("[data-carousel-controls]")).to_be_hidden()


def test_search_works_without_javascript(page_without_js, demo_site):
    page = page_without_js
    page.goto(f"{demo_site.url}/en/")
    page.get_by_role("searchbox", name="Search publications").fill("Hungary")
    page.get_by_role("searchbox", name="Search publications").press("Enter")
    expect(page).to_have_url(f"{demo_site.url}/en/search/?q=Hungary")
    expect(page.get_by_role("link", name="Serbia and Hungary: Hammering Democracy")).to_be_visible()


def test_menu_is_reachable_without_javascript_on_narrow_screens(page_without_js, demo_site):
    page = page_without_js
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{demo_site.url}/en/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    toggle = page.get_by_role("button", name="Menu", exact=True, include_hidden=True)
    expect(toggle).to_have_count(1)
    expect(toggle).to_be_hidden()  # it only works with JavaScript, so it is not offered


def test_comment_form_works_without_javascript(page_without_js, demo_site, quick_spam_guard):
    page = page_without_js
    page.goto(f"{demo_site.url}{OP_ED}")
    form = page.get_by_role("form", name="Post a comment")
    form.get_by_role("textbox", name=re.compile("^Name")).fill("Milica")
    form.get_by_role("textbox", name=re.compile("^Email")).fill("milica@example.org")
    form.get_by_role("textbox", name=re.compile("^Comment")).fill("Who decided where they go?")
    form.get_by_role("button", name="Send comment").click()
    expect(page).to_have_url(f"{demo_site.url}{OP_ED}")
    expect(page.get_by_text("Thank you — your comment is awaiting moderation")).to_be_visible()
    comment = Comment.objects.get()
    assert (comment.name, comment.text, comment.status) == (
        "Milica",
        "Who decided where they go?",
        Comment.Status.PENDING,
    )


def test_ebulletin_sign_up_works_without_javascript(page_without_js, demo_site):
    page = page_without_js
    page.goto(f"{demo_site.url}/en/publications/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_role("textbox", name="Email address").fill("reader@example.org")
    footer.get_by_role("checkbox").check()
    footer.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert Subscriber.objects.get().email == "reader@example.org"
    (message,) = mail.outbox
    assert message.to == ["reader@example.org"]
    assert re.search(r"https?://\S+/en/e-bulletin/confirm/\S+", message.body)
