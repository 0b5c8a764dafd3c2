"""Tags with a name in each language.

A tag is one topic with a version per language: the English "surveillance" and the Serbian
"video-nadzor" are two rows sharing a translation key, each with its own name and address
(`/en/publications/tags/surveillance/`, `/sr/publications/tags/video-nadzor/`). A page only
ever carries tags of its own language; whatever copies a page into another language (the
admin's translation, wagtail-localize's sync) has each tag swapped for its counterpart, made
on the spot from the source tag when there is none yet and marked for an editor to name.

django-taggit's own `Tag` is shared by every language (its names and slugs are unique across
the whole site), which is why publications have a tag model of their own; images and
documents keep Wagtail's shared tags.
"""

from django.db import models
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager, _ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import ItemBase, TagBase
from wagtail.admin.panels import FieldPanel
from wagtail.admin.widgets import AdminTagWidget
from wagtail.models import TranslatableMixin


class PublicationTag(TranslatableMixin, TagBase):
    """A topic in one language, linked to the same topic in the others by translation key."""

    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
        help_text=_("As readers see it on publications and the tag's page, e.g. 'surveillance'."),
    )
    slug = models.SlugField(
        verbose_name=_("slug"),
        max_length=100,
        allow_unicode=True,
        blank=True,
        help_text=_(
            "The end of the tag page's address, e.g. 'surveillance' for "
            "/en/publications/tags/surveillance/. Leave empty to make it from the name."
        ),
    )
    needs_translation = models.BooleanField(
        verbose_name=_("needs translation"),
        default=False,
        help_text=_(
            "Made from the tag in another language when a page was translated, and still "
            "under that language's name. Giving the tag a new name clears this; untick it if "
            "the name is right as it is."
        ),
    )

    natural_key_fields = ["locale_id", "name"]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["locale", "name"], name="unique_tag_name_per_locale"),
            models.UniqueConstraint(fields=["locale", "slug"], name="unique_tag_slug_per_locale"),
        ]

    def save(self, *args, **kwargs):
        if self.locale_id is None:
            self.locale = self.get_default_locale()
        if not self.slug:
            self.slug = self.free_slug()
        return super().save(*args, **kwargs)

    def free_slug(self):
        """A slug made from the name that no other tag of this language has."""
        base = self.slugify(self.name) or "tag"  # a name of punctuation alone has no slug
        taken = set(
            PublicationTag.objects.filter(locale_id=self.locale_id, slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        )
        slug, number = base, 0
        while slug in taken:
            number += 1
            slug = f"{base}_{number}"
        return slug

    def in_locale(self, locale_id):
        """This tag in the language `locale_id`, made from this one when it has none yet."""
        if locale_id == self.locale_id:
            return self
        tags = PublicationTag.objects.filter(locale_id=locale_id)
        counterpart = tags.filter(translation_key=self.translation_key).first()
        if counterpart is not None:
            return counterpart
        same_name = tags.filter(name=self.name).first()
        if same_name is not None:
            # That language already has a tag by this name: the same topic. Link it unless
            # it is already another tag's counterpart.
            linked = PublicationTag.objects.filter(
                translation_key=same_name.translation_key, locale_id=self.locale_id
            ).exists()
            if not linked:
                same_name.translation_key = self.translation_key
                same_name.save(update_fields=["translation_key"])
            return same_name
        counterpart = PublicationTag(
            name=self.name,
            slug=self.slug,
            translation_key=self.translation_key,
            locale_id=locale_id,
            needs_translation=True,
        )
        if tags.filter(slug=self.slug).exists():
            counterpart.slug = ""  # made free from the name on saving
        counterpart.save()
        return counterpart


class PublicationPageTag(ItemBase):
    """A tag on a publication; always a tag in the publication's own language."""

    tag = models.ForeignKey(
        PublicationTag, on_delete=models.CASCADE, related_name="publication_links"
    )
    content_object = ParentalKey(
        "publications.PublicationPage", on_delete=models.CASCADE, related_name="tagged_items"
    )

    def save(self, *args, **kwargs):
        # A copy of a page in another language (translation, sync) comes with the source
        # page's tags; the copy gets their counterparts in its own language.
        locale_id = self.content_object.locale_id
        if locale_id is not None and self.tag.locale_id != locale_id:
            self.tag = self.tag.in_locale(locale_id)
        super().save(*args, **kwargs)


class _TagsInPageLanguage(_ClusterTaggableManager):
    def _to_tag_model_instances(self, tags, tag_kwargs):
        # Tags given by name are looked up, or made, in the page's language.
        locale_id = getattr(self.instance, "locale_id", None)
        if locale_id is not None:
            tag_kwargs = {**tag_kwargs, "locale_id": locale_id}
        return super()._to_tag_model_instances(tags, tag_kwargs)


class TagsInPageLanguage(ClusterTaggableManager):
    """ClusterTaggableManager whose tags given by name are those of the page's language
    (taggit looks names up across all tags; modelcluster passes no filter of its own)."""

    def __get__(self, instance, model):
        return _TagsInPageLanguage(
            through=self.through, model=model, instance=instance, prefetch_cache_name=self.name
        )


class LanguageTagWidget(AdminTagWidget):
    """Wagtail's tag widget, its autocomplete asking only for tags of `locale`."""

    locale = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        url = reverse("publication_tag_autocomplete")
        if self.locale is not None:
            url += "?" + urlencode({"locale": self.locale.language_code})
        context["widget"]["attrs"]["data-w-tag-url-value"] = url
        return context


class TagsPanel(FieldPanel):
    """The tags field, offering the tags of the page's language as the editor types."""

    def __init__(self, field_name, *args, **kwargs):
        kwargs.setdefault("widget", LanguageTagWidget)
        super().__init__(field_name, *args, **kwargs)

    class BoundPanel(FieldPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if self.bound_field is not None and self.instance is not None:
                self.bound_field.field.widget.locale = getattr(self.instance, "locale", None)
