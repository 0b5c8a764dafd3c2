"""Where a footnote is referenced in a paragraph, and its text, in wagtail-footnotes' storage.

Kept apart so that what is written here follows what the page editor writes: its script
(wagtail_footnotes/static/footnotes/js/footnotes.js) stores a reference as a ``footnote``
element with the footnote's UUID and, as its text, the UUID's first six characters in
brackets; the footnote itself is a ``Footnote`` row of the page with the same UUID.
"""

from wagtail_footnotes.models import Footnote

SHORT_ID_LENGTH = 6  # UUID_SHORT_LENGTH in footnotes.js


def footnote_reference(footnote_uuid):
    """The paragraph's HTML where the footnote `footnote_uuid` is referenced."""
    return f'<footnote id="{footnote_uuid}">[{footnote_uuid[:SHORT_ID_LENGTH]}]</footnote>'


def set_footnotes(page, footnotes):
    """Give `page` (not yet saved) these footnotes, [(uuid, rich text HTML)], in order:
    those it already has keep their rows, the others are removed when the page is saved."""
    existing = {str(note.uuid): note for note in page.footnotes.all()} if page.pk else {}
    notes = []
    for order, (footnote_uuid, text) in enumerate(footnotes):
        note = existing.get(footnote_uuid) or Footnote(uuid=footnote_uuid, locale=page.locale)
        note.text = text
        note.locale = page.locale
        note.sort_order = order
        notes.append(note)
    page.footnotes = notes
