"""Footnotes, as an editor writes them and a reader follows them: the "Fn" control of a
paragraph and the Footnotes panel, the live preview, publishing, the numbered reference and
the note linked both ways at 1280 and 390 px wide, the notes in print, and the note's text
offered to the translator."""

import re

from playwright.sync_api import expect
from wagtail.models import Locale
from wagtail_footnotes.models import Footnote
from wagtail_localize.models import Translation, TranslationSource

from publications.models import PublicationPage
from tests.browser.test_admin import open_preview_panel, sign_in

NOTE = "Ministry of Interior, Annual Report on Police Work 2019 (Belgrade, 2020), p. 41."


def a_publication_without_notes():
    return (
        PublicationPage.objects.filter(
            locale__language_code="en", opedpage__isnull=True, footnotes__isnull=True
        )
        .order_by("pk")
        .first()
    )


def wait_until_the_editor_watches_the_form(page):
    """What is typed before the editor notes the form's starting state (two seconds after its
    scripts start) is taken as that state: an editor takes that long anyway
    (tests/browser/test_admin.py does the same)."""
    page.wait_for_function(
        "window.formNoted.length && performance.now() - window.formNoted.at(-1) > 2500"
        " && window.wagtail.app.queryController('w-preview')?.ready"
        " && !window.wagtail.app.queryController('w-preview').updatePromise",
        polling=250,
    )


def wait_until_the_preview_is_idle(page):
    page.wait_for_function(
        "!window.wagtail.app.queryController('w-preview').updatePromise", polling=250
    )


def add_a_footnote_at_the_end_of_the_first_paragraph(page):
    body = page.locator("[data-contentpath='body']")
    paragraph = body.locator(".public-DraftEditor-content").first
    paragraph.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("ArrowLeft")  # before the full stop
    # The toolbar shows while text is selected, or always once pinned.
    page.keyboard.press("Shift+ArrowLeft")
    body.get_by_role("button", name="Pin toolbar").first.click()
    paragraph.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("ArrowLeft")
    body.get_by_role("button", name="Footnotes").first.click()

    chooser = page.locator("#footnotes-modal")
    expect(chooser.get_by_role("heading", name="Choose a footnote")).to_be_visible()
    chooser.get_by_role("button", name="Create new footnote").click()
    expect(chooser).to_be_hidden()

    panel = page.get_by_role("region", name=re.compile("^Footnotes"))
    row = panel.locator("#id_footnotes-FORMS > *").last
    expect(row).to_contain_text("Footnote 1")
    note_id = row.locator("input[name$='-uuid']").input_value()
    assert re.fullmatch(r"[0-9a-f-]{36}", note_id)
    expect(paragraph).to_contain_text(f"[{note_id[:6]}]")
    return row, note_id


def test_editor_adds_a_footnote_and_readers_follow_it(page, new_page, demo_site):
    publication = a_publication_without_notes()
    sign_in(page, demo_site.url)
    page.add_init_script(
        "window.formNoted = [];"
        "document.addEventListener('w-unsaved:watch-edits',"
        " () => window.formNoted.push(performance.now()));"
    )
    page.goto(f"{demo_site.url}/admin/pages/{publication.pk}/edit/")
    preview = open_preview_panel(page)
    expect(preview.get_by_role("heading", level=1)).to_have_text(publication.title)
    wait_until_the_editor_watches_the_form(page)

    row, note_id = add_a_footnote_at_the_end_of_the_first_paragraph(page)

    # The live preview numbers the note before anything is saved, and shows its text once
    # written (typed once the preview is idle again: see wait_until_the_editor_watches_the_form).
    expect(preview.get_by_label("Note 1", exact=True)).to_be_visible(timeout=15_000)
    wait_until_the_preview_is_idle(page)
    row.locator(".public-DraftEditor-content").click()
    page.keyboard.type(NOTE)
    expect(row).to_contain_text(NOTE)
    expect(preview.locator("[role='doc-endnotes']")).to_contain_text(NOTE, timeout=15_000)

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text(f"Page '{publication.title}' has been published.")).to_be_visible()
    stored = Footnote.objects.get(page=publication)
    assert (str(stored.uuid), stored.locale_id) == (note_id, publication.locale_id)
    assert NOTE in stored.text
    stored_body = PublicationPage.objects.get(pk=publication.pk).body.raw_data
    tag = f'<footnote id="{note_id}">[{note_id[:6]}]</footnote>'  # as ARCHITECTURE.md says
    assert tag in stored_body[0]["value"]

    url = f"{demo_site.url}{publication.url}"
    for width, height in [(1280, 900), (390, 844)]:
        reader = new_page(viewport={"width": width, "height": height})
        reader.goto(url)
        reference = reader.get_by_label("Note 1", exact=True)
        expect(reference).to_have_text("1")
        reference.click()
        expect(reader).to_have_url(re.compile("#note-1$"))
        note = reader.locator("#note-1")
        expect(note).to_be_in_viewport()
        expect(note).to_contain_text(NOTE)
        note.get_by_label("Back to the text of note 1").click()
        expect(reader).to_have_url(re.compile("#note-1-ref-1$"))
        expect(reference).to_be_in_viewport()
        overflow = reader.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{width} px: {overflow} px too wide"

        # In print the notes stay, with their numbers; the arrows back do not.
        reader.emulate_media(media="print")
        expect(reader.locator("[role='doc-endnotes']")).to_be_visible()
        expect(reader.locator("[role='doc-endnotes']")).to_contain_text(NOTE)
        expect(reference).to_be_visible()
        expect(note.get_by_label("Back to the text of note 1")).to_be_hidden()
        assert reader.console_errors == []


def test_the_translation_editor_offers_each_note_to_translate(page, demo_site):
    publication = a_publication_without_notes()
    note_id = "5b7c1f2e-0c1d-4e5f-8a9b-0c1d2e3f4a5b"
    first = publication.body[0].value.source
    publication.body[0].value.source = first.replace(
        "</p>", f'<footnote id="{note_id}">[{note_id[:6]}]</footnote></p>', 1
    )
    publication.footnotes.add(Footnote(uuid=note_id, text=f"<p>{NOTE}</p>"))
    publication.save_revision().publish()
    source, _created = TranslationSource.update_or_create_from_instance(publication)
    translation, _created = Translation.objects.get_or_create(
        source=source, target_locale=Locale.objects.get(language_code="sr")
    )
    translation.save_target(publish=False)
    serbian = publication.get_translation(translation.target_locale)

    sign_in(page, demo_site.url)
    page.goto(f"{demo_site.url}/admin/pages/{serbian.pk}/edit/")
    note = page.get_by_role("listitem").filter(has=page.get_by_text(NOTE, exact=True))
    expect(note.first).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Footnote"))).not_to_have_count(0)
