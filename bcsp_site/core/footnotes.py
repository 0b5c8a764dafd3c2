"""Footnotes in a page's rich text, stored as wagtail-footnotes stores them.

The stored format is the library's: a `Footnote` row per note (`page`, `uuid`, `text`,
`locale`, `translation_key`, `sort_order`) and `<footnote id="UUID">[abcdef]</footnote>` in a
paragraph's HTML where the note is referred to. Rendering here depends only on those two,
never on anything the editor's script alone sets, so notes written by an importer number
and link like notes written in the admin.

The library's own block numbers notes while it renders, keeps state on the (shared) block
instance and asks the database for the page's notes once per paragraph. Here the numbering
is worked out once per page from the text itself (`FootnoteNumbering`, kept on the page by
`FootnotedPageMixin.footnote_numbering`), in order of first reference, with the page's notes
fetched in one query whatever the number of paragraphs; unreferenced notes are left out,
and a reference to a note that does not exist shows nothing.
"""

import re
import uuid
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.rich_text import RichText
from wagtail_footnotes.blocks import RichTextBlockWithFootnotes
from wagtail_footnotes.widgets import ReadonlyUUIDInput

# What goes between the tags is ignored when rendering (the editor shows it; it is the first
# six characters of the UUID in brackets).
FOOTNOTE_TAG = re.compile(r"<footnote\s+id=[\"']([^\"']*)[\"']\s*>.*?</footnote>", re.DOTALL)
# The bracketed short id inside the tag: it is not prose, so a translator has nothing to do
# with it (bcsp_site.translating counts it as translated).
REFERENCE_MARKER = r"^\[[0-9a-fA-F]{6}\]$"


def normalised_uuid(value):
    """'0D5E…' and '0d5e…' are one note; anything that is not a UUID is no note."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


@dataclass
class Note:
    number: int
    footnote: object
    references: list[int] = field(default_factory=list)

    @property
    def text(self):
        return self.footnote.text


class FootnoteNumbering:
    """The notes of a page numbered by first reference, from its paragraphs' HTML in order."""

    def __init__(self, sources, footnotes):
        by_uuid = {normalised_uuid(footnote.uuid): footnote for footnote in footnotes}
        self.notes = []
        self._notes_by_uuid = {}
        for html in sources:
            for reference in FOOTNOTE_TAG.findall(html):
                key = normalised_uuid(reference)
                if key not in by_uuid:
                    continue
                note = self._notes_by_uuid.get(key)
                if note is None:
                    note = Note(number=len(self.notes) + 1, footnote=by_uuid[key])
                    self.notes.append(note)
                    self._notes_by_uuid[key] = note
                note.references.append(len(note.references) + 1)
        # References rendered so far, per note; a second rendering of the same page starts
        # again at the first reference (the count wraps round).
        self._rendered = {}

    def next_reference(self, reference):
        """The note and the reference's number among the note's references, as the text is
        rendered in order; (None, None) for a note that does not exist."""
        note = self._notes_by_uuid.get(normalised_uuid(reference))
        if note is None:
            return None, None
        rendered = self._rendered.get(note.number, 0)
        self._rendered[note.number] = rendered + 1
        return note, note.references[rendered % len(note.references)]

    def render(self, html):
        """The paragraph's HTML with each footnote tag replaced by its numbered reference."""

        def reference_html(match):
            note, reference = self.next_reference(match.group(1))
            if note is None:
                return ""
            return render_to_string(
                "components/footnote_reference.html", {"note": note, "reference": reference}
            ).strip()

        return FOOTNOTE_TAG.sub(reference_html, html)


def without_footnote_tags(html):
    return FOOTNOTE_TAG.sub("", html)


class FootnotedRichTextBlock(RichTextBlockWithFootnotes):
    """wagtail-footnotes' paragraph block (its "Fn" control in the editor), numbered by the
    page's `footnote_numbering` instead of the library's per-paragraph lookups."""

    def replace_footnote_tags(self, value, html, context=None):
        page = (context or {}).get("page")
        numbering = getattr(page, "footnote_numbering", None)
        if numbering is None:  # shown outside a page (the block picker's preview)
            return mark_safe(without_footnote_tags(html))  # noqa: S308 - the block's own HTML
        return mark_safe(numbering.render(html))  # noqa: S308 - the block's own HTML

    def get_searchable_content(self, value):
        # The bracketed short ids inside the tags are not words of the text.
        return super().get_searchable_content(RichText(without_footnote_tags(value.source)))


class FootnotedPageMixin:
    """A page whose `footnotes_field` StreamField has FootnotedRichTextBlock paragraphs."""

    footnotes_field = "body"

    @cached_property
    def footnote_numbering(self):
        stream = getattr(self, self.footnotes_field)
        sources = [
            child.value.source
            for child in stream
            if isinstance(child.block, FootnotedRichTextBlock) and child.value
        ]
        if not any("<footnote" in source for source in sources):
            return FootnoteNumbering([], [])  # no query for a page without notes
        # One query for every note of the page (none if a caller prefetched them; in a
        # preview they are the form's unsaved rows).
        return FootnoteNumbering(sources, self.footnotes.all())


def footnotes_panel():
    """The Footnotes panel of a page's editor, in the order editors keep their notes."""
    return InlinePanel(
        "footnotes",
        # The library's own panels, with words in the site's catalogue.
        panels=[
            FieldPanel(
                "text",
                heading=_("Text"),
                help_text=_("The note as readers see it after the text; links are allowed."),
            ),
            FieldPanel(
                "uuid",
                widget=ReadonlyUUIDInput,
                heading=_("ID"),
                help_text=_(
                    "Set when the note is made. A reference in the text shows its first "
                    "six characters in brackets."
                ),
            ),
        ],
        heading=_("Footnotes"),
        label=_("Footnote"),
        help_text=_(
            "The notes of the text. Add one with the 'Fn' button of a paragraph's toolbar "
            "(it creates the note here too), then write its text here: a source, with its "
            "author, title, publisher, date and address. Notes are numbered on the page in "
            "the order the text refers to them; a note the text never refers to is not shown."
        ),
    )
