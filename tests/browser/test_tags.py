"""Tags in two languages: each page shows the tags of its own language, linked to their
counterparts in the other; editors and searchers are offered only the tags of the language
they are working in; translating a page gives the translation tags of its language."""

import re

from playwright.sync_api import expect
from wagtail.models import Locale
from wagtail_localize.models import StringSegment

from publications.models import PublicationPage
from tests.browser.test_editor import open_publications_in_the_explorer, sign_in
from tests.browser.test_language_switcher import switch_to
from tests.site.test_translation_drafts import translate_segments, translation_record

EMERGENCY_EN = "/en/publications/the-security-sector-in-the-state-of-emergency-testing-democracy/"
EMERGENCY_SR = "/sr/publications/sektor-bezbednosti-u-vanrednom-stanju-test-demokratije/"
EMERGENCY_TITLE_EN = "The Security Sector in the State of Emergency: Testing Democracy"
EMERGENCY_TITLE_SR = "Sektor bezbednosti u vanrednom stanju: test demokratije"
CRIME_TITLE_EN = "Crime in the Western Balkans Six at the Time of Coronavirus: Early Findings"
PANDEMIC_TITLE_EN = "Pandemic of geopolitics"
PANDEMIC_TITLE_SR = "Pandemija geopolitike"
PANDEMIC_SUMMARY_SR = "Kako pandemija COVID-19 utiče na spoljnu politiku Srbije."
PANDEMIC_SLUG_SR = "pandemija-geopolitike"


def tag_links(page):
    """{name: address} of the tags listed on a publication."""
    links = page.locator(".tag-list").get_by_role("link")
    expect(links.first).to_be_visible()
    return {
        links.nth(index).inner_text(): links.nth(index).get_attribute("href")
        for index in range(links.count())
    }


def hreflang(page, code):
    return page.locator(f'link[rel="alternate"][hreflang="{code}"]').get_attribute("href")


def test_each_language_shows_its_own_tags_linked_to_each_other(page, demo_site):
    base = demo_site.url
    page.goto(f"{base}{EMERGENCY_EN}")
    assert tag_links(page) == {
        "state of emergency": "/en/publications/tags/state-of-emergency/",
        "COVID-19": "/en/publications/tags/covid-19/",
        "democratic control": "/en/publications/tags/democratic-control/",
    }

    page.get_by_role("link", name="state of emergency", exact=True).click()
    expect(page).to_have_url(f"{base}/en/publications/tags/state-of-emergency/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Publications tagged “state of emergency”"
    )
    assert hreflang(page, "sr").endswith("/sr/publications/tags/vanredno-stanje/")

    # The switcher leads to the same tag in Serbian, with its Serbian name and address.
    switch_to(page, "Srpski")
    expect(page).to_have_url(f"{base}/sr/publications/tags/vanredno-stanje/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Publikacije sa oznakom „vanredno stanje“"
    )
    assert hreflang(page, "en").endswith("/en/publications/tags/state-of-emergency/")
    page.get_by_role("main").get_by_role("link", name=EMERGENCY_TITLE_SR).click()
    expect(page).to_have_url(f"{base}{EMERGENCY_SR}")
    assert tag_links(page) == {
        "vanredno stanje": "/sr/publications/tags/vanredno-stanje/",
        "COVID-19": "/sr/publications/tags/covid-19/",
        "demokratska kontrola": "/sr/publications/tags/demokratska-kontrola/",
    }

    # A tag with the same name in both languages is still two tags: each lists its own.
    page.get_by_role("link", name="COVID-19", exact=True).click()
    expect(page).to_have_url(f"{base}/sr/publications/tags/covid-19/")
    results = page.get_by_role("main")
    expect(results.get_by_role("link", name=EMERGENCY_TITLE_SR)).to_be_visible()
    expect(results.get_by_role("link", name=CRIME_TITLE_EN)).to_have_count(0)
    switch_to(page, "English")
    expect(page).to_have_url(f"{base}/en/publications/tags/covid-19/")
    expect(page.get_by_role("main").get_by_role("link", name=CRIME_TITLE_EN)).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name=EMERGENCY_TITLE_SR)).to_have_count(0)


def suggested_tags(page):
    return set(page.locator("#tag-suggestions option").evaluate_all("o => o.map(x => x.value)"))


def test_search_suggests_and_accepts_the_tags_of_its_language(page, demo_site):
    base = demo_site.url
    page.goto(f"{base}/sr/search/")
    page.get_by_role("search", name="Pretraga publikacija").get_by_text("Napredna pretraga").click()
    suggestions = suggested_tags(page)
    assert {"vanredno stanje", "demokratija", "COVID-19"} <= suggestions
    assert not suggestions & {"state of emergency", "democracy", "surveillance"}
    page.get_by_role("combobox", name="Oznaka").fill("vanredno stanje")
    page.get_by_role("button", name="Pretražite uz ove filtere").click()
    results = page.get_by_role("main")
    expect(results.get_by_role("link", name=EMERGENCY_TITLE_SR)).to_be_visible()
    expect(results).to_contain_text("Oznaka: vanredno stanje")

    page.goto(f"{base}/en/search/")
    page.get_by_role("search", name="Search publications").get_by_text("Advanced search").click()
    suggestions = suggested_tags(page)
    assert {"state of emergency", "democracy", "COVID-19"} <= suggestions
    assert not suggestions & {"vanredno stanje", "demokratija", "video-nadzor"}
    # A Serbian tag's name is not an English tag: said so, with what was typed kept.
    page.get_by_role("combobox", name="Tag").fill("vanredno stanje")
    page.get_by_role("button", name="Search with these filters").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("There is no tag called “vanredno stanje”.")
    expect(page.get_by_role("combobox", name="Tag")).to_have_value("vanredno stanje")
    page.get_by_role("combobox", name="Tag").fill("state of emergency")
    page.get_by_role("button", name="Search with these filters").click()
    expect(page.get_by_role("main").get_by_role("link", name=EMERGENCY_TITLE_EN)).to_be_visible()


