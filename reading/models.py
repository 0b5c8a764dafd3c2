"""Reading figures: how often each publication was read and its PDF downloaded, per day and
language. Counts only: no visitor, address, browser or cookie is stored with them (see
``reading.counting`` for how a visit is counted once without keeping anything about it)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyCount(models.Model):
    day = models.DateField(_("day"))
    language_code = models.CharField(_("language"), max_length=8)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.day} {self.language_code}: {self.count}"


class PageViews(DailyCount):
    """Views of a publication's page on one day (its own language, each translation a page)."""

    page = models.ForeignKey(
        "publications.PublicationPage", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("page views on a day")
        verbose_name_plural = _("page views by day")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "day", "language_code"], name="reading_one_page_count_a_day"
            )
        ]
        indexes = [models.Index(fields=["day", "language_code"], name="reading_page_day")]
        permissions = [("view_reading_figures", _("Can see reading figures"))]


class DocumentDownloads(DailyCount):
    """Downloads of a document on one day, by the language of the page it was fetched from."""

    document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("document downloads on a day")
        verbose_name_plural = _("document downloads by day")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "day", "language_code"],
                name="reading_one_document_count_a_day",
            )
        ]
        indexes = [models.Index(fields=["day", "language_code"], name="reading_document_day")]
