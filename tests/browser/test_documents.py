"""An editor uploads a PDF in the admin's documents library: it is saved at once, and its
text, read by the task worker (at once with the development settings), finds it."""

import re

from playwright.sync_api import expect

from publications.models import PublicationDocument
from publications.pdf import build_simple_pdf
from tests.browser.test_admin import sign_in

TITLE = "Police integrity in Kragujevac"


def test_editor_uploads_a_pdf_and_finds_it_by_its_text(page, demo_site, tmp_path):
    pdf_path = tmp_path / "police-integrity.pdf"
    pdf_path.write_bytes(build_simple_pdf(["Findings on the Šumadija district"], title=TITLE))
    sign_in(page, demo_site.url)

    page.goto(f"{demo_site.url}/admin/documents/")
    page.get_by_role("link", name="Add a document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add documents")
    page.locator("#fileupload").set_input_files(str(pdf_path))
    expect(page.get_by_text("Upload successful.")).to_be_visible()
    page.get_by_role("textbox", name=re.compile("^Title")).fill(TITLE)
    page.get_by_role("button", name="Update").click()
    expect(page.locator(".messages")).to_contain_text("Document updated.")

    document = PublicationDocument.objects.get(title=TITLE)
    assert document.page_count == 2
    assert "Šumadija" in document.extracted_text

    # The library finds it by a word of its text alone.
    page.goto(f"{demo_site.url}/admin/documents/")
    search = page.get_by_role("main").get_by_role("textbox", name=re.compile("^Search"))
    search.fill("Šumadija")
    search.press("Enter")
    expect(page.get_by_role("table").get_by_role("link", name=TITLE)).to_be_visible()
