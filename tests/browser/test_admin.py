"""The editor's everyday paths in the Wagtail admin: the live preview, the author chooser,
starting a page again, and the dashboard."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from bcsp_site.models import HomePage, StandardPage
from publications.models import OpEdPage, PublicationPage

PASSWORD = "a-long-passphrase-1"


def sign_in(page, base_url, username="editor", superuser=True, groups=()):
    User = get_user_model()
    if superuser:
        User.objects.create_superuser(username, f"{username}@example.org", PASSWORD)
    else:
        from django.contrib.auth.models import Group

        user = User.objects.create_user(username, f"{username}@example.org", PASSWORD)
        user.groups.set(Group.objects.filter(name__in=groups))
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(f"{base_url}/admin/")


def open_preview_panel(page):
    toggle = page.get_by_role("button", name="Toggle preview")
    # The admin remembers which side panel was open on the last page edited.
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return page.frame_locator("iframe#w-preview-iframe")


def first_page(model, language="en", **filters):
    return model.objects.filter(locale__language_code=language, **filters).order_by("pk").first()


def test_preview_panel_shows_each_kind_of_page(page, demo_site):
    sign_in(page, demo_site.url)
    english = first_page(PublicationPage, opedpage__isnull=True)
    page.goto(f"{demo_site.url}/admin/pages/{english.pk}/edit/")
    preview = open_preview_panel(page)
    expect(preview.get_by_role("heading", level=1)).to_have_text(english.title)

    # The preview follows what the editor types, before anything is saved.
    page.get_by_role("textbox", name="Title*").fill("A title not saved yet")
    expect(preview.get_by_role("heading", level=1)).to_have_text("A title not saved yet")

    others = [
        first_page(OpEdPage),
        first_page(StandardPage),
        first_page(PublicationPage, "sr", opedpage__isnull=True),
    ]
    for edited in others:
        page.goto(f"{demo_site.url}/admin/pages/{edited.pk}/edit/")
        preview = open_preview_panel(page)
        expect(preview.get_by_role("heading", level=1)).to_have_text(edited.title)

    # The home page, with its carousel of featured publications.
    page.goto(f"{demo_site.url}/admin/pages/{first_page(HomePage).pk}/edit/")
    preview = open_preview_panel(page)
    carousel = preview.get_by_role("region", name="Featured publications")
    expect(carousel).to_be_visible()
    expect(carousel.get_by_role("heading", level=3).first).to_be_visible()
