"""Search over the resource base: text normalisation, query parsing, highlighting and the query.

Every searchable text is *normalised* before it reaches the search index, and every query is
normalised the same way before it is sent: lower case, diacritics removed, Serbian Cyrillic
written in Latin letters, "đ"/"dj" written "d", then each word stemmed for the page's language.
So "Djordjevic", "Dordevic" and "Đorđević" all meet, and "secret camera" finds "Secret
Cameras", whichever backend sits underneath (PostgreSQL full-text search, SQLite FTS5, or
OpenSearch/Elasticsearch later): the backends only ever compare plain, already-stemmed words.
"""

import datetime
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import md5

import snowballstemmer
from django.db.models import Count, Prefetch
from django.db.models.functions import ExtractYear
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from wagtail.models import PageViewRestriction
from wagtail.search.query import And, Phrase, PlainText

from bcsp_site.fragments import FRAGMENT_CACHE_SECONDS, content_cache, content_generation
from bcsp_site.models import any_view_restrictions

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
# The ranking of a search (the ids of its first matches) and its facet counts are kept this
# long for the content generation: popular searches then cost two small queries. The search
# index is updated by the task worker a moment after a page is published, so the time is
# short rather than "until the content changes". Searches without keywords read only the
# database, whose every change starts a new content generation: theirs are kept as long as
# other fragments.
SEARCH_CACHE_SECONDS = 60
RANKED_IDS_KEPT = 200

# Snowball stemmers by content language; languages not listed are folded but not stemmed.
STEMMER_LANGUAGES = {
    "en": "english",
    "sr": "serbian",
    "hr": "serbian",
    "bs": "serbian",
    "de": "german",
    "fr": "french",
    "ru": "russian",
}

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "dj", "е": "e", "ж": "z",
    "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n",
    "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "c", "у": "u",
    "ф": "f", "х": "h", "ц": "c", "ч": "c", "џ": "dz", "ш": "s", "й": "j", "ы": "y",
    "э": "e", "ю": "ju", "я": "ja", "щ": "sc", "ъ": "", "ь": "", "ё": "e", "ї": "ji",
    "є": "je", "і": "i", "ѓ": "g", "ќ": "k", "ѕ": "dz",
}  # fmt: skip
# Letters that Unicode does not decompose into a base letter plus a diacritic.
_LETTERS = {"đ": "dj", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "ı": "i", "þ": "th"}
_FOLD_TABLE = str.maketrans({**_CYRILLIC, **_LETTERS})
_WORD_RE = re.compile(r"[^\W_]+")
_QUOTES_RE = re.compile(r"[“”„‟«»″]")


