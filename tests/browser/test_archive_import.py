"""After importing the sample archive, an editor finds an imported publication in the page
explorer, sees what the import made of it in the edit form, and finds its old address among
the redirects."""

import json
import re
import shutil
from pathlib import Path

from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.test_editor import open_publications_in_the_explorer, sign_in

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import" / "sample"
# The demo has a publication of this title already: the imported one is told apart.
TITLE = "The Security Sector in the State of Emergency: Testing Democracy (archive)"
OLD_PATH = "/en/publication/the-security-sector-in-the-state-of-emergency-testing-democracy"


def import_sample(folder):
    shutil.copytree(SAMPLE, folder)
    manifest = folder / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    row = json.loads(lines[4])
    row["title"] = TITLE
    lines[4] = json.dumps(row)
    manifest.write_text("\n".join(lines) + "\n")
    call_command("import_archive", str(manifest), verbosity=0)


def test_an_editor_finds_an_imported_publication_and_its_redirect(page, demo_site, tmp_path):
    import_sample(tmp_path / "sample")
    sign_in(page, demo_site.url)

    open_publications_in_the_explorer(page)
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)

    # The body's blocks: headings, running text, the chart, the table and the quote.
    body = page.get_by_role("region", name=re.compile("^Body"))
    expect(body.get_by_role("textbox", name=re.compile("^Text")).first).to_have_value("Summary")
    expect(body).to_contain_text("52 days")
    expect(body).to_contain_text("emergency-decrees-chart.png")
    captions = body.get_by_role("textbox", name=re.compile("^Caption"))
    expect(captions).to_have_count(2)  # the chart's and the table's
    expect(captions.nth(1)).to_have_value("Decrees by subject")
    fields = body.locator("input, textarea").evaluate_all("fields => fields.map(f => f.value)")
    assert any("reserved for calm times" in value for value in fields)  # the quote

    authors = page.get_by_role("region", name=re.compile("^Authors"))
    for name in ("Isidora Stakić", "Jelena Pejić Nikić", "Saša Đorđević"):
        expect(authors).to_contain_text(name)  # the demo's authors, found by name
    tags = page.get_by_role("region", name="Tags")
    expect(tags).to_contain_text("state of emergency")
    expect(tags).to_contain_text("COVID-19")
    expect(page.get_by_role("region", name="PDF")).to_contain_text(f"{TITLE} (PDF)")
    footnotes = page.get_by_role("region", name="Footnotes", exact=True)
    expect(footnotes).to_contain_text("The decision on the state of emergency was taken")
    expect(footnotes).to_contain_text("Protector of Citizens")
    page.screenshot(path="test-artifacts/browser/archive-import-edit-form.png", full_page=True)

    page.goto(f"{demo_site.url}/admin/redirects/")
    row = page.get_by_role("row").filter(has_text=OLD_PATH)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("permanent", ignore_case=True)
    page.screenshot(path="test-artifacts/browser/archive-import-redirects.png")
