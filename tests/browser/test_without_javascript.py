from playwright.sync_api import expect


def test_home_page_carousel_is_a_readable_list_without_javascript(page_without_js, demo_site):
    page = page_without_js
    page.goto(f"{demo_site.url}/en/")
    slides = page.locator("[data-carousel-slide]")
    expect(slides).to_have_count(5)
    for index in range(5):
        expect(slides.nth(index)).to_be_visible()
    expect(page.locator("[data-carousel-controls]")).to_be_hidden()


def test_search_works_without_javascript(page_without_js, demo_site):
    page = page_without_js
    page.goto(f"{demo_site.url}/en/")
    page.get_by_role("searchbox", name="Search publications").fill("Hungary")
    page.get_by_role("searchbox", name="Search publications").press("Enter")
    expect(page).to_have_url(f"{demo_site.url}/en/search/?q=Hungary")
    expect(page.get_by_role("link", name="Serbia and Hungary: Hammering Democracy")).to_be_visible()


def test_menu_is_reachable_without_javascript_on_narrow_screens(page_without_js, demo_site):
    page = page_without_js
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{demo_site.url}/en/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator(".menu-toggle")).to_be_hidden()
