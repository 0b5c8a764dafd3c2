"""Blocks shared by every page type: the body of a page and the organisation's profiles."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

from .footnotes import FootnotedRichTextBlock
from .images import is_svg, raster_only_message


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=200, help_text=_("The heading's words."))
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Section (H2)")), ("h3", _("Subsection (H3)"))],
        default="h2",
        help_text=_("Use sections for the main parts and subsections inside them."),
    )

    class Meta:
        icon = "title"
        template = "components/blocks/heading_block.html"
        preview_value = {"text": "Key findings", "level": "h2"}
        description = _("A section heading")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(help_text=_("The picture itself."))
    alt_text = blocks.CharBlock(
        required=False,
        max_length=250,
        help_text=_(
            "Describe the picture for people who cannot see it. Leave empty if purely decorative."
        ),
    )
    caption = blocks.CharBlock(
        required=False, max_length=300, help_text=_("Shown under the image.")
    )
    credit = blocks.CharBlock(
        required=False, max_length=150, help_text=_("Photographer or source, e.g. 'Photo: BETA'.")
    )

    def clean(self, value):
        value = super().clean(value)
        if is_svg(value.get("image")):  # shown resized and converted to WebP
            raise StructBlockValidationError(
                block_errors={"image": ValidationError(raster_only_message())}
            )
        return value

    class Meta:
        icon = "image"
        template = "components/blocks/image_block.html"
        preview_value = {"caption": "Belgrade, 2019", "credit": "Photo: BCSP"}
        description = _("An image with caption and credit")


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(help_text=_("The quoted words, without quotation marks."))
    attribution = blocks.CharBlock(
        required=False, max_length=200, help_text=_("Who said or wrote it.")
    )

    class Meta:
        icon = "openquote"
        template = "components/blocks/quote_block.html"
        preview_value = {
            "text": "Democratic control of the security sector is not a luxury.",
            "attribution": "BCSP",
        }
        description = _("A pull quote")


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(help_text=_("The document to link to."))
    title = blocks.CharBlock(
        required=False,
        max_length=200,
        help_text=_("Link text. Defaults to the document's title."),
    )

    class Meta:
        icon = "doc-full"
        template = "components/blocks/document_block.html"
        preview_value = {"title": "Download the full report (PDF)"}
        description = _("A link to a document with its size")


class EmbedMediaBlock(blocks.StructBlock):
    embed = EmbedBlock(help_text=_("A YouTube or Vimeo address, e.g. https://youtu.be/…"))
    caption = blocks.CharBlock(
        required=False, max_length=300, help_text=_("Shown under the video.")
    )

    class Meta:
        icon = "media"
        template = "components/blocks/embed_block.html"
        preview_value = {"caption": "Panel discussion recording"}
        description = _("An embedded video")


class TableWithCaptionBlock(blocks.StructBlock):
    caption = blocks.CharBlock(
        required=False,
        max_length=300,
        help_text=_("What the table shows (read by screen readers)."),
    )
    table = TableBlock(help_text=_("Use the first row as headings where it holds them."))

    class Meta:
        icon = "table"
        template = "components/blocks/table_block.html"
        preview_value = {
            "caption": "Cases by year",
            "table": {
                "first_row_is_table_header": True,
                "data": [["Year", "Cases"], ["2019", "12"], ["2020", "17"]],
            },
        }
        description = _("A table of figures")


class BodyBlock(blocks.StreamBlock):
    paragraph = FootnotedRichTextBlock(
        features=[
            "bold",
            "italic",
            "link",
            "document-link",
            "ol",
            "ul",
            "superscript",
            "footnotes",
        ],
        icon="pilcrow",
        template="components/blocks/paragraph_block.html",
        preview_value="<p>The security sector in Serbia has been increasingly captured…</p>",
        description=_("Running text, with footnotes ('Fn' in its toolbar)"),
    )
    heading = HeadingBlock()
    image = ImageBlock()
    quote = QuoteBlock()
    embed = EmbedMediaBlock()
    document = DocumentLinkBlock()
    table = TableWithCaptionBlock()


SOCIAL_NETWORKS = [
    ("facebook", "Facebook"),
    ("x", "X (Twitter)"),
    ("linkedin", "LinkedIn"),
    ("youtube", "YouTube"),
    ("instagram", "Instagram"),
    ("bluesky", "Bluesky"),
    ("mastodon", "Mastodon"),
    ("other", _("Other")),
]


class SocialProfileValue(blocks.StructValue):
    def label(self):
        if self.get("name"):
            return self["name"]
        return dict(SOCIAL_NETWORKS).get(self.get("network"), self.get("url", ""))


class SocialProfileBlock(blocks.StructBlock):
    network = blocks.ChoiceBlock(
        choices=SOCIAL_NETWORKS, help_text=_("Where the profile is; it names the link.")
    )
    url = blocks.URLBlock(help_text=_("The profile's full address, starting https://"))
    name = blocks.CharBlock(
        required=False,
        max_length=60,
        help_text=_("Link text, if the network's name is not enough (needed for 'Other')."),
    )

    class Meta:
        icon = "link-external"
        value_class = SocialProfileValue
        template = "components/blocks/social_profile_block.html"
        preview_value = {"network": "x", "url": "https://x.com/BCBP_Beograd"}
        description = _("A link to one of the organisation's social media profiles")


class SocialProfilesBlock(blocks.StreamBlock):
    profile = SocialProfileBlock()