def fold(text):
    """Lower case, Latin letters only where possible, no diacritics; 'đ' and 'dj' become 'd'."""
    text = (text or "").lower().translate(_FOLD_TABLE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    # Serbian names are written with đ, dj or d ("Đorđević", "Djordjevic", "Dordevic").
    return text.replace("dj", "d")


_stemmers = threading.local()


def _stemmer(language):
    """One stemmer per thread and language: Snowball stemmers keep state while they work."""
    cache = getattr(_stemmers, "by_language", None)
    if cache is None:
        cache = _stemmers.by_language = {}
    if language not in cache:
        algorithm = STEMMER_LANGUAGES.get(language)
        cache[language] = snowballstemmer.stemmer(algorithm) if algorithm else None
    return cache[language]


@lru_cache(maxsize=100_000)
def stem(word, language):
    stemmer = _stemmer(language)
    return stemmer.stemWord(word) if stemmer else word


def normalise_words(text, language):
    """The folded, stemmed words of `text`: what the index holds and queries are made of."""
    return [stem(word, language) for word in _WORD_RE.findall(fold(text))]


def index_text(*texts, language):
    """One normalised string from several texts, for an index.SearchField callable."""
    return " ".join(
        " ".join(normalise_words(text, language)) for text in texts if text and text.strip()
    )


def language_of(locale):
    return locale.language_code.split("-")[0].lower() if locale else ""


@dataclass(frozen=True)
class SearchTerms:
    """A visitor's query, parsed: loose words (all must match) and quoted phrases."""

    text: str
    language: str
    words: tuple = ()
    phrases: tuple = ()

    def __bool__(self):
        return bool(self.words or self.phrases)

    @property
    def stems(self):
        return {*self.words, *(word for phrase in self.phrases for word in phrase)}

    def as_search_query(self):
        parts = []
        if self.words:
            parts.append(PlainText(" ".join(self.words), operator="and"))
        parts.extend(Phrase(" ".join(phrase)) for phrase in self.phrases)
        return parts[0] if len(parts) == 1 else And(parts)


def parse_query(text, language):
    """Split a query into words and "quoted phrases", normalised like the index.

    Operator characters of any backend (& | ! : * \\ ' and so on) are never passed on: only
    words reach the backend. An unbalanced quote is ignored; the query is capped in length and
    in number of words so that no query is costly to run.
    """
    text = _QUOTES_RE.sub('"', (text or "")[:MAX_QUERY_LENGTH])
    if text.count('"') % 2:
        head, _, tail = text.rpartition('"')
        text = f"{head} {tail}"
    words, phrases, budget = [], [], MAX_QUERY_WORDS
    for position, part in enumerate(text.split('"')):
        normalised = normalise_words(part, language)[:budget]
        budget -= len(normalised)
        if position % 2 and len(normalised) > 1:
            if tuple(normalised) not in phrases:
                phrases.append(tuple(normalised))
        else:
            words.extend(word for word in normalised if word not in words)
    return SearchTerms(text=text, language=language, words=tuple(words), phrases=tuple(phrases))


def highlight(text, terms, limit=None):
    """`text` escaped, with the words that match `terms` wrapped in <mark>; safe to render."""
    text = text or ""
    if limit:
        text = Truncator(text).chars(limit)
    stems = terms.stems if terms else set()
    if not stems:
        return escape(text)
    pieces, last = [], 0
    for match in _WORD_RE.finditer(text):
        if any(word in stems for word in normalise_words(match.group(), terms.language)):
            pieces.append(escape(text[last : match.start()]))
            pieces.append(format_html("<mark>{}</mark>", match.group()))
            last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece above is escaped


# Indexing ------------------------------------------------------------------------------------


def page_language(page):
    return language_of(page.locale)


def publication_title_text(page):
    """Title and author names: what ranks highest."""
    names = [link.author.title for link in page.author_links.all()]
    return index_text(page.title, *names, language=page_language(page))


def publication_topics_text(page, *extra):
    """Tags, kind and, for op-eds, the outlet."""
    tags = [tag.name for tag in page.tags.all()]
    kind = page.kind.name if page.kind_id else ""
    return index_text(*tags, kind, *extra, language=page_language(page))


def publication_summary_text(page):
    return index_text(page.summary, language=page_language(page))


def publication_body_text(page):
    """Body blocks and the text extracted from the attached PDF."""
    body = page.body.stream_block.get_searchable_content(page.body) if page.body else []
    pdf_text = page.pdf.extracted_text if page.pdf_id and page.pdf else ""
    return index_text(*body, pdf_text, language=page_language(page))


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
        from .models import PublicationPage

        self.criteria = criteria
        self.model = PublicationPage
        self._base = None

    @property
    def has_keywords(self):
        return bool(self.criteria.terms) and self.criteria.locale is not None

    def base_queryset(self):
        if self._base is None:
            if self.criteria.locale is None:
                self._base = self.model.objects.none()
            else:
                self._base = self.model.objects.filter(live=True, locale=self.criteria.locale)
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
        from .models import PublicationAuthor

        return (
            publications.defer_streamfields()
            .select_related("kind")
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
        )
        digest = md5(repr(parts).encode(), usedforsecurity=False).hexdigest()
        return f"search:{part}:{content_generation()}:{digest}"

    @property
    def cache_seconds(self):
        return SEARCH_CACHE_SECONDS if self.has_keywords else FRAGMENT_CACHE_SECONDS

    def ranked_ids(self):
        """The ids of the first RANKED_IDS_KEPT matches in order, kept for a short while."""
        key = self.cache_key("ranking")
        ids = content_cache().get(key)
        if ids is None:
            matches = self._ordered(self.filtered().only("pk"))
            ids = [publication.pk for publication in matches[:RANKED_IDS_KEPT]]
            content_cache().set(key, ids, self.cache_seconds)
        return ids

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
        key = self.cache_key("counts")
        table = content_cache().get(key)
        if table is None:
            table = self._count_by_kind_and_year()
            if table is not None:
                content_cache().set(key, table, self.cache_seconds)
        return table

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
