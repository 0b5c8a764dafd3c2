"""`manage.py import_archive`: the sample manifest in docs/import/sample/ imported into a
site in two languages, again, edited, dry, and with a row failing half-way."""

import importlib.util
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision
from wagtail_footnotes.models import Footnote

from authors.models import AuthorPage
from publications.archive_import.importer import ArchiveImporter
from publications.models import ArchiveRecord, OpEdPage, PublicationPage, PublicationTag
from tests.site.test_query_counts import count_queries

pytestmark = pytest.mark.django_db

EMERGENCY = "The Security Sector in the State of Emergency: Testing Democracy"
EMERGENCY_OLD_PATH = (
    "/en/publication/the-security-sector-in-the-state-of-emergency-testing-democracy/"
)
REJECTED = {
    21: "not valid JSON",
    22: "title is missing",
    23: "kind 'newsletter' is not a published kind",
    24: "date '2019-02-30' is not a date",
    25: "language 'de' is not one of en, sr",
    26: "does not look like a real .pdf file",
    27: "pdf 'pdfs/oversight-in-numbers.pdf': no such file",
    28: "cover_image 'images/not-a-picture.png': not an image",
    29: "is also on line 9",
}


def run(manifest, *args, verbosity=1):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_archive", str(manifest), *args, verbosity=verbosity, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def site_state():
    """What an import may change, counted."""
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "redirects": Redirect.objects.count(),
        "tags": PublicationTag.objects.count(),
        "footnotes": Footnote.objects.count(),
        "records": ArchiveRecord.objects.count(),
        "files": len(media_files()),
    }


def uploaded_images():
    """Images imported from files (not the pictures drawn of PDFs' first pages)."""
    drawn = get_document_model().objects.exclude(first_page_image=None)
    return get_image_model().objects.exclude(pk__in=drawn.values("first_page_image"))


def test_the_sample_imports_with_its_authors_tags_files_and_redirects(two_languages, sample):
    out, _err = run(sample)

    assert "Created 20, updated 0, unchanged 0, rejected 9" in out
    pages = PublicationPage.objects.all()
    assert pages.filter(locale__language_code="en").count() == 12
    assert pages.filter(locale__language_code="sr").count() == 8
    assert all(page.live and not page.has_unpublished_changes for page in pages)
    assert OpEdPage.objects.count() == 4
    # Authors by name, once each in each language, whatever the spelling of diacritics.
    assert AuthorPage.objects.filter(locale__language_code="en").count() == 7
    assert AuthorPage.objects.filter(locale__language_code="sr").count() == 7
    sasa = AuthorPage.objects.get(locale__language_code="sr", title="Saša Đorđević")
    assert sasa.get_translation(AuthorPage.objects.get(title="Sasa Djordjevic").locale)
    assert PublicationTag.objects.filter(locale__language_code="en").count() == 13
    assert PublicationTag.objects.filter(locale__language_code="sr").count() == 13
    # The cover used by both languages is stored once; the chart is the body's picture.
    assert uploaded_images().count() == 4
    assert get_document_model().objects.count() == 3
    assert Redirect.objects.filter(is_permanent=True).count() == 20
    assert Footnote.objects.count() == 5

    # Rows that cannot be imported are reported with their line and the reason.
    for line, reason in REJECTED.items():
        assert f"line {line}: rejected: " in out
        reported = next(text for text in out.splitlines() if text.startswith(f"line {line}:"))
        assert reason in reported, reported
    assert "line 5: warning: body line 18: <video> has no block; kept as text" in out
    assert not PublicationPage.objects.filter(title="Annual Report 2019").exists()
    assert not ArchiveRecord.objects.filter(old_url__contains="missing-pdf").exists()


