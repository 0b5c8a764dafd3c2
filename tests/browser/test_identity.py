"""The logo and the self-hosted type in a real browser: what a first visit to the home page
downloads, and what a visitor (and a screen reader) finds in the header and footer."""

import pytest
from playwright.sync_api import expect

FONT_BUDGET = 120 * 1024  # every font byte of a first visit to the home page


def font_downloads(page):
    """{URL: bytes} of the fonts the page fetched (from the browser's resource timing)."""
    entries = page.evaluate(
        """() => performance.getEntriesByType("resource")
            .filter(entry => entry.name.endsWith(".woff2"))
            .map(entry => [entry.name, entry.encodedBodySize])"""
    )
    urls = [url for url, _size in entries]
    assert len(urls) == len(set(urls)), f"a font was fetched twice: {urls}"
    return dict(entries)


@pytest.mark.parametrize("language", ["en", "sr"])
def test_a_first_visit_to_the_home_page_loads_the_preloaded_fonts_within_budget(
    page, demo_site, language
):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(f"{demo_site.url}/{language}/")
    page.evaluate("document.fonts.ready")
    page.wait_for_load_state("load")

    preloaded = page.eval_on_selector_all(
        'link[rel="preload"][as="font"]', "links => links.map(link => link.href)"
    )
    downloads = font_downloads(page)
    assert set(preloaded) <= set(downloads)
    assert all(url.startswith(f"{demo_site.url}/static/fonts/") for url in downloads)
    assert sum(downloads.values()) <= FONT_BUDGET, downloads
    # The preloaded files are the faces the page sets its text and headings in.
    loaded = page.evaluate(
        """() => [...document.fonts].filter(face => face.status === "loaded")
            .map(face => `${face.family} ${face.weight} ${face.style}`)"""
    )
    assert {"Source Sans 3 400 normal", "Source Serif 4 600 normal"} <= set(loaded)
    assert page.evaluate(
        """() => document.fonts.check('400 1rem "Source Sans 3"', "Đorđević Drajić")
            && document.fonts.check('600 1rem "Source Serif 4"', "Đorđević Drajić")"""
    )
    assert not [text for text in messages if "preload" in text], messages
    assert page.console_errors == []


def test_the_wordmark_names_the_organisation_in_header_and_footer(page, demo_site):
    page.goto(f"{demo_site.url}/en/")
    name = "Belgrade Centre for Security Policy"
    home_link = page.locator("header").get_by_role("link", name=name, exact=True)
    expect(home_link).to_be_visible()
    expect(page.locator("footer").get_by_role("img", name=name, exact=True)).to_be_visible()
    box = home_link.locator("svg").bounding_box()
    assert 40 <= box["height"] <= 56 and box["width"] > 4 * box["height"]
    # The wordmark takes the colour of the text around it (white on the navy header).
    assert home_link.locator("svg").evaluate("svg => getComputedStyle(svg).fill") == (
        home_link.evaluate("link => getComputedStyle(link).color")
    )
    home_link.click()
    expect(page).to_have_url(f"{demo_site.url}/en/")

    page.goto(f"{demo_site.url}/sr/")
    serbian = "Beogradski centar za bezbednosnu politiku"
    expect(page.locator("header").get_by_role("link", name=serbian, exact=True)).to_be_visible()
