"""axe-core and the Nu HTML Checker on every public page type, in both languages.

axe-core (every rule it runs by default, colour contrast included) checks each page type in
the light colour scheme at a desktop and a phone width, and in the dark one
(`prefers-color-scheme`) at the desktop width only: the dark scheme redefines the colour
tokens and nothing else (static/css/site.css), so what it can break is colour contrast, which
does not depend on the width, and the desktop width shows the most text (the whole menu).
The Nu HTML Checker checks each page type once. The page types and their examples come from
the demo content (tests/support/page_types.py).
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.support.html_validation import html_errors
from tests.support.page_types import LANGUAGES, every_page_type, page_types

THEMES = ("light", "dark")
WIDTHS = (1280, 390)
# The (colour scheme, width in px) pairs checked: the dark scheme at the desktop width only.
LOOKS = (("light", 1280), ("light", 390), ("dark", 1280))
HEIGHT = 900

# Sends `fields` to `action` the way a form of the page would: same origin, as a visitor.
POST_FORM = """([action, fields]) => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = action;
    for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.append(input);
    }
    document.body.append(form);
    form.submit();
}"""


def describe(violations):
    return "\n".join(
        f"  {item['id']} ({item['impact']}): {item['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in item["nodes"][:3])
        for item in violations
    )


def assert_no_axe_violations(page, name):
    violations = Axe().run(page).response["violations"]
    assert violations == [], f"{name}:\n{describe(violations)}"


def open_example(page, base_url, example):
    """Open the example as a visitor would (sending its form, if it has one); its status."""
    response = page.goto(base_url + example.path)
    if example.form:
        with page.expect_navigation() as navigation:
            page.evaluate(POST_FORM, [example.path, example.form])
        response = navigation.value
    return response.status


def state_problem(page, name):
    """Why the page is not in the state its name says, as a visitor sees it (or None)."""
    main = page.locator("main")
    results = main.get_by_role("article").count()
    if name.endswith("search with results") and not results:
        return "no results are shown"
    if name.endswith("search with no results") and results:
        return f"{results} results are shown"
    if name.endswith("with errors") and not main.locator('[aria-invalid="true"]').count():
        return "no field is marked invalid"
    return None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("theme", "width"), LOOKS)
def test_every_page_type_has_no_axe_violations(new_page, demo_site, theme, width, language):
    """One browser context per colour scheme, width and language (so the pytest-xdist workers
    share them out), in which each page type is loaded in turn."""
    page = new_page(color_scheme=theme, viewport={"width": width, "height": HEIGHT})
    problems = []
    for name, example in page_types(language).items():
        where = f"{language} {name} at {width} px ({example.path})"
        status = open_example(page, demo_site.url, example)
        if status != example.status:
            problems.append(f"{where}: status {status}, expected {example.status}")
        if problem := state_problem(page, name):
            problems.append(f"{where}: {problem}")
        violations = Axe().run(page).response["violations"]
        if violations:
            problems.append(f"{where}:\n{describe(violations)}")
    assert page.evaluate(f"matchMedia('(prefers-color-scheme: {theme})').matches")
    assert page.evaluate("innerWidth") == width
    assert problems == [], "\n".join(problems)


def test_every_page_type_is_valid_html(demo_site, tmp_path, client):
    host = demo_site.url.split("//")[1]
    documents = {}
    for name, example in every_page_type().items():
        if example.form:
            response = client.post(example.path, example.form, HTTP_HOST=host)
        else:
            response = client.get(example.path, HTTP_HOST=host)
        assert response.status_code == example.status, name
        documents[name] = response.content
    errors = html_errors(documents, tmp_path)
    assert errors == [], "\n".join(errors)
