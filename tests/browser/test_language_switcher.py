"""The header's language switcher: the same page in the other language when it exists,
otherwise the nearest translated section, never a 404; the choice is remembered."""

from playwright.sync_api import expect

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
        "/en/publications/tags/surveillance/",
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
