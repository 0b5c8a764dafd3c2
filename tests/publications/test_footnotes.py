"""Footnotes in a publication's text: stored as wagtail-footnotes stores them (as the archive
importer writes them), numbered in order of first reference, linked both ways, fetched once
per page, translated with wagtail-localize, shown in previews and kept fresh in the caches."""

import re
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield
from wagtail_footnotes.models import Footnote
from wagtail_localize.models import StringSegment, StringTranslation, Translation, TranslationSource

from bcsp_site import translating
from bcsp_site.core.blocks import BodyBlock
from bcsp_site.core.footnotes import FootnotedRichTextBlock, FootnoteNumbering
from bcsp_site.demo.serbian import publish_translation
from publications.models import PublicationKind
from tests.support.factories import (
    PublicationKindFactory,
    PublicationPageFactory,
    StandardPageFactory,
)

FIRST = "0d5e3c8a-1111-4222-8333-444455556666"
SECOND = "7f00aa11-2222-4333-8444-555566667777"
NEVER_CITED = "9a9a9a9a-3333-4444-8555-666677778888"
MISSING = "deadbeef-4444-4555-8666-777788889999"


def tag(note_uuid, inner=None):
    """A reference as the editor's "Fn" control stores it: the short id inside brackets."""
    return f'<footnote id="{note_uuid}">[{inner or note_uuid[:6]}]</footnote>'


def add_notes(page, notes):
    """Footnote rows as the importer writes them, in the page's language."""
    for order, (note_uuid, text) in enumerate(notes):
        Footnote.objects.create(
            page=page, uuid=note_uuid, text=text, locale=page.locale, sort_order=order
        )


def publish(page):
    page.save_revision().publish()
    return page


@pytest.fixture
def publication(publication_index):
    page = PublicationPageFactory(
        parent=publication_index,
        slug="oversight",
        title="Oversight of the services",
        body=[
            ("paragraph", f"<p>Budgets grew{tag(SECOND)} and oversight shrank{tag(FIRST)}.</p>"),
            ("heading", {"text": "Findings", "level": "h2"}),
            # An importer's tag: upper-case UUID, other text inside; a tag of no note.
            ("paragraph", f"<p>Again{tag(SECOND.upper(), 'x')}, and lost{tag(MISSING)}.</p>"),
        ],
    )
    add_notes(
        page,
        [
            (
                FIRST,
                '<p>BCSP, <i>Annual Report</i>, <a href="https://bezbednost.org/">2020</a>.</p>',
            ),
            (SECOND, "<p>Ministry of Finance, Budget Law 2021, Art. 8.</p>"),
            (NEVER_CITED, "<p>A note no text refers to.</p>"),
        ],
    )
    return publish(page)


def notes_section(html):
    return re.search(r'<section class="footnotes".*?</section>', html, re.S)[0]


def test_notes_are_numbered_by_first_reference_and_linked_both_ways(client, publication):
    html = client.get("/en/publications/oversight/").content.decode()

    refs = re.findall(r'<sup class="footnote-ref"><a ([^>]*)>(\d+)</a></sup>', html)
    assert [number for _attrs, number in refs] == ["1", "2", "1"]
    assert 'href="#note-1" id="note-1-ref-1" role="doc-noteref" aria-label="Note 1"' in refs[0][0]
    assert 'href="#note-2" id="note-2-ref-1"' in refs[1][0]
    assert 'href="#note-1" id="note-1-ref-2"' in refs[2][0]
    assert "<footnote" not in html and "[0d5e3c]" not in html and "[x]" not in html

    notes = notes_section(html)
    assert 'role="doc-endnotes"' in notes
    assert '<h2 id="notes-heading" class="footnotes__heading">Notes</h2>' in notes
    items = re.findall(r'<li id="(note-\d+)".*?</li>', notes, re.S)
    assert items == ["note-1", "note-2"]  # the note cited first (SECOND) is number 1
    first, second = re.findall(r"<li .*?</li>", notes, re.S)
    assert "Budget Law 2021" in first and "Annual Report" in second
    assert 'href="#note-1-ref-1" role="doc-backlink"' in first
    assert 'aria-label="Back to reference 1 of note 1"' in first
    assert 'href="#note-1-ref-2" role="doc-backlink"' in first
    assert 'aria-label="Back to reference 2 of note 1"' in first
    assert 'href="#note-2-ref-1" role="doc-backlink"' in second
    assert 'aria-label="Back to the text of note 2"' in second
    assert '<a href="https://bezbednost.org/">2020</a>' in second
    assert "A note no text refers to" not in html


