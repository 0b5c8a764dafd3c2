"""axe-core and the Nu HTML Checker on every kind of public page."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.html_validation import html_errors

PAGES = {
    "home": "/en/",
    "listing": "/en/publications/",
    "year archive": "/en/publications/2019/",
    "tag page": "/en/publications/tags/surveillance/",
    "publication": "/en/publications/the-security-sector-in-a-captured-state/",
    "op-ed": "/en/publications/public-recording-with-secret-cameras/",
    "authors": "/en/authors/",
    "author": "/en/authors/sasa-djordjevic/",
    "search with filters": "/en/search/?q=security&kind=analysis&year_from=2019&year_to=2020",
    "e-bulletin": "/en/e-bulletin/",
    "about": "/en/about/",
    "team": "/en/about/team/",
    "contact": "/en/contact/",
    "serbian team": "/sr/o-nama/tim/",
    "not found": "/en/no-such-page/",
}


def describe(violations):
    return "\n".join(
        f"{item['id']} ({item['impact']}): {item['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in item["nodes"][:3])
        for item in violations
    )


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_axe_violations(page, demo_site, name):
    page.goto(f"{demo_site.url}{PAGES[name]}")
    results = Axe().run(page)
    violations = results.response["violations"]
    assert violations == [], f"{name}: {describe(violations)}"


def test_pages_are_valid_html(demo_site, tmp_path, client):
    host = demo_site.url.split("//")[1]
    documents = {name: client.get(url, HTTP_HOST=host).content for name, url in PAGES.items()}
    errors = html_errors(documents, tmp_path)
    assert errors == [], "\n".join(errors)
