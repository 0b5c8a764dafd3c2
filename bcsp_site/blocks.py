"""Blocks of the site's own pages: the sidebar of a standard page and the groups of a team."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from bcsp_site.core.blocks import DocumentLinkBlock, ImageBlock

SIDEBAR_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


class LinkBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(
        required=False, help_text=_("A page of this site. Leave empty to link to an address.")
    )
    url = blocks.URLBlock(
        required=False, help_text=_("An address elsewhere, starting https:// (if no page).")
    )
    text = blocks.CharBlock(
        required=False,
        max_length=120,
        help_text=_("The link's words. Defaults to the page's title; needed for an address."),
    )

    class Meta:
        icon = "link"
        template = "components/blocks/link_block.html"
        preview_value = {"url": "https://www.bezbednost.org/", "text": "BCSP"}
        description = _("A link to a page or an address")

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        if bool(value.get("page")) == bool(value.get("url")):
            message = _("Choose a page or enter an address, not both.")
            errors["page"] = ValidationError(message)
        elif value.get("url") and not value.get("text"):
            errors["text"] = ValidationError(_("Give the address a link text."))
        if errors:
            raise blocks.StructBlockValidationError(block_errors=errors)
        return value


class LinkListBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        required=False, max_length=120, help_text=_("Optional heading above the links.")
    )
    links = blocks.ListBlock(LinkBlock(), help_text=_("The links, in this order."))

    class Meta:
        icon = "list-ul"
        template = "components/blocks/link_list_block.html"
        preview_value = {
            "heading": "Related",
            "links": [{"url": "https://www.bezbednost.org/", "text": "BCSP"}],
        }
        description = _("A list of links with an optional heading")


class SidebarBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(
        features=SIDEBAR_TEXT_FEATURES,
        icon="pilcrow",
        template="components/blocks/paragraph_block.html",
        preview_value="<p>Office hours: Monday to Friday, 9:00–17:00.</p>",
        description=_("A short text"),
        help_text=_("A few sentences shown beside the page's text."),
    )
    links = LinkListBlock()
    document = DocumentLinkBlock()
    image = ImageBlock()


class TeamMemberBlock(blocks.StructBlock):
    person = blocks.PageChooserBlock(
        page_type="authors.AuthorPage",
        help_text=_("The person's author page: it gives the name, photo and links."),
    )
    role = blocks.CharBlock(
        required=False,
        max_length=150,
        help_text=_("The role in this group, if not the one on the author page."),
    )

    class Meta:
        icon = "user"
        label = _("Person")


class TeamGroupBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        max_length=120, help_text=_("The group's name, e.g. 'Management' or 'Researchers'.")
    )
    description = blocks.TextBlock(
        required=False, max_length=500, help_text=_("Optional sentence under the heading.")
    )
    members = blocks.ListBlock(
        TeamMemberBlock(), help_text=_("The people in this group, in the order to show them.")
    )

    class Meta:
        icon = "group"
        template = "components/blocks/team_group_block.html"
        preview_value = {"heading": "Researchers", "description": "", "members": []}
        description = _("A heading with the people in it")


class TeamBlock(blocks.StreamBlock):
    group = TeamGroupBlock()
