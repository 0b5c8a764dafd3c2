"""Searching without words, numbered pages on every list, and the way into advanced search."""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import expect

from authors.models import AuthorPage
from bcsp_site.caching.generation import start_new_generation
from publications.models import PublicationIndexPage, PublicationKind, PublicationPage
from tests.support.factories import PublicationPageFactory
from tests.support.html_validation import html_errors

# The interface words each test reads on screen, in both languages.
WORDS = {
    "en": {
        "advanced": "Advanced search",
        "sort": "Sort by",
        "newest": "Newest first",
        "oldest": "Oldest first",
        "search with filters": "Search with these filters",
        "kind": "Analysis",
        "pages": "Pages",
        "page": "Page {}",
        "previous": "Previous",
        "next": "Next",
        "menu": "Menu",
        "refine": "Refine results",
        "sorted newest": "Sorted newest first.",
        "tag": "surveillance",
        "publications": "publications",
    },
    "sr": {
        "advanced": "Napredna pretraga",
        "sort": "Redosled",
        "newest": "Prvo najnovije",
        "oldest": "Prvo najstarije",
        "search with filters": "Pretražite uz ove filtere",
        "kind": "Analiza",
        "pages": "Stranice",
        "page": "Stranica {}",
        "previous": "Prethodna",
        "next": "Sledeća",
        "menu": "Meni",
        "refine": "Suzite rezultate",
        "sorted newest": "Poređano od najnovijih.",
        "tag": "video-nadzor",
        "publications": "publikacij",
    },
}
ADDED = 30  # enough publications for every list to have several pages
ADDED_YEAR = 2021


def add_publications(language, count=ADDED):
    """`count` publications in `language`: all analyses by Saša Đorđević tagged with WORDS'
    tag, published day after day in ADDED_YEAR."""
    index = PublicationIndexPage.objects.get(locale__language_code=language)
    kind = PublicationKind.objects.get(locale__language_code=language, slug="analysis")
    author = AuthorPage.objects.get(locale__language_code=language, slug="sasa-djordjevic")
    for number in range(count):
        PublicationPageFactory(
            parent=index,
            title=f"Paged publication {number:02d} ({language})",
            slug=f"paged-{number:02d}",
            kind=kind,
            publication_date=datetime.date(ADDED_YEAR, 1, 1) + datetime.timedelta(days=number),
            authors=[author],
            tag_names=[WORDS[language]["tag"]],
        )
    start_new_generation()


def result_titles(page):
    return page.locator(".search-results .card__title").all_inner_texts()


def newest_first(language):
    publications = PublicationPage.objects.live().filter(locale__language_code=language)
    return list(publications.order_by("-publication_date", "-pk").values_list("title", flat=True))


@pytest.mark.parametrize("language", ["en", "sr"])
def test_search_without_words_lists_everything_in_the_chosen_order(page, demo_site, language):
    words = WORDS[language]
    everything = newest_first(language)
    page.goto(f"{demo_site.url}/{language}/search/")
    page.get_by_role("main").get_by_text(words["advanced"], exact=True).click()
    page.get_by_label(words["sort"]).select_option(label=words["newest"])
    page.get_by_role("button", name=words["search with filters"]).click()

    expect(page).to_have_url(re.compile(r"sort=newest"))
    heading = page.locator("#results-heading")
    expect(heading).to_contain_text(re.compile(rf"^{len(everything)} {words['publications']}"))
    expect(page.locator(".search-sort")).to_have_text(words["sorted newest"])
    assert result_titles(page) == everything[:10]
    expect(page.get_by_role("heading", name=words["refine"])).to_be_visible()

    page.get_by_label(words["sort"]).select_option(label=words["oldest"])
    page.get_by_role("button", name=words["search with filters"]).click()
    expect(page).to_have_url(re.compile(r"sort=oldest"))
    assert result_titles(page) == list(reversed(everything))[:10]

    # Filters alone: every analysis, newest first, with the counts to refine by.
    page.get_by_label(words["sort"]).select_option(value="")
    page.get_by_label(words["kind"], exact=True).check()
    page.get_by_role("button", name=words["search with filters"]).click()
    analyses = PublicationPage.objects.live().filter(
        locale__language_code=language, kind__slug="analysis"
    )
    expect(heading).to_contain_text(re.compile(rf"^{analyses.count()} "))
    assert result_titles(page) == list(
        analyses.order_by("-publication_date", "-pk").values_list("title", flat=True)[:10]
    )
    facets = page.locator(".search-facets")
    expect(facets.get_by_role("link", name=re.compile(words["kind"]))).to_have_attribute(
        "aria-current", "true"
    )
    assert page.console_errors == []


def pagination(page, words):
    return page.get_by_role("navigation", name=words["pages"], exact=True)


def current_number(nav):
    return nav.locator("[aria-current='page']").inner_text()


