"""The admin form every page type of the site is edited with.

A page's slug must be unique among its siblings, and an abandoned new page keeps its slug:
Wagtail's autosave turns a new page into a draft as soon as it has a title. Wagtail itself
only says "The slug … is already in use within the parent page", which leaves an editor who
starts the same page again wondering which page that is. So:

- when the slug is the one made from the title (the editor did not type it), the page gets
  the next free one instead (``title-2``, ``title-3``…), and the editor's form is told of it;
- when the editor typed a slug that another page holds, the message names that page, says
  whether it is live or a draft, and links to it.
"""

import re
import unicodedata

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm

from .images import is_svg, raster_only_message


def _letters_and_digits(text):
    """Text reduced to ASCII letters and digits, the way the admin's slug field transliterates
    (it writes 'đ' as 'dj' and drops diacritics), to compare a slug with a title."""
    text = (text or "").lower().replace("đ", "dj")
    text = unicodedata.normalize("NFKD", text)
    return "".join(char for char in text if char.isascii() and char.isalnum())


NUMBERED = re.compile(r"^(?P<base>.+)-(?P<number>\d+)$")


def slug_follows_title(slug, title):
    """Was this slug made from the title (optionally numbered), rather than typed?"""
    from_title = _letters_and_digits(title)
    if not from_title:
        return False
    return re.fullmatch(re.escape(from_title) + r"\d*", _letters_and_digits(slug)) is not None


def next_free_slug(parent, slug, title, page_pk=None):
    """``slug`` numbered from 2 on until no sibling holds it: ``title-2``, ``title-3``…

    (Wagtail's ``find_available_slug`` counts from ``-1``.)"""
    numbered = NUMBERED.match(slug)
    if numbered and _letters_and_digits(numbered["base"]) == _letters_and_digits(title):
        slug = numbered["base"]  # 'title-2' taken as well: go on to 'title-3', not 'title-2-2'
    taken = parent.get_children().filter(slug__startswith=slug)
    if page_pk:
        taken = taken.exclude(pk=page_pk)
    taken = set(taken.values_list("slug", flat=True))
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    return candidate


class BasePageForm(WagtailAdminPageForm):
    def clean(self):
        self.slug_holder = None
        self.slug_given = None
        slug = self.cleaned_data.get("slug")
        if slug and self.parent_page is not None:
            self.slug_holder = self._sibling_with_slug(slug)
            if self.slug_holder is not None and slug_follows_title(
                slug, self.cleaned_data.get("title")
            ):
                self.cleaned_data["slug"] = self.slug_given = next_free_slug(
                    self.parent_page, slug, self.cleaned_data.get("title"), self.instance.pk
                )
                self.slug_holder = None
        cleaned_data = super().clean()
        for name, value in list(cleaned_data.items()):
            if is_svg(value):  # a cover, photo or social image: it gets resized and converted
                self.add_error(name, raster_only_message())
        if self.slug_holder is not None and self.has_error("slug"):
            # In place of Wagtail's message, which does not say which page holds the slug.
            self.errors["slug"] = self.error_class([self._slug_taken_message(slug)])
        return cleaned_data

    def _sibling_with_slug(self, slug):
        siblings = self.parent_page.get_children().filter(slug=slug)
        if self.instance.pk:
            siblings = siblings.exclude(pk=self.instance.pk)
        return siblings.first()

    def _slug_taken_message(self, slug):
        holder = self.slug_holder
        if not holder.live:
            state = _("draft")
        elif holder.has_unpublished_changes:
            state = _("live, with unpublished changes")
        else:
            state = _("live")
        return format_html(
            _(
                "The slug “{slug}” is already used by “{title}” ({state}) in the same "
                "section. Choose another slug, or open that page and carry on with it."
            ),
            slug=slug,
            title=format_html(
                '<a href="{}">{}</a>',
                reverse("wagtailadmin_pages:edit", args=[holder.pk]),
                holder.get_admin_display_title(),
            ),
            state=state,
        )

    def get_field_updates_for_resave(self):
        """After an autosave, show the editor the slug the page was given."""
        updates = list(super().get_field_updates_for_resave())
        if getattr(self, "slug_given", None):
            updates.append(("slug", self.slug_given))
        return updates
