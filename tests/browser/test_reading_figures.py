"""Reading figures in a real browser: a visitor reads a publication (the beacon fires from
Chromium) and downloads its PDF; an editor finds both in Reports › Reading figures, switches
the period and downloads the CSV; the home page then lists the publication under "Most read"
at both widths."""

import csv
import io
import re
import time

from playwright.sync_api import expect

from publications.models import PublicationPage
from reading.models import DocumentDownloads, PageViews
from tests.browser.test_admin import sign_in

# A desktop Chrome's identification: headless Chromium names itself "HeadlessChrome", which
# the crawler list rightly leaves uncounted.
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_reading_and_a_download_reach_the_report_and_the_home_page(new_page, demo_site):
    publication = (
        PublicationPage.objects.live()
        .filter(locale__language_code="en", pdf__isnull=False)
        .order_by("-publication_date")
        .first()
    )
    visitor = new_page(user_agent=DESKTOP_CHROME)
    with visitor.expect_request(lambda request: "/reading/" in request.url) as beacon:
        visitor.goto(f"{demo_site.url}{publication.url}")
    assert beacon.value.method == "POST"
    assert wait_for(lambda: PageViews.objects.filter(page=publication).exists())
    with visitor.expect_download() as download:
        visitor.locator(".download__button").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert wait_for(lambda: DocumentDownloads.objects.filter(document=publication.pdf).exists())
    # Reading the page again in the same visit counts nothing more.
    visitor.reload()
    visitor.wait_for_timeout(500)
    assert PageViews.objects.get(page=publication).count == 1
    assert visitor.context.cookies() == []
    assert visitor.evaluate("window.localStorage.length + window.sessionStorage.length") == 0

    editor = new_page()
    sign_in(editor, demo_site.url)
    editor.get_by_role("button", name="Reports").click()
    editor.get_by_role("link", name="Reading figures").click()
    expect(editor.get_by_role("heading", name=re.compile("Reading figures"))).to_be_visible()
    row = editor.get_by_role("row").filter(has_text=publication.title)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(1)).to_have_text("English")
    expect(row.get_by_role("cell").nth(2)).to_have_text("1")
    expect(row.get_by_role("cell").nth(3)).to_have_text("1")
    expect(editor.get_by_role("columnheader", name="Views · Last 7 days")).to_be_visible()

    editor.get_by_role("button", name="Show filters").click()
    editor.get_by_role("button", name="Period").click()
    editor.get_by_label("Period").select_option("30")
    expect(editor).to_have_url(re.compile(r"period=30"))
    expect(editor.get_by_role("columnheader", name="Views · Last 30 days")).to_be_visible()
    expect(editor.get_by_role("row").filter(has_text=publication.title)).to_have_count(1)

    editor.get_by_role("button", name="Actions").click()
    with editor.expect_download() as export:
        editor.get_by_role("link", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(open(export.value.path(), encoding="utf-8-sig").read())))
    assert rows[0] == ["Publication", "Language", "Views", "PDF downloads"]
    assert [publication.title, "en", "1", "1"] in rows

    for width, height in ((1280, 900), (390, 844)):
        home = new_page(viewport={"width": width, "height": height}, user_agent=DESKTOP_CHROME)
        home.goto(f"{demo_site.url}/en/")
        most_read = home.get_by_role("region", name="Most read")
        expect(most_read).to_be_visible()
        most_read.scroll_into_view_if_needed()
        expect(most_read.get_by_role("link", name=publication.title)).to_be_visible()
