"""The search over the resource base: criteria, ranking and facet counts (see
publications.text for how text and queries are normalised)."""

import datetime
import functools
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from hashlib import md5

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractYear
from django.utils.functional import cached_property
from wagtail.models import PageViewRestriction
from wagtail.search.backends import get_search_backend

from bcsp_site.caching.generation import FRAGMENT_CACHE_SECONDS, remembered, remembered_many
from bcsp_site.core.page_urls import PageUrls
from bcsp_site.core.pages import any_view_restrictions

from .models import PublicationAuthor, PublicationPage, PublicationSearchEntry
from .search_backend import uses_search_entries
from .text import SearchTerms, highlight

# The ranking of a search (the ids of its first matches) and its facet counts are kept this
# long for the content generation: popular searches then cost two small queries. The search
# index is updated by the task worker a moment after a page is published, so the time is
# short rather than "until the content changes". Searches without keywords read only the
# database, whose every change starts a new content generation: theirs are kept as long as
# other fragments.
SEARCH_CACHE_SECONDS = 60
RANKED_IDS_KEPT = 200
# What a match counts for in ranking by the weight of the words it matched: PostgreSQL's
# order, D to A. Ranking reads weights A to C only (PublicationSearchEntry.headline): title
# and author names (A), topics (B), summary and page title (C); body matches rank after them,
# newest first.
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
# On PostgreSQL a query's work is bounded whatever it matches, as search servers bound theirs
# (Elasticsearch counts exactly up to 10,000 hits): counting or ranking every match reads
# every match's row, and at 100,000 publications a query matching them all took 0.4 s.
# - Matches are counted exactly up to COUNTED_MATCHES. Beyond, the counts are estimated from
#   the publications whose id is a multiple of SAMPLE_EVERY (a twentieth of them, spread over
#   every year and kind), or of COARSE_SAMPLE_EVERY when that sample holds more than
#   SAMPLED_MATCHES; they are shown as "about", and only the first COUNTED_MATCHES results can
#   be paged through.
# - "Best match" ranks the newest RANKED_CANDIDATES publications whose title, authors, topics
#   or summary hold every word; the other matches follow, newest first.
COUNTED_MATCHES = 1_000
SAMPLE_EVERY = 20  # also in migration 0015's indexes, like COARSE_SAMPLE_EVERY
COARSE_SAMPLE_EVERY = 200
SAMPLED_MATCHES = 500
RANKED_CANDIDATES = 500