def test_a_page_without_references_shows_no_notes(client, publication_index):
    page = PublicationPageFactory(
        parent=publication_index, slug="plain", body=[("paragraph", "<p>No notes here.</p>")]
    )
    add_notes(page, [(FIRST, "<p>Never cited.</p>")])
    publish(page)
    html = client.get("/en/publications/plain/").content.decode()
    assert "footnotes" not in html and "Never cited" not in html


def test_rendering_the_same_page_twice_numbers_its_references_the_same():
    numbering = FootnoteNumbering(
        [f"<p>a{tag(FIRST)} b{tag(FIRST)}</p>"],
        [Footnote(uuid=FIRST, text="<p>n</p>")],
    )
    once = numbering.render(f"<p>a{tag(FIRST)} b{tag(FIRST)}</p>")
    again = numbering.render(f"<p>a{tag(FIRST)} b{tag(FIRST)}</p>")
    assert once == again
    assert 'id="note-1-ref-1"' in once and 'id="note-1-ref-2"' in once


def test_outside_a_page_the_tags_are_dropped_and_search_ignores_their_ids():
    block = FootnotedRichTextBlock()
    value = RichText(f"<p>Capture{tag(FIRST)} of the state.</p>")
    assert "footnote" not in block.render(value, context={})
    assert "0d5e3c" not in " ".join(block.get_searchable_content(value))


def test_the_search_index_does_not_hold_the_short_ids(publication):
    assert "0d5e3c" not in publication.search_body_text()


# Queries ---------------------------------------------------------------------------------


def publication_with(publication_index, slug, paragraphs, notes):
    uuids = [str(uuid.UUID(int=number + 1)) for number in range(notes)]
    body = [
        ("paragraph", f"<p>Paragraph {number}{tag(uuids[number % notes])}.</p>")
        for number in range(paragraphs)
    ]
    page = PublicationPageFactory(parent=publication_index, slug=slug, body=body)
    add_notes(page, [(note_uuid, f"<p>Source {n}.</p>") for n, note_uuid in enumerate(uuids)])
    return publish(page)


def cold_queries(client, url):
    assert client.get(url).status_code == 200
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_notes_cost_the_same_queries_however_many_paragraphs_and_notes(
    client, publication_index, page_cache_off
):
    few = publication_with(publication_index, "few", paragraphs=2, notes=1)
    many = publication_with(publication_index, "many", paragraphs=40, notes=25)
    none = PublicationPageFactory(
        parent=publication_index, slug="none", body=[("paragraph", "<p>Plain.</p>")]
    )
    publish(none)

    few_queries, few_html = cold_queries(client, few.url)
    many_queries, many_html = cold_queries(client, many.url)
    none_queries, _html = cold_queries(client, none.url)

    assert few_html.count('role="doc-noteref"') == 2
    assert many_html.count('role="doc-noteref"') == 40
    assert many_html.count('<li id="note-') == 25
    assert few_queries == many_queries
    assert none_queries == few_queries - 1  # the one query for the page's notes


# Translation -----------------------------------------------------------------------------


@pytest.fixture
def serbian(db):
    return Locale.objects.get_or_create(language_code="sr")[0]


@pytest.fixture
def serbian_site(home_page, publication_index, serbian):
    publish_translation(home_page, serbian, title="Beogradski centar")
    publish_translation(publication_index, serbian, title="Publikacije")
    kind = PublicationKindFactory(name="Report", slug="report")
    PublicationKind.objects.create(
        locale=serbian, translation_key=kind.translation_key, name="Izveštaj", slug="report"
    )
    return kind