def expect_autocomplete_offers(page, typed, offers):
    """Type into the tags field; the widget asks again after each key press, so wait until
    the list shows `offers` (the answer to the last one)."""
    tags = page.get_by_role("region", name="Tags").get_by_role("textbox")
    tags.fill("")
    tags.press_sequentially(typed, delay=50)
    menu = page.locator(".ui-autocomplete").filter(has=page.locator(".ui-menu-item"))
    expect(menu.locator(".ui-menu-item")).to_have_text(offers)


def test_tag_autocomplete_offers_the_tags_of_the_pages_language(page, demo_site):
    base = demo_site.url
    sign_in(page, base)
    serbian = PublicationPage.objects.get(
        url_path__endswith="/sektor-bezbednosti-u-vanrednom-stanju-test-demokratije/"
    )
    english = PublicationPage.objects.get(
        url_path__endswith="/the-security-sector-in-the-state-of-emergency-testing-democracy/"
    )
    page.goto(f"{base}/admin/pages/{serbian.pk}/edit/")
    expect_autocomplete_offers(page, "dem", ["demokratija", "demokratska kontrola"])
    page.goto(f"{base}/admin/pages/{english.pk}/edit/")
    expect_autocomplete_offers(page, "dem", ["democracy", "democratic control"])


def translate_fields(page, fields):
    for tab, field_name, translated in fields:
        page.get_by_role("tab", name=tab).click()
        field = page.get_by_role("listitem").filter(
            has=page.get_by_role("heading", name=field_name, exact=True)
        )
        field.get_by_role("button", name="Translate").click()
        field.get_by_role("textbox").fill(translated)
        field.get_by_role("button", name="Save").click()
        expect(field.get_by_text(translated)).to_be_visible()


def test_a_translation_gets_serbian_tags_and_editors_name_the_new_ones(page, demo_site):
    base = demo_site.url
    sign_in(page, base)
    open_publications_in_the_explorer(page)
    page.get_by_role("button", name=f"More options for '{PANDEMIC_TITLE_EN}'").click()
    page.get_by_role("link", name="Translate this page").click()
    page.get_by_role("checkbox", name="Serbian").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("successfully submitted for translation into Serbian")).to_be_visible()
    translation_editor = page.url
    # The body and the op-ed's provenance as the translator left them in an earlier sitting;
    # the fields read on the page are typed below.
    english = PublicationPage.objects.get(
        slug="pandemic-of-geopolitics", locale__language_code="en"
    )
    serbian = Locale.objects.get(language_code="sr")
    record = translation_record(english, serbian)
    earlier = set(
        StringSegment.objects.filter(source=record.source).values_list("context__path", flat=True)
    ) - {"title", "summary", "slug"}
    translate_segments(english, serbian, {}, only=earlier)
    page.reload()
    translate_fields(
        page,
        [
            ("Content", "Title", PANDEMIC_TITLE_SR),
            ("Content", "Summary", PANDEMIC_SUMMARY_SR),
            ("Promote", "Slug", PANDEMIC_SLUG_SR),
        ],
    )

    # Every field is translated, but one of the page's tags has no Serbian name yet: the
    # translation waits for it.
    page.get_by_role("button", name="Publish in Serbian").click()
    expect(page.get_by_text(re.compile("not translated yet: Tags"))).to_be_visible()
    assert page.request.get(f"{base}/sr/publications/{PANDEMIC_SLUG_SR}/").status == 404

    # The editor finds the tags still to be named in Serbian and names this one.
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Snippets").click()
    page.get_by_role("link", name=re.compile("^Tags")).click()
    page.get_by_role("button", name="Show filters").click()
    page.get_by_role("button", name="Locale").click()
    page.get_by_role("radio", name="Serbian").check()
    page.get_by_role("button", name="Back").click()
    page.get_by_role("button", name="Needs translation").click()
    page.get_by_role("radio", name="Yes").check()
    page.keyboard.press("Escape")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows.filter(has_text="geopolitics")).to_have_count(1)
    expect(rows).to_have_count(2)  # the heading row and that one
    expect(rows.filter(has_text="geopolitics")).to_contain_text("Serbian")
    rows.filter(has_text="geopolitics").get_by_role("link", name="geopolitics").click()
    page.get_by_role("textbox", name=re.compile("^Name")).fill("geopolitika")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile("'geopolitika' updated"))).to_be_visible()

    page.goto(translation_editor)
    page.get_by_role("button", name="Publish in Serbian").click()
    expect(
        page.get_by_text(re.compile(f"Published '{PANDEMIC_TITLE_SR}' in Serbian"))
    ).to_be_visible()

    # The Serbian page carries the Serbian tags, each by its Serbian name.
    page.goto(f"{base}/en/publications/pandemic-of-geopolitics/")
    switch_to(page, "Srpski")
    expect(page.get_by_role("heading", level=1)).to_have_text(PANDEMIC_TITLE_SR)
    assert tag_links(page) == {
        "spoljna politika": "/sr/publications/tags/spoljna-politika/",
        "COVID-19": "/sr/publications/tags/covid-19/",
        "geopolitika": "/sr/publications/tags/geopolitika/",
    }
    page.get_by_role("link", name="geopolitika", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Publikacije sa oznakom „geopolitika“"
    )
    switch_to(page, "English")
    expect(page).to_have_url(f"{base}/en/publications/tags/geopolitics/")
    expect(page.get_by_role("main").get_by_role("link", name=PANDEMIC_TITLE_EN)).to_be_visible()
