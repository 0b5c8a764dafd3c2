"""What the counts say: the most read publications of a period, for the home page and the
admin's report."""

import datetime
import time

from django.conf import settings
from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from publications.models import PublicationPage

from .models import DocumentDownloads, PageViews

WEEK_DAYS = 7
MONTH_DAYS = 30


def first_day(days, today=None):
    """The first day of the last `days` days, today included."""
    return (today or timezone.localdate()) - datetime.timedelta(days=days - 1)


def most_read(locale_id, count, today=None):
    """The `count` live public publications of a language most read in the last week, then,
    to fill the list, in the last 30 days; [] before anything was read. Two queries."""
    week, month = first_day(WEEK_DAYS, today), first_day(MONTH_DAYS, today)
    ranked = (
        PageViews.objects.filter(day__gte=month, page__locale_id=locale_id)
        .values("page_id")
        .annotate(week=Sum("count", filter=Q(day__gte=week), default=0), month=Sum("count"))
        .order_by("-week", "-month", "page_id")
        .values_list("page_id", flat=True)
    )
    # A few more than needed, in case some were unpublished since they were read.
    page_ids = list(ranked[: count * 2])
    pages = PublicationPage.objects.live().public().filter(pk__in=page_ids).defer_streamfields()
    by_id = {page.pk: page for page in pages}
    return [by_id[pk] for pk in page_ids if pk in by_id][:count]


def most_read_period(now=None):
    """(the number of the current period of READING_MOST_READ_SECONDS, seconds until the next).

    The home page's "Most read" is worked out once a period: its fragment is keyed by the
    period's number, and the page is kept (page cache, browsers, a CDN) no longer than the
    period lasts, so the list a visitor sees is never older than one period."""
    seconds = settings.READING_MOST_READ_SECONDS
    now = time.time() if now is None else now
    return int(now // seconds), max(1, int(seconds - now % seconds))


def publications_read(days, language_code=None, today=None):
    """Publications with their views and PDF downloads in the last `days` days, most read
    first, each in its own language (a download counts for the language of the page it was
    fetched from). Those neither read nor downloaded are left out. One query."""
    since = first_day(days, today)
    publications = PublicationPage.objects.select_related("locale")
    if language_code:
        publications = publications.filter(locale__language_code=language_code)
    views = PageViews.objects.filter(page=OuterRef("pk"), day__gte=since)
    downloads = DocumentDownloads.objects.filter(
        document=OuterRef("pdf_id"),
        day__gte=since,
        language_code=OuterRef("locale__language_code"),
    )
    return (
        publications.annotate(
            views=Coalesce(
                Subquery(
                    views.values("page").annotate(total=Sum("count")).values("total"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            downloads=Coalesce(
                Subquery(
                    downloads.values("document").annotate(total=Sum("count")).values("total"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .filter(Q(views__gt=0) | Q(downloads__gt=0))
        .order_by("-views", "-downloads", "title", "pk")
        .defer_streamfields()
    )
