"""The header's language switcher: the same page in the other language when it exists,
otherwise the nearest translated section, never a 404; the choice is remembered."""

import re

from playwright.sync_api import expect
from wagtail.models import Locale

from authors.models import AuthorPage
from bcsp_site.demo.serbian import publish_translation
from publications.models import PublicationIndexPage
from tests.support.factories import PublicationPageFactory

CAPTURED_STATE_EN = "/en/publications/the-security-sector-in-a-captured-state/"
CAPTURED_STATE_SR = "/sr/publications/sektor-bezbednosti-u-zarobljenoj-drzavi/"


def switch_to(page, language):
    switcher = page.get_by_role("navigation", name="Language").or_(
        page.get_by_role("navigation", name="Jezik")
    )
    with page.expect_navigation() as navigation:
        switcher.get_by_role("link", name=language).click()
    return navigation.value


def test_switcher_links_a_translated_page_and_remembers_the_choice(page, demo_site):
    page.goto(f"{demo_site.url}{CAPTURED_STATE_EN}")
    response = switch_to(page, "Srpski")
    assert response.status == 200
    expect(page).to_have_url(f"{demo_site.url}{CAPTURED_STATE_SR}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sektor bezbednosti u zarobljenoj državi"
    )
    expect(page.locator("html")).to_have_attribute("lang", "sr")

    page.goto(f"{demo_site.url}/")
    expect(page).to_have_url(f"{demo_site.url}/sr/")

    page.goto(f"{demo_site.url}{CAPTURED_STATE_SR}")
    switch_to(page, "English")
    expect(page).to_have_url(f"{demo_site.url}{CAPTURED_STATE_EN}")
    page.goto(f"{demo_site.url}/")
    expect(page).to_have_url(f"{demo_site.url}/en/")


def test_switcher_leads_an_untranslated_page_to_the_nearest_translated_section(page, demo_site):
    for english_only in (
        "/en/publications/pandemic-of-geopolitics/",
        "/en/publications/tags/geopolitics/",
    ):
        page.goto(f"{demo_site.url}{english_only}")
        link = page.get_by_role("navigation", name="Language").get_by_role("link", name="Srpski")
        expect(link).to_have_attribute(
            "title",
            "This page is not available in that language; "
            "this link opens the nearest page that is.",
        )
        response = switch_to(page, "Srpski")
        assert response.status == 200, english_only
        expect(page).to_have_url(f"{demo_site.url}/sr/publications/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Publikacije")


def more_publications_by(author_slug, count):
    """`count` more publications by the author, each with its Serbian translation."""
    index = PublicationIndexPage.objects.get(locale__language_code="en")
    author = AuthorPage.objects.get(slug=author_slug, locale__language_code="en")
    serbian = Locale.objects.get(language_code="sr")
    for number in range(count):
        english = PublicationPageFactory(
            parent=index,
            title=f"Border police report {number}",
            slug=f"border-police-report-{number}",
            authors=[author],
        )
        english.save_revision().publish()
        publish_translation(
            english,
            serbian,
            title=f"Izveštaj granične policije {number}",
            slug=f"izvestaj-granicne-policije-{number}",
        )


def current_page_number(page):
    return page.locator(".pagination [aria-current='page']")


def test_switcher_keeps_a_tag_page_and_a_year(page, demo_site):
    """The same tag in the other language, under its own name and address; the same year."""
    base = demo_site.url
    page.goto(f"{base}/en/publications/tags/state-of-emergency/")
    switch_to(page, "Srpski")
    expect(page).to_have_url(f"{base}/sr/publications/tags/vanredno-stanje/")
    switch_to(page, "English")
    expect(page).to_have_url(f"{base}/en/publications/tags/state-of-emergency/")

    page.goto(f"{base}/en/publications/")
    page.get_by_role("link", name="Year: 2020").click()
    switch_to(page, "Srpski")
    expect(page).to_have_url(f"{base}/sr/publications/2020/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Publikacije iz 2020. godine")


def test_switcher_keeps_a_search_with_its_words_and_filters(page, demo_site):
    base = demo_site.url
    page.goto(f"{base}/en/search/")
    page.get_by_role("searchbox", name="Keywords").fill("security")
    page.get_by_role("search", name="Search publications").get_by_text("Advanced search").click()
    page.get_by_label("Analysis").check()
    page.get_by_role("combobox", name="Tag").fill("state of emergency")
    page.get_by_role("button", name="Search with these filters").click()
    expect(page.get_by_role("main")).to_contain_text("Tag: state of emergency")
    switch_to(page, "Srpski")
    expect(page).to_have_url(re.compile(r"/sr/search/\?"))
    expect(page.get_by_role("searchbox", name="Ključne reči")).to_have_value("security")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Vrsta: Analiza")
    expect(main).to_contain_text("Oznaka: vanredno stanje")
    switch_to(page, "English")
    expect(page.get_by_role("main")).to_contain_text("Tag: state of emergency")


def test_switcher_keeps_the_page_number(page, demo_site):
    """An author's second page of publications, and the listing's."""
    base = demo_site.url
    more_publications_by("sasa-djordjevic", 10)
    page.goto(f"{base}/en/authors/sasa-djordjevic/")
    pages = page.get_by_role("navigation", name="Pages")
    pages.get_by_role("link", name=re.compile(r"^(Next|2)$")).first.click()
    expect(page).to_have_url(f"{base}/en/authors/sasa-djordjevic/?page=2")
    switch_to(page, "Srpski")
    expect(page).to_have_url(f"{base}/sr/authors/sasa-djordjevic/?page=2")
    expect(current_page_number(page)).to_contain_text("2")
    page.goto(f"{base}/en/publications/?page=2")
    switch_to(page, "Srpski")
    expect(page).to_have_url(f"{base}/sr/publications/?page=2")
    expect(current_page_number(page)).to_contain_text("2")
