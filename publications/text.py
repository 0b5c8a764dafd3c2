"""Search text: normalisation, query parsing and highlighting, and what publications index.

Every searchable text is *normalised* before it reaches the search index, and every query is
normalised the same way before it is sent: lower case, diacritics removed, Serbian Cyrillic
written in Latin letters, "đ"/"dj" written "d", then each word stemmed for the page's language.
So "Djordjevic", "Dordevic" and "Đorđević" all meet, and "secret camera" finds "Secret
Cameras", whichever backend sits underneath (PostgreSQL full-text search, SQLite FTS5, or
OpenSearch/Elasticsearch later): the backends only ever compare plain, already-stemmed words.
"""

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from wagtail.search.query import And, Phrase, PlainText

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
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
    if not text.isascii():  # most text is plain ASCII: nothing to decompose (5x faster)
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


@lru_cache(maxsize=100_000)
def _word_stems(word, language):
    """normalise_words() of one word as shown: the words of titles and summaries recur, and
    working each out afresh was a twentieth of a new search's time."""
    return frozenset(normalise_words(word, language))


def highlight(text, terms, limit=None):
    """`text` escaped, with the words that match `terms` wrapped in <mark>; safe to render."""
    text = text or ""
    if limit and len(text) > limit:  # Truncator walks every character, even to keep them all
        text = Truncator(text).chars(limit)
    stems = terms.stems if terms else set()
    if not stems:
        return escape(text)
    pieces, last = [], 0
    for match in _WORD_RE.finditer(text):
        if not stems.isdisjoint(_word_stems(match.group(), terms.language)):
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
