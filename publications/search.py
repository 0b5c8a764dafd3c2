"""The search over the resource base: criteria, ranking and facet counts (see
publications.text for how text and queries are normalised)."""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from hashlib import md5

from django.db.models import Count, Prefetch
from django.db.models.functions import ExtractYear
from wagtail.models import PageViewRestriction

from bcsp_site.caching.generation import FRAGMENT_CACHE_SECONDS, remembered
from bcsp_site.core.pages import any_view_restrictions

from .models import PublicationAuthor, PublicationPage
from .text import SearchTerms

# The ranking of a search (the ids of its first matches) and its facet counts are kept this
# long for the content generation: popular searches then cost two small queries. The search
# index is updated by the task worker a moment after a page is published, so the time is
# short rather than "until the content changes". Searches without keywords read only the
# database, whose every change starts a new content generation: theirs are kept as long as
# other fragments.
SEARCH_CACHE_SECONDS = 60
RANKED_IDS_KEPT = 200

# Querying ------------------------------------------------------------------------------------

SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"
SORT_OLDEST = "oldest"


@dataclass
class SearchCriteria:
    terms: SearchTerms | None = None
    locale: object = None
    kinds: list = field(default_factory=list)
    author: object = None
    tag: object = None
    year_from: int | None = None
    year_to: int | None = None
    sort: str = ""
    # Pages shown above the results as editors' picks, left out of the results themselves.
    excluded_pages: tuple = ()

    @property
    def effective_sort(self):
        if self.sort in (SORT_NEWEST, SORT_OLDEST):
            return self.sort
        return SORT_RELEVANCE if self.terms else SORT_NEWEST