@functools.cache
def entries_backend():
    """The search backend when it keeps PublicationSearchEntry rows (PostgreSQL), else None."""
    backend = get_search_backend()
    return backend if uses_search_entries(backend) else None


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
    the ranking, one grouped count that gives the total and both facets, and two for the
    result cards not kept yet (result_cards). Facets are "disjunctive": the kind counts ignore the
    kind filter and the year counts the year filter, so a visitor sees what widening would
    bring.

    Where the matches come from: without keywords, the publications themselves; keywords on
    PostgreSQL, the search's own rows (PublicationSearchEntry: words, facets and filters in
    one row, ranked by the title, authors, topics and summary); elsewhere Wagtail's search
    backend (SQLite FTS5, or a search server, whose facets are asked of the server).
    """

    def __init__(self, criteria):
        self.criteria = criteria
        self.model = PublicationPage
        self._base = None
        self._filtered = {}  # filtered()'s querysets: each is built once, evaluated never

    @property
    def has_keywords(self):
        return bool(self.criteria.terms) and self.criteria.locale is not None

    @cached_property
    def reads_entries(self):
        return self.has_keywords and entries_backend() is not None

    @cached_property
    def tsquery(self):
        """The keywords as PostgreSQL's tsquery: every loose word and every phrase."""
        terms, config = self.criteria.terms, entries_backend().config
        parts = [SearchQuery(" ".join(terms.words), config=config)] if terms.words else []
        parts += [
            SearchQuery(" ".join(phrase), search_type="phrase", config=config)
            for phrase in terms.phrases
        ]
        return functools.reduce(operator.and_, parts)

    def base_queryset(self):
        if self._base is None:
            if self.criteria.locale is None:
                self._base = self.model.objects.none()
            else:
                source = (
                    PublicationSearchEntry.objects if self.reads_entries else self.model.objects
                )
                self._base = source.filter(live=True, locale=self.criteria.locale)
                if self.criteria.excluded_pages:
                    self._base = self._base.exclude(pk__in=self.criteria.excluded_pages)
                # Not .public(): search backends accept plain field filters only, so pages in
                # private sections are left out by path (one query, reused by every query below).
                if any_view_restrictions():
                    for path in PageViewRestriction.objects.values_list("page__path", flat=True):
                        self._base = self._base.exclude(**{self._page("path__startswith"): path})
        return self._base

    def _in_kinds(self):
        """The kind filter. On PostgreSQL's rows each kind's id is written as a bigint, the
        column's type: only then do the GIN indexes that hold the kind (0015) take it, as
        btree_gin knows no comparison across integer types."""
        if not self.reads_entries:
            return Q(kind__in=self.criteria.kinds)
        return functools.reduce(
            operator.or_,
            (Q(kind_id=Cast(Value(kind.pk), BigIntegerField())) for kind in self.criteria.kinds),
        )

    def _page(self, lookup):
        """A lookup on the publication, from the rows the matches come from."""
        return f"page__{lookup}" if self.reads_entries else lookup

    def filtered(self, *, by_kind=True, by_year=True, words_in="document"):
        """The matches of the words and the criteria. On PostgreSQL's rows the words are
        looked for in `words_in`: "document" (every indexed word) or "headline" (the title,
        authors, topics and summary); Wagtail's search is applied later (_search)."""
        key = (by_kind, by_year, words_in)
        if key not in self._filtered:
            self._filtered[key] = self._filter(by_kind, by_year, words_in)
        return self._filtered[key]

    def _filter(self, by_kind, by_year, words_in):
        criteria, publications = self.criteria, self.base_queryset()
        if self.reads_entries:
            publications = publications.filter(**{words_in: self.tsquery})
        if by_kind and criteria.kinds:
            publications = publications.filter(self._in_kinds())
        if criteria.author is not None:
            publications = publications.filter(
                **{self._page("author_links__author"): criteria.author}
            )
        if criteria.tag is not None:
            publications = publications.filter(**{self._page("tagged_items__tag"): criteria.tag})
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

    def _ordered(self, matches):
        """`matches` in the chosen order."""
        sort = self.criteria.effective_sort
        matches = matches.order_by(*self._by_date(sort))
        if not self.has_keywords or self.reads_entries:
            return matches
        return self._search(matches, order_by_relevance=sort == SORT_RELEVANCE)

    def _by_date(self, sort):
        """The ordering by date, newest first unless `sort` is SORT_OLDEST."""
        # By id last, so that equal dates keep one order ("pk" is no field of Wagtail's index).
        order = ["publication_date", "pk" if self.reads_entries else "id"]
        if self.reads_entries and not self._broad:
            # The year first changes nothing in the order, but the date index cannot give it:
            # PostgreSQL then sorts a narrow query's few matches. Otherwise it may walk the
            # index newest first looking for them, sure it will find them soon: at 100,000
            # publications a query whose matches ran out took 220 ms that way, 3 ms sorted.
            order.insert(0, "year")
        return order if sort == SORT_OLDEST else [f"-{name}" for name in order]

    @cached_property
    def _broad(self):
        """Whether more than COUNTED_MATCHES match (as estimated)."""
        return self.counts().total > COUNTED_MATCHES

    def results(self, request=None):
        """The matching publications' cards in the chosen order, by slices (RankedResults)."""
        return RankedResults(self, request)

    def results_slice(self, index, request=None):
        """Result cards `index` (a slice) of the matches, beyond the kept ranking."""
        return result_cards(self._ids(index), request)

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
        return remembered(
            self.cache_key("ranking"),
            lambda: self._ids(slice(0, RANKED_IDS_KEPT)),
            seconds=self.cache_seconds,
        )

    def _ids(self, index):
        """The ids of the matches `index` (a slice) in order."""
        if self.has_keywords and not self.reads_entries:  # Wagtail's search: results, not rows
            return [match.pk for match in self._ordered(self.filtered().only("pk"))[index]]
        if self.reads_entries and self.criteria.effective_sort == SORT_RELEVANCE:
            return self._best_match_ids(index.start or 0, index.stop)
        return list(self._ordered(self.filtered()).values_list("pk", flat=True)[index])

    def _best_match_ids(self, start, stop):
        """The ids of matches `start` to `stop` by best match (PostgreSQL's rows): first the
        newest RANKED_CANDIDATES matches whose title, authors, topics or summary hold every
        word, ranked by those words' weights, then every other match, newest first."""
        counts = self.counts()
        if counts.total <= RANKED_CANDIDATES and not counts.total_estimated:
            return self._best_match_ids_in_one_query(start, stop)
        return self._best_match_ids_in_two_steps(start, stop)

    def _best_match_ids_in_one_query(self, start, stop):
        """The same order when every headline match is a candidate (no more matches than
        RANKED_CANDIDATES), in one query: a round trip fewer, and one query less to build."""
        in_headline = Q(headline=self.tsquery)
        rank = SearchRank(F("headline"), self.tsquery, weights=RANK_WEIGHTS)
        ranked = (
            self.filtered()
            .annotate(
                in_headline=ExpressionWrapper(in_headline, output_field=BooleanField()),
                headline_rank=Case(When(in_headline, then=rank), default=Value(0.0)),
            )
            .order_by("-in_headline", "-headline_rank", *self._by_date(SORT_NEWEST))
        )
        return list(ranked.values_list("pk", flat=True)[start:stop])

    def _best_match_ids_in_two_steps(self, start, stop):
        """Rank the candidates, then list the other matches: neither reads every match."""
        # The headline's words are among the document's: its index alone finds the candidates.
        candidates = (
            self.filtered(words_in="headline")
            .order_by(*self._by_date(SORT_NEWEST))
            .values("pk")[:RANKED_CANDIDATES]
        )
        ids = self._ranked_candidates(candidates, start, stop)
        wanted = None if stop is None else stop - start
        if wanted is not None and len(ids) == wanted:
            return ids
        # The ranked ones ran out within (or before) this slice: the rest follows them. From
        # the start, every candidate is in `ids` already (no need to find them again).
        ranked_count = start + len(ids) if ids or not start else candidates.count()
        rest = (
            self.filtered()
            .exclude(pk__in=ids if not start else candidates)
            .order_by(*self._by_date(SORT_NEWEST))
            .values_list("pk", flat=True)
        )
        offset = max(start - ranked_count, 0)
        return ids + list(rest[offset : None if wanted is None else offset + wanted - len(ids)])

    def _ranked_candidates(self, candidates, start, stop):
        """The ids of `candidates` `start` to `stop` by rank, then newest first.

        Ranked as the rows the candidates' query read, named as the table, so that the
        rank's SQL (compiled for the table) applies: selecting the candidates by id again
        cost 500 index lookups, a quarter of ranking a broad query at 100,000 publications.
        The ORM cannot select from a subquery, hence the wrapping.
        """
        query = PublicationSearchEntry.objects.all().query
        rank = SearchRank(F("headline"), self.tsquery, weights=RANK_WEIGHTS).resolve_expression(
            query
        )
        rank_sql, rank_params = rank.as_sql(query.get_compiler(connection=connection), connection)
        rows, rows_params = candidates.values(
            "pk", "headline", "publication_date"
        ).query.sql_with_params()
        table = connection.ops.quote_name(PublicationSearchEntry._meta.db_table)
        limit = "ALL" if stop is None else f"{stop - start:d}"
        sql = f"""
            SELECT pk FROM ({rows}) AS {table}
            ORDER BY {rank_sql} DESC, publication_date DESC, pk DESC
            LIMIT {limit} OFFSET {start:d}
        """  # noqa: S608 - the ORM's SQL, values as parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, [*rows_params, *rank_params])
            return [pk for (pk,) in cursor.fetchall()]

    def _in_years(self, year):
        criteria = self.criteria
        return (not criteria.year_from or year >= criteria.year_from) and (
            not criteria.year_to or year <= criteria.year_to
        )

    def _counts_by_kind_and_year(self):
        """({(kind id, year): count}, estimated) for the query and every filter but kinds and
        years; estimated is True when the counts are estimates (see COUNTED_MATCHES).

        None when the search backend cannot group its matches in SQL (a search server).
        Kept for a short while, like the ranking.
        """
        return remembered(
            self.cache_key("counts"), self._count_by_kind_and_year, seconds=self.cache_seconds
        )

    def _count_by_kind_and_year(self):
        matches = self.filtered(by_kind=False, by_year=False).order_by()
        if self.reads_entries:
            return self._count_entries(matches)
        if self.has_keywords:
            found = self._search(matches, order_by_relevance=False)
            if not hasattr(found, "get_queryset"):
                return None
            # Database backends: the matches are an SQL queryset, grouped in one query.
            matches = found.get_queryset().order_by()
        rows = (
            matches.annotate(year=ExtractYear("publication_date"))
            .values_list("kind_id", "year")
            .annotate(count=Count("pk"))
        )
        return {(kind_id, year): count for kind_id, year, count in rows}, False

    def _count_entries(self, matches):
        """The counts of PostgreSQL's rows: exact up to COUNTED_MATCHES, else estimated from
        the matches among every SAMPLE_EVERY-th page id, or, when those are more than
        SAMPLED_MATCHES, among every COARSE_SAMPLE_EVERY-th. Each sample has its own GIN
        index (0015), so only sampled matches are read, and the sample is read first: the
        exact count, whose index scan reads every posting of every word, is made only when
        the sample says it may be within COUNTED_MATCHES.

        One statement around the SQL the ORM compiles for `matches` (their id, kind and
        year): the ORM can neither group a limited subquery nor reuse one. Each use of
        `matches` is inlined (NOT MATERIALIZED), so that PostgreSQL sees a sample's
        condition on the table and takes its index.
        """
        rows_sql, params = matches.values_list("pk", "kind_id", "year").query.sql_with_params()
        # Past this many sampled, a query matches more than COUNTED_MATCHES but for a chance
        # of some one in ten thousand (three and a half standard deviations at the limit).
        worth_counting = COUNTED_MATCHES * 3 // (2 * SAMPLE_EVERY)
        sql = f"""
            WITH matches AS NOT MATERIALIZED ({rows_sql}),
            fine AS MATERIALIZED (
                SELECT kind_id, year FROM matches WHERE pk %% {SAMPLE_EVERY:d} = 0
                LIMIT {SAMPLED_MATCHES + 1:d}
            ),
            capped AS MATERIALIZED (SELECT kind_id, year FROM matches LIMIT {COUNTED_MATCHES + 1:d})
            SELECT 0, kind_id, year, count(*) FROM capped
            WHERE (SELECT count(*) FROM fine) <= {worth_counting:d}
            GROUP BY kind_id, year
            UNION ALL
            SELECT 1, kind_id, year, count(*) FROM fine
            WHERE (SELECT count(*) FROM fine) <= {SAMPLED_MATCHES:d}
            GROUP BY kind_id, year
            UNION ALL
            SELECT 2, kind_id, year, count(*) FROM matches WHERE pk %% {COARSE_SAMPLE_EVERY:d} = 0
            AND (SELECT count(*) FROM fine) > {SAMPLED_MATCHES:d}
            GROUP BY kind_id, year
        """  # noqa: S608 - the ORM's SQL, values as parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return {}, False
        by_level = defaultdict(dict)
        for level, kind_id, year, count in rows:
            by_level[level][kind_id, year] = count
        if 0 in by_level and sum(by_level[0].values()) <= COUNTED_MATCHES:
            return by_level[0], False
        for level, every in ((1, SAMPLE_EVERY), (2, COARSE_SAMPLE_EVERY)):
            if level in by_level:
                return {key: count * every for key, count in by_level[level].items()}, True
        return by_level[0], True  # more than counted, and none sampled: at least these

    def counts(self):
        """The total and the facet counts for these criteria (SearchCounts)."""
        return self._counts

    @cached_property
    def _counts(self):
        selected_kinds = {kind.pk for kind in self.criteria.kinds}
        counted = self._counts_by_kind_and_year()
        if counted is None:
            return self._counts_from_facets()
        table, estimated = counted
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
        shown = about if estimated else int
        total_estimated = estimated
        if (
            estimated
            and total <= COUNTED_MATCHES * 5 // 4
            and (selected_kinds or self._filters_years)
        ):
            # The facets are estimates, but a kind or a year may leave few enough to count
            # (a sample of a twentieth is off by some 15 % at 1,000).
            exact = self._filtered_total()
            if exact <= COUNTED_MATCHES:
                total, total_estimated = exact, False
        return SearchCounts(
            total=about(total) if total_estimated else int(total),
            by_kind={kind_id: shown(count) for kind_id, count in by_kind.items()},
            by_year={year: shown(count) for year, count in sorted(by_year.items(), reverse=True)},
            estimated=estimated,
            total_estimated=total_estimated,
        )

    @property
    def _filters_years(self):
        return bool(self.criteria.year_from or self.criteria.year_to)

    def _filtered_total(self):
        """The matches of every criterion, counted up to COUNTED_MATCHES + 1 (kept a while)."""
        return remembered(
            self.cache_key("total"),
            lambda: self.filtered().order_by().values("pk")[: COUNTED_MATCHES + 1].count(),
            seconds=self.cache_seconds,
        )

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
        return SearchCounts(total, dict(by_kind), dict(sorted(by_year.items(), reverse=True)))


