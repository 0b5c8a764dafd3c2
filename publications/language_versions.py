"""The same filters in another language, for the language switcher.

Listings and search name kinds, tags and authors by slug (`?kind=report&tag=surveillance
&author=sasa-djordjevic`), and each language has its own: the Serbian version of a filtered
list filters by the Serbian kind, tag and author linked to them by translation key. A value
with no counterpart in that language is left out, and the result is then not the same place.
"""

from hashlib import md5

from django.db.models import CharField, OuterRef, Subquery, Value

from authors.models import AuthorPage
from bcsp_site.caching.generation import remembered

from .kinds import PublicationKind
from .tags import PublicationTag

FILTERS = ("kind", "tag", "author")


def _models():
    return {
        "kind": PublicationKind.objects.all(),
        "tag": PublicationTag.objects.all(),
        "author": AuthorPage.objects.live(),
    }


def _counterparts(objects, name, slugs, from_locale_id, to_code):
    """(name, slug in the source language, slug of its counterpart in `to_code`) rows."""
    sources = objects.filter(locale_id=from_locale_id, slug__in=slugs)
    source_slug = sources.filter(translation_key=OuterRef("translation_key")).values("slug")[:1]
    return (
        objects.filter(
            locale__language_code=to_code,
            translation_key__in=sources.values("translation_key"),
        )
        .annotate(
            filter_name=Value(name, output_field=CharField()),
            source_slug=Subquery(source_slug),
        )
        .values_list("filter_name", "source_slug", "slug")
        .order_by()  # no ORDER BY inside a UNION
    )


def filters_in_language(items, from_locale_id, to_code):
    """(exact, items) with the kind, tag and author values of `items` (name, value pairs)
    swapped for their counterparts in `to_code`; other pairs are kept as they are.

    One query for them all, and none while the content generation stands.
    """
    wanted = sorted((name, value) for name, value in items if name in FILTERS and value)
    if not wanted:
        return True, list(items)
    digest = md5(repr(wanted).encode(), usedforsecurity=False).hexdigest()

    def find_counterparts():
        models = _models()
        queries = [
            _counterparts(
                models[name], name, [v for n, v in wanted if n == name], from_locale_id, to_code
            )
            for name in FILTERS
            if any(n == name for n, _value in wanted)
        ]
        mapping = {name: {} for name in FILTERS}
        for name, source_slug, slug in queries[0].union(*queries[1:], all=True):
            mapping[name][source_slug] = slug
        return mapping

    mapping = remembered(f"i18n:filters:{from_locale_id}:{to_code}:{digest}", find_counterparts)
    exact, translated = True, []
    for name, value in items:
        if name in FILTERS and value:
            value = mapping[name].get(value)
            if value is None:
                exact = False
                continue
        translated.append((name, value))
    return exact, translated


def search_in_language(params, page_number, locale, content_language):
    """`request.query_in_language` for a search (bcsp_site.core.i18n): its keywords and filters
    (`params`, as its own links name them) and page number in another language. A search of
    one content language (?language=) is the same search whatever the interface language."""
    if page_number and page_number.isascii() and page_number.isdigit() and int(page_number) > 1:
        params = [*params, ("page", page_number)]

    def in_language(code):
        if content_language or locale is None:
            return True, list(params)
        return filters_in_language(params, locale.pk, code)

    return in_language