@pytest.mark.parametrize("language", ["en", "sr"])
def test_every_list_has_numbered_pages_that_keep_the_filters(page, demo_site, language):
    add_publications(language)
    words = WORDS[language]
    tag = WORDS[language]["tag"]
    lists = [
        f"/{language}/publications/?kind=analysis",
        f"/{language}/publications/{ADDED_YEAR}/",
        f"/{language}/publications/tags/{tag}/",
        f"/{language}/authors/sasa-djordjevic/",
        f"/{language}/search/?kind=analysis&sort=oldest",
        f"/{language}/search/?q=paged&sort=newest",
    ]
    for address in lists:
        page.goto(f"{demo_site.url}{address}")
        nav = pagination(page, words)
        expect(nav).to_be_visible()
        assert current_number(nav) == "1", address
        expect(nav.get_by_role("link", name=words["previous"])).to_have_count(0)
        last = nav.get_by_role("link", name=re.compile(words["page"].format(r"\d+") + "$")).last
        last_number = int(last.inner_text())
        assert last_number >= 3, address

        nav.get_by_role("link", name=words["page"].format(2), exact=True).click()
        expect(page).to_have_url(re.compile(r"[?&]page=2(&|$)"))
        query = address.partition("?")[2]
        for parameter in filter(None, query.split("&")):
            expect(page).to_have_url(re.compile(re.escape(parameter)))
        nav = pagination(page, words)
        assert current_number(nav) == "2", address

        nav.get_by_role("link", name=words["next"]).click()
        expect(page).to_have_url(re.compile(r"[?&]page=3(&|$)"))
        nav = pagination(page, words)
        nav.get_by_role("link", name=words["previous"]).click()
        expect(page).to_have_url(re.compile(r"[?&]page=2(&|$)"))

        nav = pagination(page, words)
        nav.get_by_role("link", name=words["page"].format(last_number), exact=True).click()
        nav = pagination(page, words)
        assert current_number(nav) == str(last_number), address
        expect(nav.get_by_role("link", name=words["next"])).to_have_count(0)

        nav.get_by_role("link", name=words["page"].format(1), exact=True).click()
        assert "page=" not in page.url.partition("?")[2], page.url
        assert current_number(pagination(page, words)) == "1", address
    assert page.console_errors == []


def visible_pagination_items(nav):
    """The entries shown, as words: previous and next by their names, whether they show as
    words or (on a phone) as arrows."""
    return nav.locator("li").evaluate_all(
        "items => items.filter(item => item.checkVisibility())"
        ".map(item => item.textContent.replace(/[‹›]/g, '').trim())"
    )


def last_number(nav):
    """The number of the last page, whether or not the entry is shown at this width."""
    texts = nav.locator("li").evaluate_all("items => items.map(item => item.textContent.trim())")
    return str(max(int(text) for text in texts if text.isdigit()))


def test_pages_fold_to_first_previous_current_next_last_on_a_phone(browser, page, demo_site):
    call_command("load_demo_content", "--publications", "150", verbosity=0)
    words = WORDS["en"]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_site.url}/en/search/?sort=newest&page=3")
    nav = pagination(page, words)
    last = last_number(nav)
    assert int(last) > 6  # enough pages for the list to fold
    assert visible_pagination_items(nav) == ["Previous", "1", "2", "3", "4", "5", "…", last, "Next"]

    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{demo_site.url}/en/search/?sort=newest&page=3")
    nav = pagination(page, words)
    assert visible_pagination_items(nav) == ["Previous", "1", "…", "3", "…", last, "Next"]
    box = nav.bounding_box()
    tops = nav.locator("li").evaluate_all(
        "items => items.filter(item => item.checkVisibility())"
        ".map(item => item.getBoundingClientRect().top)"
    )
    assert max(tops) - min(tops) < 16, "the page links should fit on one line at 390 px"
    assert box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Without JavaScript the links are the same plain links.
    context = browser.new_context(viewport={"width": 390, "height": 800}, java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(f"{demo_site.url}/en/publications/?page=7")
        nav = pagination(plain, words)
        assert visible_pagination_items(nav) == [
            "Previous",
            "1",
            "…",
            "7",
            "…",
            last_number(nav),
            "Next",
        ]
        nav.get_by_role("link", name="Next").click()
        assert current_number(pagination(plain, words)) == "8"
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "sr"])
def test_header_search_offers_advanced_search(page, demo_site, language):
    words = WORDS[language]
    header = page.get_by_role("banner")
    page.goto(f"{demo_site.url}/{language}/")
    link = header.get_by_role("link", name=words["advanced"])
    expect(link).to_be_visible()
    # Reached from the search box with the keyboard.
    header.get_by_role("searchbox").focus()
    for _ in range(3):
        page.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the advanced search link")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/{language}/search/"))
    main = page.get_by_role("main")
    expect(main.get_by_label(words["sort"])).to_be_visible()
    expect(main.get_by_role("checkbox", name=words["kind"])).to_be_visible()

    # On a phone it sits by the search box, once the menu is open.
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{demo_site.url}/{language}/publications/")
    header.get_by_role("button", name=words["menu"], exact=True).click()
    link = header.get_by_role("link", name=words["advanced"])
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    link.click()
    expect(page.get_by_role("main").get_by_label(words["sort"])).to_be_visible()


CHECKED = {
    "search without words, page 2": "/en/search/?sort=newest&page=2",
    "search by filters, last page": "/en/search/?kind=analysis&sort=oldest&page=99",
    "listing, page 2": "/en/publications/?page=2",
    "author, page 2": "/en/authors/sasa-djordjevic/?page=2",
    "advanced search from the header": "/en/search/?advanced=1",
    "Serbian search without words": "/sr/search/?sort=newest&page=2",
    "Serbian year archive, page 2": f"/sr/publications/{ADDED_YEAR}/?page=2",
}


def test_paged_lists_pass_axe_and_the_nu_checker(page, demo_site, client, tmp_path):
    add_publications("en")
    add_publications("sr")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        for name, address in CHECKED.items():
            page.goto(f"{demo_site.url}{address}")
            violations = Axe().run(page).response["violations"]
            assert violations == [], (name, width, [item["id"] for item in violations])
    host = demo_site.url.split("//")[1]
    documents = {
        name: client.get(address, HTTP_HOST=host).content for name, address in CHECKED.items()
    }
    errors = html_errors(documents, tmp_path)
    assert errors == [], "\n".join(errors)
