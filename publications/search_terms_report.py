"""The admin's Reports › Search terms: what visitors searched for in the last 7 and 30 days
and how often it found nothing, from the counts of publications.curation.

It replaces wagtail.contrib.search_promotions' own report, which only superusers see, counts
every day ever kept as one number and knows nothing of searches that found nothing. Each term
links to its promoted results, so an editor goes from a term that finds nothing straight to
pinning a page to it.
"""

from datetime import timedelta

import django_filters
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.auth import permission_denied
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, NumberColumn, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits, SearchPromotion

from .models import NoResultsDailyHits

PROMOTION_PERMISSIONS = [
    f"wagtailsearchpromotions.{action}_searchpromotion" for action in ("add", "change", "delete")
]


def may_curate_search(user):
    """Those who may manage promoted search results see what visitors search for."""
    return any(user.has_perm(permission) for permission in PROMOTION_PERMISSIONS)


def _sum_since(model, since):
    """The sum of a term's daily counts from `since`, as one correlated subquery."""
    totals = (
        model.objects.filter(query=OuterRef("pk"), date__gte=since)
        .order_by()
        .values("query")
        .annotate(total=Sum("hits"))
        .values("total")
    )
    return Coalesce(Subquery(totals, output_field=IntegerField()), Value(0))


class SearchTermsFilterSet(WagtailFilterSet):
    no_results = django_filters.BooleanFilter(
        label=_("Found nothing"),
        method="filter_no_results",
        help_text=_("Only terms that found nothing at least once in the last 30 days."),
    )

    def filter_no_results(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(no_results_30__gt=0)
        return queryset.filter(no_results_30=0)

    class Meta:
        model = Query
        fields = []


class PromotionColumn(Column):
    """A link to the term's promoted results: add the first, or edit those it has."""

    cell_template_name = "admin/search_terms/promotion_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["value"] = instance.promotions
        context["promotions_url"] = reverse("wagtailsearchpromotions:edit", args=[instance.pk])
        return context


class SearchTermsReportView(ReportView):
    page_title = _("Search terms")
    header_icon = "search"
    index_url_name = "search_terms_report"
    index_results_url_name = "search_terms_report_results"
    is_searchable = True
    search_fields = ["query_string"]
    filterset_class = SearchTermsFilterSet
    default_ordering = "-searches_30"
    paginate_by = 50
    columns = [
        TitleColumn(
            "query_string",
            label=_("Search term"),
            sort_key="query_string",
            get_url=lambda query: reverse("wagtailsearchpromotions:edit", args=[query.pk]),
        ),
        NumberColumn("searches_7", label=_("Searches, 7 days"), sort_key="searches_7"),
        NumberColumn("no_results_7", label=_("Found nothing, 7 days"), sort_key="no_results_7"),
        NumberColumn("searches_30", label=_("Searches, 30 days"), sort_key="searches_30"),
        NumberColumn("no_results_30", label=_("Found nothing, 30 days"), sort_key="no_results_30"),
        PromotionColumn("promotions", label=_("Editor’s picks"), sort_key="promotions"),
    ]
    list_export = [
        "query_string",
        "searches_7",
        "no_results_7",
        "searches_30",
        "no_results_30",
        "promotions",
    ]
    export_headings = {
        "query_string": _("Search term"),
        "searches_7": _("Searches, 7 days"),
        "no_results_7": _("Found nothing, 7 days"),
        "searches_30": _("Searches, 30 days"),
        "no_results_30": _("Found nothing, 30 days"),
        "promotions": _("Editor’s picks"),
    }

    def dispatch(self, request, *args, **kwargs):
        if not may_curate_search(request.user):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self):
        kwargs = super().get_filterset_kwargs()
        kwargs["queryset"] = self.get_base_queryset()
        return kwargs

    def get_base_queryset(self):
        today = timezone.localdate()
        week, month = today - timedelta(days=6), today - timedelta(days=29)
        promotions = (
            SearchPromotion.objects.filter(query=OuterRef("pk"))
            .order_by()
            .values("query")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            Query.objects.annotate(
                searches_7=_sum_since(QueryDailyHits, week),
                no_results_7=_sum_since(NoResultsDailyHits, week),
                searches_30=_sum_since(QueryDailyHits, month),
                no_results_30=_sum_since(NoResultsDailyHits, month),
                promotions=Coalesce(Subquery(promotions, output_field=IntegerField()), Value(0)),
            )
            .filter(searches_30__gt=0)
            .order_by("-searches_30", "query_string")
        )


class SearchTermsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_curate_search(request.user)
