"""A translation is not public until it is translated: "Translate this page" makes a Serbian
draft that visitors cannot reach or find; the translator translates it and publishes it."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from publications.models import PublicationIndexPage, PublicationKind, PublicationPage
from tests.browser.conftest import _new_page
from tests.browser.test_editor import open_publications_in_the_explorer, sign_in

TITLE = "Parliamentary Oversight of the Intelligence Services"
SLUG = "parliamentary-oversight-of-the-intelligence-services"
SUMMARY = "What the parliament's security committee asked the services, and what it never did."
TITLE_SR = "Skupštinski nadzor nad službama bezbednosti"
SLUG_SR = "skupstinski-nadzor-nad-sluzbama-bezbednosti"
SUMMARY_SR = "Šta je skupštinski odbor za bezbednost pitao službe, a šta nikada nije."
EN_PATH = f"/en/publications/{SLUG}/"
DRAFT_PATH = f"/sr/publications/{SLUG}/"  # the draft keeps the English slug until published
SR_PATH = f"/sr/publications/{SLUG_SR}/"


@pytest.fixture
def publication(demo_site):
    index = PublicationIndexPage.objects.get(locale__language_code="en")
    publication = PublicationPage(
        title=TITLE,
        slug=SLUG,
        kind=PublicationKind.objects.get(locale__language_code="en", slug="report"),
        publication_date=datetime.date(2024, 5, 20),
        summary=SUMMARY,
    )
    index.add_child(instance=publication)
    publication.save_revision().publish()
    return publication


@pytest.fixture
def new_visitor(request, browser, demo_site):
    """Another browser, signed in nowhere and with nothing cached: what the public sees.

    (A browser keeps public pages for a minute, so each look after a change is a new one.)
    """
    return lambda: _new_page(request, browser)


def visitor_cannot_see_the_translation(new_visitor, base_url):
    visitor = new_visitor()
    for address in (DRAFT_PATH, SR_PATH):
        response = visitor.goto(f"{base_url}{address}")
        assert response.status == 404, address
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Stranica nije pronađena")

    visitor.goto(f"{base_url}/sr/publications/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Publikacije")
    expect(visitor.get_by_role("main")).not_to_contain_text(TITLE)

    visitor.goto(f"{base_url}/sr/search/?q=parliamentary+oversight+intelligence")
    expect(visitor.get_by_role("main")).not_to_contain_text(TITLE)

    # The English page's language switcher leads to the nearest translated section instead.
    visitor.goto(f"{base_url}{EN_PATH}")
    visitor.get_by_role("navigation", name="Language").get_by_role("link", name="Srpski").click()
    expect(visitor).to_have_url(f"{base_url}/sr/publications/")

    for address in ("/sr/publications/feed/", EN_PATH):
        text = visitor.request.get(f"{base_url}{address}").text()
        assert DRAFT_PATH not in text and SR_PATH not in text, address
        assert TITLE not in text or address == EN_PATH, address
    sitemaps = sitemap_text(visitor, base_url)
    assert DRAFT_PATH not in sitemaps and SR_PATH not in sitemaps


def sitemap_text(visitor, base_url):
    """The sitemap index and every child sitemap it names, as one text."""
    index = visitor.request.get(f"{base_url}/sitemap.xml").text()
    children = re.findall(r"<loc>([^<]+)</loc>", index)
    assert children
    return "\n".join([index] + [visitor.request.get(child).text() for child in children])


def open_serbian_publications_in_the_explorer(page):
    page.get_by_role("button", name="Pages").click()
    page.get_by_role("link", name=re.compile("View child pages of 'Beogradski centar")).click()
    page.get_by_role("link", name="Publikacije", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publikacije")


def translate_field(page, field_name, translated):
    field = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=field_name, exact=True)
    )
    field.get_by_role("button", name="Translate").click()
    field.get_by_role("textbox").fill(translated)
    field.get_by_role("button", name="Save").click()
    expect(field.get_by_text(translated)).to_be_visible()
    expect(field.get_by_role("textbox")).to_have_count(0)


def test_a_translation_is_a_draft_until_it_is_translated_and_published(
    page, new_visitor, demo_site, publication
):
    base_url = demo_site.url
    sign_in(page, base_url)
    open_publications_in_the_explorer(page)
    page.get_by_role("button", name=f"More options for '{TITLE}'").click()
    page.get_by_role("link", name="Translate this page").click()
    page.get_by_role("checkbox", name="Serbian").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("successfully submitted for translation into Serbian")).to_be_visible()
    translation_editor = page.url

    # Nothing of it is public yet: not the page, the listing, search, the switcher, the feed
    # or the sitemap.
    visitor_cannot_see_the_translation(new_visitor, base_url)

    # The editor sees it as a draft in the Serbian tree.
    open_serbian_publications_in_the_explorer(page)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row.get_by_role("cell", name="Current page status: draft")).to_be_visible()

    # Publishing it before it is translated is refused, naming what is left.
    page.goto(translation_editor)
    page.get_by_role("button", name="Publish in Serbian").click()
    refusal = page.get_by_text(re.compile("not translated yet"))
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("Title")
    expect(refusal).to_contain_text("Summary")
    expect(refusal).to_contain_text("Slug")
    visitor_cannot_see_the_translation(new_visitor, base_url)

    # Translated, then published: now visitors see it in Serbian, everywhere.
    translate_field(page, "Title", TITLE_SR)
    translate_field(page, "Summary", SUMMARY_SR)
    page.get_by_role("tab", name="Promote").click()
    translate_field(page, "Slug", SLUG_SR)
    page.get_by_role("button", name="Publish in Serbian").click()
    expect(page.get_by_text(f"Published '{TITLE_SR}' in Serbian.")).to_be_visible()

    visitor = new_visitor()
    response = visitor.goto(f"{base_url}{SR_PATH}")
    assert response.status == 200
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE_SR)
    expect(visitor.get_by_role("main")).to_contain_text(SUMMARY_SR)
    expect(visitor.get_by_role("main")).not_to_contain_text(SUMMARY)
    visitor.goto(f"{base_url}/sr/publications/")
    expect(visitor.get_by_role("main").get_by_role("link", name=TITLE_SR)).to_be_visible()
    visitor.goto(f"{base_url}/sr/search/?q=skupštinski+nadzor")
    expect(visitor.get_by_role("main").get_by_role("link", name=TITLE_SR)).to_be_visible()
    assert SR_PATH in visitor.request.get(f"{base_url}/sr/publications/feed/").text()
    assert SR_PATH in sitemap_text(visitor, base_url)
    visitor.goto(f"{base_url}{EN_PATH}")
    visitor.get_by_role("navigation", name="Language").get_by_role("link", name="Srpski").click()
    expect(visitor).to_have_url(f"{base_url}{SR_PATH}")

    open_serbian_publications_in_the_explorer(page)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE_SR))
    expect(row.get_by_role("cell", name="Current page status: live")).to_be_visible()