class PublicationSearch:
    """Live, public publications of one locale matching the criteria, with facet counts.

    A fixed number of SQL queries whatever the size of the resource base: view restrictions,
    one page of results (plus one for their authors) and one grouped count that gives the
    total and both facets. Facets are "disjunctive": the kind counts ignore the kind filter
    and the year counts the year filter, so a visitor sees what widening would bring.
    """

    def __init__(self, criteria):
        self.criteria = criteria
        self.model = PublicationPage
        self._base = None
        self._one_pass = None

    @property
    def has_keywords(self):
        return bool(self.criteria.terms) and self.criteria.locale is not None

    def base_queryset(self):
        if self._base is None:
            if self.criteria.locale is None:
                self._base = self.model.objects.none()
            else:
                self._base = self.model.objects.filter(live=True, locale=self.criteria.locale)
                if self.criteria.excluded_pages:
                    self._base = self._base.exclude(pk__in=self.criteria.excluded_pages)
                # Not .public(): search backends accept plain field filters only, so pages in
                # private sections are left out by path (one query, reused by every query below).
                if any_view_restrictions():
                    for path in PageViewRestriction.objects.values_list("page__path", flat=True):
                        self._base = self._base.exclude(path__startswith=path)
        return self._base

    def filtered(self, *, by_kind=True, by_year=True):
        criteria, publications = self.criteria, self.base_queryset()
        if by_kind and criteria.kinds:
            publications = publications.filter(kind__in=criteria.kinds)
        if criteria.author is not None:
            publications = publications.filter(author_links__author=criteria.author)
        if criteria.tag is not None:
            publications = publications.filter(tagged_items__tag=criteria.tag)
        if by_year and criteria.year_from:
            publications = publications.filter(
                publication_date__gte=datetime.date(criteria.year_from, 1, 1)
            )
        if by_year and criteria.year_to:
            publications = publications.filter(
                publication_date__lte=datetime.date(criteria.year_to, 12, 31)
            )
        return publications

    def _search(self, publications, order_by_relevance):
        return publications.search(
            self.criteria.terms.as_search_query(), order_by_relevance=order_by_relevance
        )

    @staticmethod
    def for_cards(publications):
        """With what a result shows: kind, cover (for a card that shows it) and authors."""
        return (
            publications.defer_streamfields()
            .with_cover()
            .prefetch_related(
                Prefetch(
                    "author_links",
                    queryset=PublicationAuthor.objects.select_related("author").order_by(
                        "sort_order"
                    ),
                )
            )
        )

    def _ordered(self, publications):
        """`publications` filtered by the criteria, in the chosen order."""
        sort = self.criteria.effective_sort
        if sort == SORT_OLDEST:
            publications = publications.order_by("publication_date", "id")
        else:
            publications = publications.order_by("-publication_date", "-id")
        if not self.has_keywords:
            return publications
        return self._search(publications, order_by_relevance=sort == SORT_RELEVANCE)

    def live_results(self):
        """The matching publications in the chosen order, ready for result cards."""
        return self._ordered(self.for_cards(self.filtered()))

    def results(self):
        """The matching publications in the chosen order, by slices (see RankedResults)."""
        return RankedResults(self)

    def cache_key(self, part):
        criteria = self.criteria
        terms = criteria.terms
        parts = (
            criteria.locale.pk if criteria.locale else None,
            (terms.words, terms.phrases) if terms else None,
            sorted(kind.pk for kind in criteria.kinds),
            criteria.author.pk if criteria.author else None,
            criteria.tag.pk if criteria.tag else None,
            criteria.year_from,
            criteria.year_to,
            criteria.effective_sort,
            sorted(criteria.excluded_pages),
        )
        digest = md5(repr(parts).encode(), usedforsecurity=False).hexdigest()
        return f"search:{part}:{digest}"

    @property
    def cache_seconds(self):
        return SEARCH_CACHE_SECONDS if self.has_keywords else FRAGMENT_CACHE_SECONDS

    def ranked_ids(self):
        """The ids of the first RANKED_IDS_KEPT matches in order, kept for a short while."""
        one_pass = self._read_once()
        if one_pass is not None:
            return one_pass[0]
        return remembered(
            self.cache_key("ranking"),
            lambda: [
                publication.pk
                for publication in self._ordered(self.filtered().only("pk"))[:RANKED_IDS_KEPT]
            ],
            seconds=self.cache_seconds,
        )

    def _read_once(self):
        """(ranked ids, {(kind id, year): count}) of a keyword search on a database backend,
        from one query, kept for a short while; None for other searches.

        Both come from the same matches, which are what a search costs: on PostgreSQL each
        match is looked up in the search index, the publications and the pages. Reading them
        once, in the chosen order with their kind and year, and keeping the ranking and the
        counts apart in Python halves that cost (at 100,000 publications a two-word query
        matches some 2,500). The kind and year filters are applied here, as the facet counts
        must ignore them.
        """
        if not self.has_keywords:
            return None
        if self._one_pass is None:
            self._one_pass = remembered(
                self.cache_key("one-pass"), self._rank_and_count, seconds=self.cache_seconds
            )
        return self._one_pass or None

    def _rank_and_count(self):
        matches = self._ordered(self.filtered(by_kind=False, by_year=False))
        if not hasattr(matches, "get_queryset"):
            return ()  # a search server: its own ranking and facets (kept, as not None)
        rows = matches.get_queryset().values_list("pk", "kind_id", ExtractYear("publication_date"))
        selected_kinds = {kind.pk for kind in self.criteria.kinds}
        ranked, table = [], Counter()
        for pk, kind_id, year in rows:
            table[kind_id, year] += 1
            if (
                len(ranked) < RANKED_IDS_KEPT
                and (not selected_kinds or kind_id in selected_kinds)
                and self._in_years(year)
            ):
                ranked.append(pk)
        return ranked, dict(table)

    def publications_by_id(self, ids):
        found = {
            publication.pk: publication
            for publication in self.for_cards(self.model.objects.filter(pk__in=ids, live=True))
        }
        return [found[pk] for pk in ids if pk in found]

    def _in_years(self, year):
        criteria = self.criteria
        return (not criteria.year_from or year >= criteria.year_from) and (
            not criteria.year_to or year <= criteria.year_to
        )

    def _counts_by_kind_and_year(self):
        """{(kind id, year): count} for the query and every filter but kinds and years.

        None when the search backend cannot group its matches in SQL (a search server).
        Kept for a short while, like the ranking.
        """
        one_pass = self._read_once()
        if one_pass is not None:
            return one_pass[1]
        return remembered(
            self.cache_key("counts"), self._count_by_kind_and_year, seconds=self.cache_seconds
        )

    def _count_by_kind_and_year(self):
        publications = self.filtered(by_kind=False, by_year=False).order_by()
        if self.has_keywords:
            matches = self._search(publications, order_by_relevance=False)
            if not hasattr(matches, "get_queryset"):
                return None
            # Database backends: the matches are an SQL queryset, grouped in one query.
            publications = matches.get_queryset().order_by()
        rows = (
            publications.annotate(year=ExtractYear("publication_date"))
            .values_list("kind_id", "year")
            .annotate(count=Count("pk"))
        )
        return {(kind_id, year): count for kind_id, year, count in rows}

    def counts(self):
        """(total, {kind id: count}, {year: count}, newest year first) for these criteria."""
        selected_kinds = {kind.pk for kind in self.criteria.kinds}
        table = self._counts_by_kind_and_year()
        if table is None:
            return self._counts_from_facets()
        total, by_kind, by_year = 0, Counter(), Counter()
        for (kind_id, year), count in table.items():
            in_years = self._in_years(year)
            in_kinds = not selected_kinds or kind_id in selected_kinds
            if in_years:
                by_kind[kind_id] += count
            if in_kinds:
                by_year[year] += count
            if in_years and in_kinds:
                total += count
        return total, dict(by_kind), dict(sorted(by_year.items(), reverse=True))

    def _counts_from_facets(self):
        """The same counts through the backend's facets (for search servers)."""
        by_kind = self._search(
            self.filtered(by_kind=False).order_by(), order_by_relevance=False
        ).facet("kind_id")
        by_date = self._search(
            self.filtered(by_year=False).order_by(), order_by_relevance=False
        ).facet("publication_date")
        by_year = Counter()
        for day, count in by_date.items():
            by_year[day.year] += count
        total = self._search(self.filtered().order_by(), order_by_relevance=False).count()
        return total, dict(by_kind), dict(sorted(by_year.items(), reverse=True))


class RankedResults:
    """A search's matches for the paginator: pages within the first RANKED_IDS_KEPT come from
    the cached ranking (the publications fetched by id), deeper ones from the backend."""

    def __init__(self, search):
        self.search = search

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = self.search.ranked_ids()
        everything_ranked = len(ids) < RANKED_IDS_KEPT
        if index.step is None and (
            everything_ranked or (index.stop is not None and index.stop <= len(ids))
        ):
            return self.search.publications_by_id(ids[index])
        return list(self.search.live_results()[index])
