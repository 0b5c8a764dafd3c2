"""Search curation: editors' picks on the search page, and the record of what visitors
search for, both on wagtail.contrib.search_promotions' models.

Editors pin pages to a search term under Settings › Promoted search results. A visitor's
query meets a term when both are the same once normalised the way the library stores terms
(lower case, single spaces) and then folded the way the search folds Serbian text
(publications.text.fold: "Đorđević", "Djordjevic" and "dordevic" are one term, Cyrillic is
written in Latin letters). A pick shows the picked page's translation in the language being
searched, and only while that translation is live and outside every private section.

Every search with words is counted on its first page, per term and day, in the library's
QueryDailyHits, and, when it found nothing, in NoResultsDailyHits beside it. What looks like
an email address or a phone number, and anything longer than MAX_RECORDED_TERM_LENGTH, is
never recorded; nothing about the visitor is. Older days are deleted by purge_personal_data
(SEARCH_TERMS_RETENTION_DAYS).
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from hashlib import md5
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits, SearchPromotion
from wagtail.models import Page
from wagtail.search.utils import normalise_query_string

from bcsp_site.caching.generation import remembered
from bcsp_site.core.pages import PublicPageQuerySet

from .models import NoResultsDailyHits
from .text import fold

MAX_RECORDED_TERM_LENGTH = 100
_EMAIL_RE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# A run of digits with the separators phone numbers are written with.
_NUMBER_RUN_RE = re.compile(r"\+?\d[\d ().\-/]*\d")
_YEAR_RE = re.compile(r"(19|20)\d\d")


def normalised_term(text):
    """The query as the library stores a term: lower case, single spaces."""
    return normalise_query_string(" ".join((text or "").split()))


def pick_key(text):
    """What a query and a promoted term are compared by: normalised, then folded."""
    return " ".join(fold(normalised_term(text)).split())


def _looks_like_a_phone_number(run):
    groups = re.findall(r"\d+", run)
    digits = sum(len(group) for group in groups)
    if all(len(group) == 4 and _YEAR_RE.fullmatch(group) for group in groups):
        return False  # years: "2019-2020"
    return digits >= 7 or (digits >= 6 and run[0] in "+0")


def recordable_term(text):
    """The term to count for a query, or None when it must not be kept: empty, too long,
    or holding what looks like an email address or a phone number."""
    term = normalised_term(text)
    if not term or len(term) > MAX_RECORDED_TERM_LENGTH:
        return None
    if _EMAIL_RE.search(term):
        return None
    if any(_looks_like_a_phone_number(run) for run in _NUMBER_RUN_RE.findall(term)):
        return None
    return term


def is_refinement(request, text):
    """Is this the visitor moving within a search already counted: another page of it, or
    a filter, an order or a language chosen on the results of the same words?"""
    if "page" in request.GET:
        return True
    try:
        referer = urlsplit(request.headers.get("Referer", ""))
        if referer.netloc != request.get_host() or resolve(referer.path).url_name != "search":
            return False
    except (ValueError, Resolver404):  # not an address, or not one of the site's
        return False
    previous = parse_qs(referer.query).get("q", [""])[0]
    return pick_key(previous) == pick_key(text)


def record_search(term, *, found_nothing):
    """Count one search of `term` today, and whether it found nothing.

    On the request path, so kept to one statement per counter when the term is known (an
    upsert of the day's row: no row lock held beyond the statement, so concurrent searches
    never wait on each other for longer) and three when it is new. Rows are written without
    model signals: these counters are not content and must not start a new content
    generation.
    """
    today = timezone.localdate()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A count is worth less than the wait for the disk that a commit otherwise makes
            # (about 15-20 ms here, as long as the whole search): at worst a crash of the
            # database loses the last fraction of a second of counts, never other data.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        _count(QueryDailyHits, term, today)
        if found_nothing:
            _count(NoResultsDailyHits, term, today)


def _count(model, term, today):
    """Add one to the term's row of the day in `model`, making the term's Query first if
    there is none (a term new to the site, or pruned since)."""
    if _add_hit(model, term, today):
        return
    # The library's Query.get() is a get_or_create (a read, then an insert in a savepoint);
    # one insert that yields to a concurrent one does the same.
    Query.objects.bulk_create([Query(query_string=term)], ignore_conflicts=True)
    _add_hit(model, term, today)


def _add_hit(model, term, today):
    """One statement: insert the day's row with one hit, or add one to it. False when the
    term has no Query yet. Both databases take this form of upsert (PostgreSQL 9.5,
    SQLite 3.24); the ORM's bulk_create(update_conflicts=True) cannot add to a column."""
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} (query_id, date, hits) "  # noqa: S608 - names from the models
        f"SELECT id, %s, 1 FROM {connection.ops.quote_name(Query._meta.db_table)} "
        "WHERE query_string = %s "
        f"ON CONFLICT (query_id, date) DO UPDATE SET hits = {table}.hits + 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(today), term])
        return cursor.rowcount > 0


