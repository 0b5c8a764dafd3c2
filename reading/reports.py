"""The admin's report of reading figures (Reports › Reading figures): the most read
publications of a period, with their views and PDF downloads, by language, and a
spreadsheet export. Shown to editors given the "Can see reading figures" permission."""

import django_filters
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, NumberColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from publications.models import PublicationPage

from .figures import MONTH_DAYS, WEEK_DAYS, publications_read

PERMISSION = "reading.view_reading_figures"
YEAR_DAYS = 365
PERIODS = [
    (str(WEEK_DAYS), _("Last 7 days")),
    (str(MONTH_DAYS), _("Last 30 days")),
    (str(YEAR_DAYS), _("Last 12 months")),
]


def may_see_figures(user):
    return user.is_active and user.has_perm(PERMISSION)


def language_name(publication):
    return dict(_language_choices()).get(publication.language, publication.language)


def _language_choices():
    return list(settings.LANGUAGES)


class ReadingFiguresFilterSet(WagtailFilterSet):
    # Both only choose what publications_read() works out (see ReadingFiguresReport).
    period = django_filters.ChoiceFilter(
        label=_("Period"),
        choices=PERIODS,
        empty_label=None,
        method="chosen_elsewhere",
        help_text=_("Days counted, up to and including today."),
    )
    # Named as Wagtail's own filter of translatable models, which it replaces (one query fewer).
    locale = django_filters.ChoiceFilter(
        label=_("Language"),
        choices=_language_choices,
        empty_label=_("All"),
        method="chosen_elsewhere",
    )

    class Meta:
        model = PublicationPage
        fields = []

    def chosen_elsewhere(self, queryset, name, value):
        return queryset


class ReadingFiguresReport(ReportView):
    page_title = _("Reading figures")
    header_icon = "view"
    index_url_name = "reading_report"
    index_results_url_name = "reading_report_results"
    filterset_class = ReadingFiguresFilterSet
    paginate_by = 50
    list_export = ["title", "language", "views", "downloads"]
    export_headings = {
        "title": _("Publication"),
        "language": _("Language"),
        "views": _("Views"),
        "downloads": _("PDF downloads"),
    }

    def dispatch(self, request, *args, **kwargs):
        if not may_see_figures(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def chosen(self, name, default=None):
        filters = self.filters
        if filters is not None and filters.is_valid():
            return filters.form.cleaned_data.get(name) or default
        return default

    @property
    def period_days(self):
        return int(self.chosen("period", str(WEEK_DAYS)))

    @cached_property
    def columns(self):
        # The period is named in the headings, which change with it (the results are swapped
        # in when the filter changes; the page's header stays).
        period = dict(PERIODS)[str(self.period_days)]
        return [
            TitleColumn("title", label=_("Publication"), url_name="wagtailadmin_pages:edit"),
            Column("language", label=_("Language"), accessor=language_name),
            NumberColumn("views", label=format_lazy("{} · {}", _("Views"), period)),
            NumberColumn("downloads", label=format_lazy("{} · {}", _("PDF downloads"), period)),
        ]

    def get_filename(self):
        return f"reading-figures-{self.period_days}-days"

    def get_queryset(self):
        return publications_read(self.period_days, self.chosen("locale")).annotate(
            language=F("locale__language_code")
        )
