"""The editor-managed kinds of publication (analysis, report, policy paper…)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import DraftStateMixin, RevisionMixin, TranslatableMixin
from wagtail.snippets.models import register_snippet


class PublicationKind(DraftStateMixin, RevisionMixin, TranslatableMixin, models.Model):
    """An editor-managed kind of publication: analysis, report, policy paper…

    Visitors see a kind once it is published (`live`): a kind's translation starts as a draft
    with the original's name and is published once translated.
    """

    name = models.CharField(max_length=80, help_text=_("Singular name, e.g. 'Policy paper'."))
    slug = models.SlugField(
        max_length=80, help_text=_("Used in filter addresses, e.g. ?kind=policy-paper.")
    )
    sort_order = models.PositiveSmallIntegerField(
        default=0, help_text=_("Kinds are listed in this order in filters (lowest first).")
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("sort_order")]

    class Meta(TranslatableMixin.Meta):
        ordering = ["sort_order", "name"]
        verbose_name = _("publication kind")
        constraints = [
            models.UniqueConstraint(fields=["locale", "slug"], name="unique_kind_slug_per_locale")
        ]

    def __str__(self):
        return self.name


register_snippet(PublicationKind)