def prune_search_terms(days=None):
    """Delete the counts older than `days` (SEARCH_TERMS_RETENTION_DAYS), then the terms
    left with no counts and no promotion. Returns the number of daily rows deleted."""
    days = settings.SEARCH_TERMS_RETENTION_DAYS if days is None else days
    cutoff = timezone.localdate() - timedelta(days=days)
    no_results, _ = NoResultsDailyHits.objects.filter(date__lt=cutoff).delete()
    hits, _ = QueryDailyHits.objects.filter(date__lt=cutoff).delete()
    Query.objects.filter(
        daily_hits__isnull=True, no_results_daily__isnull=True, editors_picks__isnull=True
    ).delete()
    return hits + no_results


# Editors' picks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditorsPick:
    title: str
    url: str
    description: str
    page_id: int | None = None


def _promotions_by_key():
    """{pick key: [(translation key or None, locale id, link, link text, description)]}, in
    the editors' order."""
    by_key = {}
    promotions = SearchPromotion.objects.select_related("query", "page").order_by(
        "query_id", "sort_order", "pk"
    )
    for promotion in promotions:
        page = promotion.page
        by_key.setdefault(pick_key(promotion.query.query_string), []).append(
            (
                page.translation_key if page else None,
                page.locale_id if page else None,
                promotion.external_link_url,
                promotion.external_link_text or "",
                promotion.description,
            )
        )
    return by_key


def editors_picks(text, locale, request):
    """The picks for the query `text` in the language of `locale`, in the editors' order.

    Kept for the content generation (every change of a promotion or a page starts a new
    one): a search without picks costs one cache read, one with picks two.
    """
    key = pick_key(text)
    if not key or locale is None:
        return []
    promoted = remembered("search:promotions", _promotions_by_key).get(key)
    if not promoted:
        return []
    digest = md5(key.encode(), usedforsecurity=False).hexdigest()
    return remembered(
        f"search:picks:{locale.pk}:{digest}", lambda: _picks_in(promoted, locale, request)
    )


def _picks_in(promoted, locale, request):
    keys = [translation_key for translation_key, *_ in promoted if translation_key]
    pages = {}
    if keys:
        found = PublicPageQuerySet(Page).live().filter(translation_key__in=keys, locale=locale)
        found = found.exclude(found.private_q())
        pages = {page.translation_key: page for page in found}
    picks = []
    for translation_key, picked_locale_id, link, link_text, description in promoted:
        if translation_key is None:
            picks.append(EditorsPick(title=link_text, url=link, description=description))
            continue
        page = pages.get(translation_key)
        url = page and page.get_url(request)
        if url:
            # The editor's description is in the language of the page they picked; a
            # translation shows its own search description instead.
            if page.locale_id != picked_locale_id or not description:
                description = page.search_description
            picks.append(
                EditorsPick(title=page.title, url=url, description=description, page_id=page.pk)
            )
    return picks
