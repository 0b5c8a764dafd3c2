"""The home page's latest work, the e-bulletin's preview in the admin, and subscribers
managing their own subscription: walked in Chromium, in both languages where there are two."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from newsletter.models import Bulletin, BulletinItem, Subscriber
from publications.models import PublicationPage

PASSWORD = "a-long-passphrase-1"
MASTHEAD_BLUE = "rgb(11, 37, 64)"

HOME = {
    "en": {"latest": "Latest publications", "all": "All publications"},
    "sr": {"latest": "Najnovije publikacije", "all": "Sve publikacije"},
}

MANAGE = {
    "en": {
        "region": "Manage your subscription",
        "email": "Email address",
        "send": "Email me a link",
        "sent": "Check your email",
        "page": "Your e-bulletin subscription",
        "other_language": "Serbian",
        "save": "Save",
        "saved": "Saved",
        "unsubscribe": "Unsubscribe",
        "unsubscribed": "You are unsubscribed",
    },
    "sr": {
        "region": "Upravljajte pretplatom",
        "email": "Adresa e-pošte",
        "send": "Pošaljite mi link",
        "sent": "Proverite e-poštu",
        "page": "Vaša pretplata na e-bilten",
        "other_language": "engleski",
        "save": "Sačuvaj",
        "saved": "Sačuvano",
        "unsubscribe": "Odjava",
        "unsubscribed": "Odjavljeni ste",
    },
}


def subscribe(email, language):
    from django.utils import timezone

    return Subscriber.objects.create(
        email=email,
        language=language,
        status=Subscriber.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        consent_text="I agree.",
        consent_at=timezone.now(),
    )


def link_in(message, pattern):
    match = re.search(pattern, message.body)
    assert match, message.body
    return match.group(0)


# The home page ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "sr"])
def test_home_shows_the_latest_work_and_one_signup_form(page, demo_site, language):
    words = HOME[language]
    page.goto(f"{demo_site.url}/{language}/")
    featured = page.locator(".carousel__title a").all_text_contents()
    assert featured, "the carousel shows publications"

    latest = page.get_by_role("region", name=words["latest"])
    latest_titles = latest.get_by_role("heading", level=3).all_text_contents()
    assert len(latest_titles) >= 6, latest_titles
    assert not set(latest_titles) & set(featured), "the latest list repeats the carousel"

    # One e-bulletin sign-up form on the whole page (not one in the body and one in the footer).
    expect(page.locator("form.signup-form")).to_have_count(1)
    expect(page.get_by_role("checkbox", name=re.compile("e-bulletin|e-bilten"))).to_have_count(1)

    latest.get_by_role("link", name=words["all"]).click()
    expect(page).to_have_url(f"{demo_site.url}/{language}/publications/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


# The bulletin's preview in the admin --------------------------------------------------------


def sign_in(page, base_url):
    get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(f"{base_url}/admin/")


def draft_bulletin():
    bulletin = Bulletin.objects.create(
        subject="BCSP e-bulletin — July 2020",
        language="en",
        intro="<p>Our work on democratic control of the security sector.</p>",
    )
    publications = PublicationPage.objects.filter(locale__language_code="en").order_by(
        "-publication_date"
    )[:3]
    for order, publication in enumerate(publications):
        BulletinItem.objects.create(bulletin=bulletin, publication=publication, sort_order=order)
    return bulletin


def background_of_masthead(frame):
    masthead = frame.get_by_role("link", name="Belgrade Centre for Security Policy")
    expect(masthead).to_be_visible()
    return masthead.evaluate("link => getComputedStyle(link.parentElement).backgroundColor")


def test_editor_sees_the_bulletin_as_subscribers_will(page, demo_site):
    sign_in(page, demo_site.url)
    bulletin = draft_bulletin()

    # The preview panel beside the editing form.
    page.goto(f"{demo_site.url}/admin/e-bulletin/bulletins/edit/{bulletin.pk}/")
    page.get_by_role("button", name="Toggle preview").click()
    panel = page.frame_locator("#w-preview-iframe")
    expect(panel.get_by_role("heading", name="BCSP e-bulletin — July 2020")).to_be_visible()
    assert background_of_masthead(panel) == MASTHEAD_BLUE

    # The same preview in a tab of its own.
    with page.context.expect_page() as new_tab:
        page.get_by_role("link", name="Preview in new tab").click()
    tab = new_tab.value
    tab.wait_for_load_state()
    assert background_of_masthead(tab) == MASTHEAD_BLUE

    # The send page shows the email before anyone sends it.
    page.goto(f"{demo_site.url}/admin/e-bulletin/bulletins/send/{bulletin.pk}/")
    shown = page.frame_locator("iframe[title='Preview of the email']")
    expect(shown.get_by_role("heading", name="BCSP e-bulletin — July 2020")).to_be_visible()
    assert background_of_masthead(shown) == MASTHEAD_BLUE
    blocked = [error for error in page.console_errors if "Content Security Policy" in error]
    assert blocked == []


# Subscribers manage their own subscription ------------------------------------------------


def ask_for_a_link(page, base_url, language, email):
    words = MANAGE[language]
    page.goto(f"{base_url}/{language}/e-bulletin/")
    # The page has one sign-up form and one form to manage a subscription.
    expect(page.locator("main form.signup-form")).to_have_count(1)
    manage = page.get_by_role("region", name=words["region"])
    expect(manage.locator("form")).to_have_count(1)
    manage.get_by_role("textbox", name=words["email"]).fill(email)
    manage.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["sent"])
    return page.locator("main").inner_text()


@pytest.mark.parametrize("language", ["en", "sr"])
def test_subscriber_changes_language_then_unsubscribes(page, demo_site, language):
    words = MANAGE[language]
    other = "sr" if language == "en" else "en"
    subscriber = subscribe("reader@example.org", language)

    answer_for_nobody = ask_for_a_link(page, demo_site.url, language, "nobody@example.org")
    assert mail.outbox == []
    answer_for_reader = ask_for_a_link(page, demo_site.url, language, "reader@example.org")
    assert answer_for_reader == answer_for_nobody  # nothing tells who is subscribed
    assert [message.to for message in mail.outbox] == [["reader@example.org"]]

    page.goto(link_in(mail.outbox[0], r"https?://\S+/e-bulletin/manage/\S+/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(words["page"])
    expect(page.locator("main")).to_contain_text("reader@example.org")
    page.get_by_role("radio", name=words["other_language"]).check()
    page.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["saved"])
    subscriber.refresh_from_db()
    assert subscriber.language == other
    assert subscriber.status == Subscriber.Status.CONFIRMED

    page.get_by_role("button", name=words["unsubscribe"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["unsubscribed"])
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED


def test_managing_a_subscription_works_without_javascript(page_without_js, demo_site):
    page = page_without_js
    subscriber = subscribe("reader@example.org", "en")
    ask_for_a_link(page, demo_site.url, "en", "reader@example.org")
    page.goto(link_in(mail.outbox[0], r"https?://\S+/e-bulletin/manage/\S+/"))
    page.get_by_role("radio", name="Serbian").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    subscriber.refresh_from_db()
    assert subscriber.language == "sr"


def test_a_new_subscriber_is_welcomed_with_the_link(page, demo_site):
    page.goto(f"{demo_site.url}/sr/e-bulletin/")
    form = page.locator("main form.signup-form")
    form.get_by_role("textbox", name="Adresa e-pošte").fill("citalac@example.org")
    form.get_by_role("checkbox").check()
    form.get_by_role("button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proverite e-poštu")
    assert len(mail.outbox) == 1

    page.goto(link_in(mail.outbox[0], r"https?://\S+/e-bulletin/confirm/\S+/"))
    page.get_by_role("button").filter(has_text="Potvrđujem pretplatu").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("potvrđena")
    assert len(mail.outbox) == 2
    welcome = mail.outbox[1]
    assert welcome.to == ["citalac@example.org"]

    page.goto(link_in(welcome, r"https?://\S+/sr/e-bulletin/manage/\S+/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(MANAGE["sr"]["page"])
    expect(page.locator("main")).to_contain_text("citalac@example.org")


# Every page above: axe-core and the Nu HTML Checker ----------------------------------------


def manage_pages(base_url):
    from newsletter.tokens import make_manage_token

    reader = subscribe("reader@example.org", "en")
    token = make_manage_token(reader)
    return {
        "home": "/en/",
        "Serbian home": "/sr/",
        "e-bulletin": "/en/e-bulletin/",
        "Serbian e-bulletin": "/sr/e-bulletin/",
        "manage link sent": "/en/e-bulletin/manage/link-sent/",
        "manage": f"/en/e-bulletin/manage/{token}/",
        "Serbian manage": f"/sr/e-bulletin/manage/{token}/",
        "manage link not valid": f"/en/e-bulletin/manage/{token}x/",
    }


def test_the_pages_pass_axe_and_the_nu_checker(page, demo_site, client, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    from tests.support.html_validation import html_errors

    pages = manage_pages(demo_site.url)
    host = demo_site.url.split("//")[1]
    documents = {}
    for name, path in pages.items():
        page.goto(f"{demo_site.url}{path}")
        violations = Axe().run(page).response["violations"]
        assert violations == [], (name, [item["id"] for item in violations])
        documents[name] = client.get(path, HTTP_HOST=host).content

    # The forms as they come back with errors.
    page.goto(f"{demo_site.url}{pages['manage']}")
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    assert Axe().run(page).response["violations"] == []
    documents["unsubscribed from the manage page"] = page.content().encode()
    page.goto(f"{demo_site.url}/en/e-bulletin/")
    manage = page.get_by_role("region", name="Manage your subscription")
    manage.locator("form").evaluate("form => { form.noValidate = true; }")
    manage.get_by_role("textbox", name="Email address").fill("not-an-address")
    manage.get_by_role("button", name="Email me a link").click()
    expect(manage.get_by_role("textbox", name="Email address")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(manage.get_by_role("textbox", name="Email address")).to_have_value("not-an-address")
    assert Axe().run(page).response["violations"] == []
    bad_address = client.post("/en/e-bulletin/manage/", {"email": "x"}, HTTP_HOST=host)
    assert bad_address.status_code == 400
    documents["manage form with an error"] = bad_address.content
    errors = html_errors(documents, tmp_path)
    assert errors == [], "\n".join(errors)