@dataclass(frozen=True)
class SearchCounts:
    """A search's total and facet counts ({kind id: count}, {year: count}, newest year first).
    Estimated counts (the facets', `estimated`, and the total's, `total_estimated`) are
    rounded (`about`); an estimated total is paged through only as far as `browsable`."""

    total: int
    by_kind: dict
    by_year: dict
    estimated: bool = False
    total_estimated: bool = False

    @property
    def browsable(self):
        return min(self.total, COUNTED_MATCHES) if self.total_estimated else self.total


def about(count):
    """An estimated count as shown: two significant figures, and at least 1."""
    if count < 1:
        return 1
    return int(round(count, 2 - len(str(int(count)))))


@dataclass(frozen=True)
class ResultCard:
    """What a search result shows of a publication (components/search_result.html)."""

    pk: int
    url: str
    title: str
    summary: str
    kind: str
    date: datetime.date
    authors: tuple = ()  # (name, address) of each credited author with a live page
    title_highlighted: str = ""
    summary_highlighted: str = ""

    def highlighted(self, terms, summary_chars):
        return replace(
            self,
            title_highlighted=highlight(self.title, terms),
            summary_highlighted=highlight(self.summary, terms, summary_chars),
        )


def result_cards(ids, request=None):
    """The result cards of these live publications, in this order.

    Each card is kept for the content generation, so a new query fetches only the ids of its
    results: building ten cards as pages (publications, kinds, authors, each URL worked out
    by Wagtail) cost a third of a new search. Here missing cards are read as values in two
    queries, their addresses built from the sites' roots (core.page_urls). The words a query
    matched are marked per query (ResultCard.highlighted).
    """
    urls = PageUrls(request)
    keys = {f"search-card:{urls.request_site_id}:{pk}": pk for pk in ids}

    def build(missing):
        wanted = [keys[key] for key in missing]
        authors = defaultdict(list)
        # The credited authors whose pages are live, in order (PublicationPage.authors).
        for page_id, author_id, name, url_path in (
            PublicationAuthor.objects.filter(page_id__in=wanted, author__live=True)
            .order_by("page_id", "sort_order")
            .values_list("page_id", "author_id", "author__title", "author__url_path")
        ):
            authors[page_id].append((name, urls.url(author_id, url_path)))
        rows = (
            PublicationPage.objects.filter(pk__in=wanted, live=True)
            .order_by()
            .values_list("pk", "url_path", "title", "summary", "kind__name", "publication_date")
        )
        return {
            f"search-card:{urls.request_site_id}:{pk}": ResultCard(
                pk=pk,
                url=urls.url(pk, url_path),
                title=title,
                summary=summary,
                kind=kind or "",
                date=date,
                authors=tuple(authors[pk]),
            )
            for pk, url_path, title, summary, kind, date in rows
        }

    cards = remembered_many(list(keys), build)
    return [cards[key] for key in keys if key in cards]


class RankedResults:
    """A search's result cards for the paginator: pages within the first RANKED_IDS_KEPT
    come from the kept ranking, deeper ones are asked of the matches."""

    def __init__(self, search, request=None):
        self.search = search
        self.request = request

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = self.search.ranked_ids()
        everything_ranked = len(ids) < RANKED_IDS_KEPT
        if index.step is None and (
            everything_ranked or (index.stop is not None and index.stop <= len(ids))
        ):
            return result_cards(ids[index], self.request)
        return self.search.results_slice(index, self.request)
