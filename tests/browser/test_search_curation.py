"""Search curation in the admin: an editor reads in the search-terms report what visitors
looked for and found nothing for, pins a publication to a term through the page chooser, and
visitors searching it see that publication first, marked as the editors' pick."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

PASSWORD = "a-long-passphrase-1"
PICKED = "Who Checks Serbia's Arms Exports?"
DESCRIPTION = "Who licenses arms exports, and who checks them."


def sign_in_as_editor(page, base_url):
    user = get_user_model().objects.create_user("editor", "editor@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name="Editors"))
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(f"{base_url}/admin/")


def search(page, base_url, words):
    page.goto(f"{base_url}/en/")
    box = page.get_by_role("search").get_by_role("searchbox")
    box.fill(words)
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")


def test_an_editor_pins_a_publication_to_a_term_from_the_report(page, new_page, demo_site):
    base_url = demo_site.url
    visitor = new_page()
    search(visitor, base_url, "whistleblowers")
    expect(visitor.get_by_role("heading", name=re.compile("0 results"))).to_be_visible()
    search(visitor, base_url, "police")
    expect(visitor.get_by_role("heading", name=re.compile("results? for “police”"))).to_be_visible()

    sign_in_as_editor(page, base_url)
    page.get_by_role("button", name="Reports").click()
    page.get_by_role("link", name="Search terms").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Search terms")
    missing = page.get_by_role("row").filter(has_text="whistleblowers")
    # Searched once, found nothing once, in the last 7 and 30 days.
    expect(missing.get_by_role("cell")).to_have_text(
        ["whistleblowers", "1", "1", "1", "1", re.compile("Promote a result")]
    )
    # Only the terms that found nothing.
    page.goto(f"{base_url}/admin/reports/search-terms-report/?no_results=true")
    expect(page.get_by_role("row").filter(has_text="whistleblowers")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="police")).to_have_count(0)
    page.goto(f"{base_url}/admin/reports/search-terms-report/")

    page.get_by_role("row").filter(has_text="police").get_by_role(
        "link", name=re.compile("Promote a result")
    ).click()
    expect(page.get_by_role("textbox", name=re.compile("Search term"))).to_have_value("police")
    page.get_by_role("button", name="Add a recommended result").click()
    page.get_by_role("button", name="Choose a page").click()
    chooser = page.get_by_role("dialog")
    chooser.get_by_role("textbox", name=re.compile("Search")).fill("arms exports")
    chooser.get_by_role("link", name=PICKED).click()
    expect(chooser).to_be_hidden()
    page.get_by_label("Description").fill(DESCRIPTION)
    page.get_by_role("button", name="Save").click()
    # Back on Promoted search results, the term with its pick.
    expect(page.get_by_text("Editor's picks for 'police' updated.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="police")).to_contain_text(PICKED)

    page.goto(f"{base_url}/admin/reports/search-terms-report/")
    expect(page.get_by_role("row").filter(has_text="police")).to_contain_text("1 pick: edit")

    for width in (1280, 390):
        visitor = new_page(viewport={"width": width, "height": 900})
        visitor.goto(f"{base_url}/en/search/?q=Police")
        first = visitor.locator(".search-results li").first
        expect(first).to_contain_text("Editor’s pick")
        expect(first.get_by_role("link", name=PICKED)).to_be_visible()
        expect(first).to_contain_text(DESCRIPTION)
        expect(visitor.get_by_role("link", name=PICKED)).to_have_count(1)