def test_a_translation_has_each_note_to_translate_and_renders_them_numbered(
    admin_client, client, publication, serbian, serbian_site, django_capture_on_commit_callbacks
):
    publication.kind = serbian_site
    publish(publication)
    response = admin_client.post(
        f"/admin/localize/submit/page/{publication.pk}/", {"locales": [serbian.pk]}
    )
    assert response.status_code == 302
    draft = publication.get_translation(serbian).specific

    source = TranslationSource.objects.get(object_id=publication.translation_key)
    segments = {
        segment.string.data: segment.context.path
        for segment in StringSegment.objects.filter(source=source).select_related(
            "string", "context"
        )
    }
    assert segments["Ministry of Finance, Budget Law 2021, Art. 8."].startswith("footnotes.")
    assert segments['BCSP, <i>Annual Report</i>, <a id="a1">2020</a>.'].startswith("footnotes.")
    assert "[0d5e3c]" in segments  # the short id: kept as it is, never asked for
    record = Translation.objects.get(source=source, target_locale=serbian)

    serbian_text = {
        "Ministry of Finance, Budget Law 2021, Art. 8.": (
            "Ministarstvo finansija, Zakon o budžetu za 2021, čl. 8."
        ),
        "Oversight of the services": "Nadzor nad službama",
        "oversight": "nadzor",
    }
    for segment in StringSegment.objects.filter(source=source).select_related("string"):
        if re.fullmatch(r"\[[0-9a-fA-F]{6}\]|\[x\]", segment.string.data):
            continue
        StringTranslation.objects.create(
            translation_of=segment.string,
            locale=serbian,
            context=segment.context,
            data=serbian_text.get(segment.string.data, f"[sr] {segment.string.data}"),
        )
    # "[x]", the importer's own text inside a tag, is no short id: a translator copies it.
    assert translating.untranslated_fields(record) == ["Body"]
    segment = StringSegment.objects.get(source=source, string__data="[x]")
    StringTranslation.objects.create(
        translation_of=segment.string, locale=serbian, context=segment.context, data="[x]"
    )
    assert translating.untranslated_fields(record) == []

    with django_capture_on_commit_callbacks(execute=True):
        assert translating.publish_if_complete(record, user=None) == []
    draft.refresh_from_db()
    assert draft.live
    html = client.get(draft.url).content.decode()
    notes = notes_section(html)
    assert ">Napomene</h2>" in notes
    assert "Zakon o budžetu za 2021" in notes
    assert re.findall(r'role="doc-noteref" aria-label="[^"]+">(\d+)<', html) == ["1", "2", "1"]
    assert 'href="#note-1-ref-2" role="doc-backlink"' in notes
    assert {note.locale_id for note in draft.footnotes.all()} == {serbian.pk}


# Preview and caches ----------------------------------------------------------------------


def test_the_live_preview_shows_the_notes_being_written(admin_client, home_page):
    page = StandardPageFactory(parent=home_page, slug="about")
    features = BodyBlock().child_blocks["paragraph"].features
    data = nested_form_data(
        {
            "title": "About us",
            "slug": "about",
            "intro": "",
            "body": streamfield(
                [
                    (
                        "paragraph",
                        rich_text(f"<p>We were founded{tag(FIRST)}.</p>", features=features),
                    )
                ]
            ),
            "footnotes": inline_formset(
                [{"uuid": FIRST, "text": rich_text("<p>Founding charter, 1997.</p>")}]
            ),
            "sidebar": streamfield([]),
        }
    )
    response = admin_client.post(f"/admin/pages/{page.pk}/edit/preview/", data)
    assert response.json()["is_valid"], response.json()
    html = admin_client.get(f"/admin/pages/{page.pk}/edit/preview/").content.decode()
    assert 'role="doc-noteref" aria-label="Note 1">1<' in html
    assert "Founding charter, 1997." in notes_section(html)
    assert not page.footnotes.exists()  # nothing saved by previewing


def test_changing_only_a_note_reaches_visitors_once_published(client, publication):
    first = client.get("/en/publications/oversight/")
    assert client.get("/en/publications/oversight/")["X-Cache"] == "hit"
    assert "Budget Law 2021" in first.content.decode()

    page = publication.get_latest_revision_as_object()
    note = next(note for note in page.footnotes.all() if str(note.uuid) == SECOND)
    note.text = "<p>Ministry of Finance, Budget Law 2022, Art. 9.</p>"
    page.save_revision()  # a draft: visitors still see the published note
    assert "Budget Law 2021" in client.get("/en/publications/oversight/").content.decode()

    page.get_latest_revision().publish()
    response = client.get("/en/publications/oversight/")
    assert response["X-Cache"] == "miss"
    assert "Budget Law 2022" in response.content.decode()
    assert "Budget Law 2021" not in response.content.decode()
