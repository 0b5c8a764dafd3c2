"""Public pages under their Content Security Policy, which allows only the site's own script
files and no nonce: Chromium reports no violation (JSON-LD blocks are data, not scripts),
and the scripts do their work (the carousel's controls, the comment form's fresh token)."""

import re

from playwright.sync_api import expect

from tests.support.page_types import example_publication

# Collects every violation Chromium reports on the page, from its very start.
LISTEN = """document.addEventListener("securitypolicyviolation", (event) => {
    (window.cspViolations = window.cspViolations || []).push(
        event.violatedDirective + " " + (event.blockedURI || "inline"));
});"""


def open_watched(new_page, url):
    page = new_page()
    page.add_init_script(LISTEN)
    console = []
    page.on("console", lambda message: message.type == "error" and console.append(message.text))
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.headers["content-security-policy"]
    assert "nonce-" not in policy
    assert "script-src 'self'" in [part.strip() for part in policy.split(";")]
    page.wait_for_load_state("networkidle")
    return page, console


def violations(page):
    return page.evaluate("window.cspViolations || []")


def test_public_pages_run_their_scripts_without_a_violation(new_page, demo_site):
    publication = example_publication("en")
    pages = {
        "home": "/en/",
        "publication": publication.url,
        "search": "/en/search/?q=police",
        "e-bulletin": "/en/e-bulletin/",
    }
    reported = {}
    for name, path in pages.items():
        page, console = open_watched(new_page, demo_site.url + path)
        assert page.locator("script:not([src]):not([type='application/ld+json'])").count() == 0
        assert page.locator("script[nonce]").count() == 0
        if name == "publication":
            assert page.locator("script[type='application/ld+json']").count() >= 1
        if violations(page) or [text for text in console if "Content Security" in text]:
            reported[name] = violations(page) + console
        if name == "home":
            carousel = page.locator("[data-carousel]")
            expect(carousel).to_have_class(re.compile("carousel--enhanced"))
            position = page.locator("[data-carousel-position]")
            before = position.inner_text()
            page.locator("[data-carousel-next]").click()
            expect(position).not_to_have_text(before)
        if name == "publication":
            form = page.locator("form.comment-form")
            token = form.locator("input[name=form_token]")
            old_token = token.input_value()
            with page.expect_response(re.compile(r"/comments/[0-9]+/token/")) as fetched:
                form.locator("input[name=name]").focus()
            assert fetched.value.status == 200
            expect(token).not_to_have_value(old_token)
    assert reported == {}