def test_an_imported_page_shows_its_blocks_and_keeps_its_footnotes(two_languages, sample, client):
    run(sample)
    page = PublicationPage.objects.get(title=EMERGENCY)

    assert [block.block_type for block in page.body] == [
        "heading",
        "paragraph",
        "heading",
        "paragraph",
        "image",
        "heading",
        "table",
        "quote",
        "paragraph",
    ]
    paragraph = page.body[1].value.source
    notes = list(Footnote.objects.filter(page=page).order_by("sort_order"))
    assert [note.text for note in notes] == [
        "<p>The decision on the state of emergency was taken on 15 March 2020.</p>",
        "<p>See the reports of the <i>Protector of Citizens</i>.</p>",
    ]
    reference = f'<footnote id="{notes[0].uuid}">[{str(notes[0].uuid)[:6]}]</footnote>'
    assert reference in paragraph
    assert "<b>52 days</b>" in paragraph and "<i>security sector</i>" in paragraph
    assert all(note.locale_id == page.locale_id for note in notes)

    response = client.get(page.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="summary"' in html or ">Summary</h2>" in html
    assert "<li>decrees adopted by the Government and their legal basis;</li>" in html
    assert "Decrees by subject" in html
    assert re.search(r"<td[^>]*>\s*Movement of people\s*</td>", html)
    assert 'alt="Bar chart of decrees adopted each week of the state of emergency"' in html
    assert "Decrees adopted each week, March to May 2020" in html
    assert "not a luxury reserved for calm times" in html
    assert '<a href="https://www.paragraf.rs/">decrees</a>' in html
    assert "Video of the press briefing of 8 June 2020" in html  # kept as text
    # The notes read as the editor's do: numbered in the text, listed after it, linked both ways.
    assert f"[{str(notes[0].uuid)[:6]}]" not in html
    for number in (1, 2):
        assert (
            f'<a href="#note-{number}" id="note-{number}-ref-1" role="doc-noteref" '
            f'aria-label="Note {number}">{number}</a>'
        ) in html
    notes_section = html[html.index('role="doc-endnotes"') :]
    assert notes_section.index("was taken on 15 March 2020") < notes_section.index(
        "<i>Protector of Citizens</i>"
    )
    assert 'href="#note-1-ref-1" role="doc-backlink"' in notes_section

    # The old address leads there for good.
    response = client.get(EMERGENCY_OLD_PATH)

    assert response.status_code == 301
    assert response["Location"].endswith(page.url)

    # A translation group becomes a page and its translation.
    english = PublicationPage.objects.get(title="Pandemic of geopolitics")
    serbian = PublicationPage.objects.get(title="Pandemija geopolitike")

    assert serbian.translation_key == english.translation_key
    assert english.get_translation(serbian.locale).pk == serbian.pk
    assert serbian.live
    assert serbian.get_parent().locale == serbian.locale
    assert serbian.specific.outlet_name == "Vreme"
    assert [link.author.title for link in serbian.author_links.all()] == ["Igor Bandović"]
    assert [tag.name for tag in serbian.tags.all()] == ["spoljna politika", "COVID-19"]


def test_running_it_again_changes_nothing_and_an_edited_row_updates_its_page(two_languages, sample):
    run(sample)
    before = site_state()

    out, _err = run(sample)

    assert "Created 0, updated 0, unchanged 20, rejected 9" in out
    assert site_state() == before

    page = PublicationPage.objects.get(title=EMERGENCY)
    revisions = page.revisions.count()
    before = site_state()
    lines = sample.read_text().splitlines()
    row = json.loads(lines[4])
    row["title"] = "Testing Democracy: the Security Sector in the State of Emergency"
    row["body"] = row["body"].replace("52 days", "fifty-two days")
    lines[4] = json.dumps(row)
    sample.write_text("\n".join(lines) + "\n")

    out, _err = run(sample)

    assert "Created 0, updated 1, unchanged 19, rejected 9" in out
    page.refresh_from_db()
    assert page.title == row["title"] and page.live and not page.has_unpublished_changes
    assert page.revisions.count() == revisions + 1
    assert "fifty-two days" in page.body[1].value.source
    after = site_state()
    assert after == {**before, "revisions": before["revisions"] + 1}  # nothing duplicated


def test_a_dry_run_reports_the_same_and_changes_nothing(two_languages, sample):
    before = site_state()

    out, _err = run(sample, "--dry-run")

    assert "Would create 20, would update 0, unchanged 0, rejected 9" in out
    assert "Dry run: nothing was changed." in out
    assert "line 26: rejected: " in out
    assert site_state() == before

    # After an import, it tells what would be updated.
    run(sample)
    lines = sample.read_text().splitlines()
    row = json.loads(lines[0])
    row["summary"] = "A new teaser."
    lines[0] = json.dumps(row)
    sample.write_text("\n".join(lines) + "\n")
    before = site_state()

    out, _err = run(sample, "--dry-run")

    assert "Would create 0, would update 1, unchanged 19, rejected 9" in out
    assert site_state() == before


def test_a_row_failing_half_way_leaves_nothing_behind(two_languages, sample, monkeypatch):
    real_redirect = ArchiveImporter.redirect

    def failing_redirect(self, old_url, page):
        if "state-of-emergency" in old_url:
            raise RuntimeError("the database went away")
        return real_redirect(self, old_url, page)

    monkeypatch.setattr(ArchiveImporter, "redirect", failing_redirect)
    files_before = media_files()

    out, _err = run(sample)

    assert "Created 19, updated 0, unchanged 0, rejected 10" in out
    assert "line 5: rejected: not imported: RuntimeError: the database went away" in out
    assert not PublicationPage.objects.filter(title=EMERGENCY).exists()
    assert not ArchiveRecord.objects.filter(old_url__contains="state-of-emergency").exists()
    # Its cover, chart and PDF were stored, then taken away again with the row.
    assert uploaded_images().count() == 2
    assert get_document_model().objects.count() == 2
    stored = {path.name for path in media_files() - files_before}
    assert stored and not any("emergency" in name for name in stored), stored
    # Its authors stayed only with the rows that committed them.
    assert not AuthorPage.objects.filter(title="Isidora Stakic").exists()

    monkeypatch.setattr(ArchiveImporter, "redirect", real_redirect)
    out, _err = run(sample)
    assert "Created 1, updated 0, unchanged 19, rejected 9" in out


def test_progress_goes_to_stderr_and_verbosity_0_keeps_quiet(two_languages, sample):
    out, err = run(sample, "--dry-run")
    assert "29/29 rows (100%)" in err and "rows/s" in err and "left" in err

    out, err = run(sample, "--dry-run", verbosity=0)
    assert err == ""
    assert out.strip().startswith("Would create 20")  # the summary alone


def test_a_missing_language_tree_rejects_its_rows_and_imports_the_rest(
    home_page, publication_index, author_index, sample
):
    from tests.support.factories import PublicationKindFactory

    for slug in ("analysis", "report", "policy-paper", "study", "research", "document", "op-ed"):
        PublicationKindFactory(slug=slug)

    out, _err = run(sample)

    assert "Created 12, updated 0, unchanged 0, rejected 17" in out
    assert "line 2: rejected: there is no publications index in language 'sr'" in out


def load_bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "archive_import.py"
    spec = importlib.util.spec_from_file_location("archive_import_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_imported_pages_answer_in_as_many_queries_as_the_archive_grows(
    two_languages, sample, client, page_cache_off, tmp_path
):
    run(sample)
    paths = [
        PublicationPage.objects.get(title=EMERGENCY).url,
        PublicationPage.objects.get(title="Pandemija geopolitike").url,
        "/en/publications/",
        "/en/publications/2020/",
    ]
    small = [count_queries(client, path, cold) for path in paths for cold in (False, True)]

    out, _err = run(load_bench().write_manifest(tmp_path / "more", 30))
    assert "Created 30" in out
    large = [count_queries(client, path, cold) for path in paths for cold in (False, True)]

    assert small == large
