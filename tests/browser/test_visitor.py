import re

from playwright.sync_api import expect


def tab_to(page, locator, limit=80):
    """Press Tab until `locator` has keyboard focus (keyboard-only navigation)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Could not reach {locator} with the Tab key")


def visible_slide_title(page):
    return page.locator("[data-carousel-slide][aria-hidden='false'] .carousel__title").inner_text()


def test_visitor_journey_carousel_author_year_and_tag(page, demo_site):
    page.goto(f"{demo_site.url}/en/")
    carousel = page.locator("[data-carousel]")
    expect(carousel).to_have_class(re.compile("carousel--enhanced"))
    first_title = visible_slide_title(page)
    assert first_title == "Serbia and Hungary: Hammering Democracy"

    # Pause, next and previous, with the keyboard only.
    pause = page.locator("[data-carousel-pause]")
    tab_to(page, pause)
    page.keyboard.press("Enter")
    expect(pause).to_have_attribute("aria-pressed", "true")
    expect(pause).to_have_text("Start rotation")
    next_button = page.locator("[data-carousel-next]")
    tab_to(page, next_button)
    page.keyboard.press("Enter")
    assert visible_slide_title(page) == "The Security Sector in a Captured State"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.hasAttribute('data-carousel-prev')")
    page.keyboard.press("Enter")
    assert visible_slide_title(page) == first_title
    for _ in range(3):
        tab_to(page, next_button)
        page.keyboard.press("Enter")
    title = "Crime in the Western Balkans Six at the Time of Coronavirus: Early Findings"
    assert visible_slide_title(page) == title
    # Hidden slides' links are out of the tab order, so Tab lands in the visible slide.
    link = page.get_by_role("link", name=title)
    tab_to(page, link)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("link", name="Saša Đorđević").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Saša Đorđević")
    page.get_by_role("link", name="Public Recording with Secret Cameras").click()
    expect(page.locator(".provenance")).to_contain_text(
        "Originally published on Peščanik in Serbian. Translated by BCSP intern Pavle Nedić."
    )
    page.get_by_role("link", name="Year: 2019").first.click()
    expect(page).to_have_url(f"{demo_site.url}/en/publications/2019/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Publications from 2019")
    page.get_by_role("link", name="Public Recording with Secret Cameras").click()
    page.get_by_role("link", name="surveillance").click()
    expect(page).to_have_url(f"{demo_site.url}/en/publications/tags/surveillance/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("surveillance")
    expect(page.get_by_role("link", name="Public Recording with Secret Cameras")).to_be_visible()
    assert page.console_errors == []


def test_carousel_never_traps_the_keyboard(page, demo_site):
    page.goto(f"{demo_site.url}/en/")
    next_button = page.locator("[data-carousel-next]")
    tab_to(page, next_button)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("!document.activeElement.closest('[data-carousel]')"):
            break
    else:
        raise AssertionError("Tab never left the carousel")


def test_carousel_does_not_rotate_with_reduced_motion(browser, demo_site):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.clock.install()
    page.goto(f"{demo_site.url}/en/")
    first = visible_slide_title(page)
    page.clock.run_for(30_000)
    assert visible_slide_title(page) == first
    expect(page.locator("[data-carousel-pause]")).to_have_attribute("aria-pressed", "true")
    context.close()


def test_carousel_rotates_on_its_own(page, demo_site):
    page.clock.install()
    page.goto(f"{demo_site.url}/en/")
    first = visible_slide_title(page)
    page.clock.run_for(8_000)
    assert visible_slide_title(page) != first


def test_skip_link_moves_focus_to_main_content(page, demo_site):
    page.goto(f"{demo_site.url}/en/publications/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("element => element === document.activeElement")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main-content"
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_focus_is_visible_on_links_and_buttons(page, demo_site):
    page.goto(f"{demo_site.url}/en/publications/")
    for _ in range(12):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert outline[0] != "none" and outline[1] != "0px", outline


def test_layout_holds_at_narrow_and_wide_widths(page, demo_site):
    for url in [
        "/en/",
        "/en/publications/",
        "/en/publications/public-recording-with-secret-cameras/",
    ]:
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{demo_site.url}{url}")
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            wide = page.evaluate(
                "w => [...document.querySelectorAll('body *')]"
                ".filter(e => e.getBoundingClientRect().right > w + 1)"
                ".slice(0, 5).map(e => e.tagName + '.' + e.className)",
                width,
            )
            assert scroll_width <= width, (url, width, scroll_width, wide)


def test_narrow_screen_menu_toggle_works_with_keyboard(page, demo_site):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{demo_site.url}/en/")
    toggle = page.get_by_role("button", name="Menu", exact=True)
    expect(toggle).to_be_visible()
    menu = page.locator(f"#{toggle.get_attribute('aria-controls')}")
    expect(menu).to_be_hidden()
    tab_to(page, toggle)
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_escape_closes_the_narrow_screen_menu_and_returns_focus(page, demo_site):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{demo_site.url}/en/about/")
    toggle = page.locator(".menu-toggle")
    tab_to(page, toggle)
    page.keyboard.press("Enter")
    main_menu = page.get_by_role("navigation", name="Main")
    expect(main_menu.get_by_role("link", name="About us")).to_have_attribute("aria-current", "page")
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#site-menu")).to_be_hidden()
    expect(toggle).to_be_focused()


def test_carousel_controls_fit_one_line_on_a_phone_and_slides_turn_with_a_swipe(browser, demo_site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    page.goto(f"{demo_site.url}/en/")
    controls = page.locator("[data-carousel-controls] button")
    expect(controls).to_have_count(3)
    tops = {round(box["y"]) for box in (controls.nth(i).bounding_box() for i in range(3))}
    assert len(tops) == 1, f"the carousel's buttons are on {len(tops)} lines"
    expect(page.locator("[data-carousel-position]")).to_have_text("1 / 5")

    first = visible_slide_title(page)
    slides = page.locator(".carousel__slides")
    box = slides.bounding_box()
    y = box["y"] + box["height"] / 2

    def swipe(from_x, to_x):
        for kind, x in (("pointerdown", from_x), ("pointerup", to_x)):
            slides.dispatch_event(
                kind, {"pointerType": "touch", "clientX": x, "clientY": y, "bubbles": True}
            )

    swipe(box["x"] + box["width"] * 0.8, box["x"] + box["width"] * 0.2)  # right to left: next
    assert visible_slide_title(page) == "The Security Sector in a Captured State"
    expect(page.locator("[data-carousel-position]")).to_have_text("2 / 5")
    swipe(box["x"] + box["width"] * 0.2, box["x"] + box["width"] * 0.8)  # left to right: back
    assert visible_slide_title(page) == first
    context.close()
