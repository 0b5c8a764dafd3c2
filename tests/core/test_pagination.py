"""Numbered page links, the same on every paginated list, and which page an address asks for."""

import datetime
import re

import pytest
from django.core.paginator import Paginator as DjangoPaginator
from django.http import Http404

from bcsp_site.core import pagination
from bcsp_site.core.pagination import MAX_PAGE, Paginator, page_links
from tests.support.factories import (
    AuthorPageFactory,
    PublicationKindFactory,
    PublicationPageFactory,
)

pytestmark = pytest.mark.django_db


def shown(number, pages, query="", path="/en/publications/"):
    """The page links as wide and as narrow screens show them: numbers, [current], gaps."""
    page_obj = DjangoPaginator(range(pages), 1).page(number)
    links = page_links(page_obj, query, path)
    wide, narrow = [], []
    for entry in links["entries"]:
        text = "…" if entry.get("gap") else str(entry["number"])
        if entry.get("current"):
            text = f"[{text}]"
        if entry["only"] != "narrow":
            wide.append(text)
        if entry["only"] != "wide":
            narrow.append(text)
    return " ".join(wide), " ".join(narrow), links


@pytest.mark.parametrize(
    ("number", "pages", "wide", "narrow"),
    [
        (1, 2, "[1] 2", "[1] 2"),
        (2, 3, "1 [2] 3", "1 [2] 3"),
        (1, 16, "[1] 2 3 … 16", "[1] … 16"),
        (3, 16, "1 2 [3] 4 5 … 16", "1 … [3] … 16"),
        (8, 16, "1 … 6 7 [8] 9 10 … 16", "1 … [8] … 16"),
        (15, 16, "1 … 13 14 [15] 16", "1 … [15] 16"),
        (16, 16, "1 … 14 15 [16]", "1 … [16]"),
        (4, 6, "1 2 3 [4] 5 6", "1 … [4] … 6"),
    ],
)
def test_page_links_show_ends_and_neighbours_wide_and_only_ends_narrow(number, pages, wide, narrow):
    assert shown(number, pages)[:2] == (wide, narrow)


def test_page_links_keep_the_query_and_page_one_is_the_lists_own_address():
    _wide, _narrow, links = shown(2, 3, query="kind=report&sort=oldest")
    urls = {entry["number"]: entry["url"] for entry in links["entries"] if not entry.get("gap")}
    assert urls == {
        1: "?kind=report&sort=oldest",
        2: "?kind=report&sort=oldest&page=2",
        3: "?kind=report&sort=oldest&page=3",
    }
    assert links["previous"] == urls[1]
    assert links["next"] == urls[3]
    _wide, _narrow, links = shown(2, 2)
    assert links["previous"] == "/en/publications/"
    assert links["next"] is None


@pytest.mark.parametrize(
    ("asked", "expected"),
    [("", 1), ("abc", 1), ("1.5", 1), ("0", 1), ("-4", 1), ("3", 3), ("4", 4), ("99", 4)],
)
def test_paginator_takes_numbers_below_one_as_the_first_page_and_past_the_end_as_the_last(
    asked, expected
):
    assert Paginator(range(40), 10).get_page(asked).number == expected
    assert Paginator(range(40), 10).get_page(str(MAX_PAGE)).number == 4


@pytest.mark.parametrize("asked", [str(MAX_PAGE + 1), "9" * 40])
def test_no_list_has_a_page_above_the_deepest(asked):
    with pytest.raises(Http404):
        Paginator(range(40), 10).get_page(asked)


# Every paginated list answers page numbers the same way -----------------------------------


@pytest.fixture
def many(publication_index, author_index):
    """Enough analyses by one author, with one tag, in one year, for three pages of each list."""
    kind = PublicationKindFactory(name="Analysis", slug="analysis")
    author = AuthorPageFactory(parent=author_index, title="Ana Petrović", slug="ana")
    for number in range(30):
        PublicationPageFactory(
            parent=publication_index,
            title=f"Paged {number:02d}",
            slug=f"paged-{number:02d}",
            kind=kind,
            publication_date=datetime.date(2021, 1, 1) + datetime.timedelta(days=number),
            authors=[author],
            tag_names=["police"],
        )


LISTS = {
    # address: number of pages
    "/en/publications/": 3,
    "/en/publications/?kind=analysis": 3,
    "/en/publications/2021/": 3,
    "/en/publications/tags/police/": 3,
    "/en/authors/ana/": 3,
    "/en/search/?kind=analysis": 3,
    "/en/search/?sort=newest": 3,
}


def current_page(html):
    return int(re.search(r'aria-label="Page (\d+)" aria-current="page"', html).group(1))


@pytest.mark.parametrize("address", LISTS)
@pytest.mark.parametrize(("asked", "expected"), [("0", 1), ("2", 2), ("200", "last")])
def test_every_list_answers_page_numbers_alike(client, many, address, asked, expected):
    joiner = "&" if "?" in address else "?"
    response = client.get(f"{address}{joiner}page={asked}")
    if asked == "0" and not address.startswith("/en/search/"):
        # The first page has one address: the list's own.
        assert (response.status_code, response["Location"]) == (301, address)
        response = client.get(address)
    assert response.status_code == 200
    html = response.content.decode()
    assert current_page(html) == (LISTS[address] if expected == "last" else expected)
    assert '<nav class="pagination" aria-label="Pages">' in html


@pytest.mark.parametrize("address", LISTS)
def test_every_list_stops_at_the_deepest_page_and_says_how_to_go_further(
    client, many, address, monkeypatch
):
    monkeypatch.setattr(pagination, "MAX_PAGE", 2)
    joiner = "&" if "?" in address else "?"
    response = client.get(f"{address}{joiner}page=2")
    assert response.status_code == 200
    html = response.content.decode()
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S).group(0)
    assert "page=3" not in nav  # the last page shown is the deepest
    assert 'rel="next"' not in nav
    assert "The list stops here, at page 2." in html
    assert "The list stops here" not in client.get(address).content.decode()
    assert client.get(f"{address}{joiner}page=3").status_code == 404


@pytest.mark.parametrize("address", LISTS)
def test_every_lists_page_links_keep_its_parameters(client, many, address):
    path, _, query = address.partition("?")
    html = client.get(f"{address}").content.decode()
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S).group(0)
    hrefs = re.findall(r'href="([^"]*)"', nav)
    expected_first = f"?{query}" if query else path
    query_prefix = f"?{query}&amp;" if query else "?"
    assert hrefs == [
        expected_first,
        f"{query_prefix}page=2",
        f"{query_prefix}page=3",
        f"{query_prefix}page=2",  # Next
    ]
