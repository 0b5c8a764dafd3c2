from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from wagtail.models import Locale

from authors.models import AuthorPage
from bcsp_site.caching.generation import remembered
from bcsp_site.core.pagination import Paginator

from .curation import editors_picks, is_refinement, record_search, recordable_term
from .forms import ADVANCED_FIELDS, SearchForm, tag_suggestions
from .language_versions import search_in_language
from .models import PublicationKind
from .search import SORT_RELEVANCE, PublicationSearch, SearchCriteria
from .text import MAX_QUERY_LENGTH, language_of, parse_query

RESULTS_PER_PAGE = 10
NARROWING_FIELDS = ("kind", "author", "tag", "year_from", "year_to")
SUMMARY_CHARS = 300
CONTENT_LANGUAGES = dict(settings.WAGTAIL_CONTENT_LANGUAGES)


def search_locale(request):
    """The locale whose content is searched: ?language= if it names one, else the active one."""
    locales = remembered(
        "search:locales",
        lambda: {locale.language_code: locale for locale in Locale.objects.all()},
    )
    code = request.GET.get("language", "")
    if code in CONTENT_LANGUAGES:
        return locales.get(code)
    return locales.get(get_language()) or Locale.get_active()


def form_choices(locale):
    """(kinds, authors) offered by the advanced search form, kept for the content generation."""
    if locale is None:
        return [], []

    def find_choices():
        kinds = list(PublicationKind.objects.filter(locale=locale, live=True))
        authors = list(
            AuthorPage.objects.live().filter(locale=locale).only("slug", "title").order_by("title")
        )
        return (kinds, authors)

    return remembered(f"search:choices:{locale.pk}", find_choices)


class SearchLinks:
    """Addresses of this search with one thing changed; every other parameter is kept."""

    def __init__(self, data):
        self.params = []
        if data.get("q"):
            self.params.append(("q", data["q"]))
        self.params += [("kind", kind.slug) for kind in data.get("kind") or ()]
        if data.get("author"):
            self.params.append(("author", data["author"].slug))
        if data.get("tag"):
            self.params.append(("tag", data["tag"].slug))
        for name in ("year_from", "year_to", "language", "sort"):
            if data.get(name):
                self.params.append((name, data[name]))

    def url(self, drop=(), add=()):
        """`drop` holds (name, value) pairs to remove; (name, None) removes every `name`."""
        kept = [
            (name, value)
            for name, value in self.params
            if (name, value) not in drop and (name, None) not in drop
        ]
        return "?" + urlencode([*kept, *add])

    @property
    def query(self):
        return urlencode(self.params)


class CountedPaginator(Paginator):
    """A paginator told its total up front (it comes with the facet counts), saving a query."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.known_count = count

    @property
    def count(self):
        return self.known_count


def facets(links, criteria, kinds, counts):
    """Facet entries, each a link that adds or removes that kind or year. Estimated counts
    are written with the language's thousands separator."""
    kind_counts, year_counts = counts.by_kind, counts.by_year
    shown = partial(number_format, force_grouping=True) if counts.estimated else str
    selected_kinds = {kind.pk for kind in criteria.kinds}
    kind_facets = []
    for kind in kinds:
        count = kind_counts.get(kind.pk, 0)
        selected = kind.pk in selected_kinds
        if not count and not selected:
            continue
        toggle = ("kind", kind.slug)
        kind_facets.append(
            {
                "label": kind.name,
                "count": count,
                "shown": shown(count),
                "selected": selected,
                "url": links.url(drop=[toggle]) if selected else links.url(add=[toggle]),
            }
        )
    year_facets = []
    clear_years = [("year_from", None), ("year_to", None)]
    for year, count in year_counts.items():
        selected = criteria.year_from == year and criteria.year_to == year
        add = [] if selected else [("year_from", year), ("year_to", year)]
        year_facets.append(
            {
                "label": year,
                "count": count,
                "shown": shown(count),
                "selected": selected,
                "url": links.url(drop=clear_years, add=add),
            }
        )
    return kind_facets, year_facets


def active_filters(data, links):
    """The filters in force, each with the address of the same search without it."""
    chips = [
        {
            "label": _("Kind: %(name)s") % {"name": kind.name},
            "url": links.url(drop=[("kind", kind.slug)]),
        }
        for kind in data.get("kind") or ()
    ]
    if data.get("author"):
        chips.append(
            {
                "label": _("Author: %(name)s") % {"name": data["author"].title},
                "url": links.url(drop=[("author", None)]),
            }
        )
    if data.get("tag"):
        chips.append(
            {
                "label": _("Tag: %(name)s") % {"name": data["tag"].name},
                "url": links.url(drop=[("tag", None)]),
            }
        )
    year_from, year_to = data.get("year_from"), data.get("year_to")
    if year_from or year_to:
        if year_from == year_to:
            label = _("Year: %(year)s") % {"year": year_from}
        elif year_from and year_to:
            label = _("Years: %(start)s–%(end)s") % {"start": year_from, "end": year_to}
        elif year_from:
            label = _("From %(year)s") % {"year": year_from}
        else:
            label = _("Until %(year)s") % {"year": year_to}
        chips.append(
            {"label": label, "url": links.url(drop=[("year_from", None), ("year_to", None)])}
        )
    if data.get("language"):
        chips.append(
            {
                "label": _("Language: %(name)s") % {"name": CONTENT_LANGUAGES[data["language"]]},
                "url": links.url(drop=[("language", None)]),
            }
        )
    return chips


def search(request):
    """Search and advanced search over the publications of one language.

    Keywords, filters or both, or only an order (everything, in that order); without
    keywords the order is newest first. Bad input never raises: a malformed form is shown
    again with its errors and a 400, anything else (page numbers, odd characters) a 200.
    """
    locale = search_locale(request)
    kinds, authors = form_choices(locale)
    form = SearchForm(request.GET, kinds=kinds, authors=authors, locale=locale)
    # Open when a filter is set, or when asked for (?advanced=1, the header's link).
    advanced_open = request.GET.get("advanced") == "1" or any(
        request.GET.get(name, "").strip() for name in ADVANCED_FIELDS
    )
    context = {
        "form": form,
        "advanced_open": advanced_open,
        "search_query": request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH],
        "tag_suggestions": tag_suggestions(locale),
        # What the form's filters are drawn from: everything asked but the words and the page.
        "filters_key": urlencode(
            [(name, value) for name, value in request.GET.lists() if name not in ("q", "page")],
            doseq=True,
        ),
        "searched": False,
        "noindex": True,
    }
    if not form.is_valid():
        return render(request, "pages/search_results.html", context, status=400)

    data = form.cleaned_data
    terms = parse_query(data["q"], language_of(locale)) if data["q"] else None
    # Editors' picks answer the words alone: a filter narrows the search to what the
    # visitor chose, which a pick may not be.
    narrowed = any(data[name] for name in NARROWING_FIELDS)
    picks = editors_picks(data["q"], locale, request) if terms and not narrowed else []
    criteria = SearchCriteria(
        terms=terms or None,
        locale=locale,
        kinds=data["kind"],
        author=data["author"],
        tag=data["tag"],
        year_from=data["year_from"],
        year_to=data["year_to"],
        sort=data["sort"],
        excluded_pages=tuple(pick.page_id for pick in picks if pick.page_id),
    )
    links = SearchLinks(data)
    # The language switcher leads to this search with the other language's filters.
    request.query_in_language = search_in_language(
        links.params, request.GET.get("page"), locale, data["language"]
    )
    filters = active_filters(data, links)
    context.update(
        search_query=data["q"],
        query_was_shortened=form.query_was_shortened,
        query_has_no_words=bool(data["q"]) and not terms,
        filters=filters,
        sort=criteria.effective_sort,
        clear_filters_url=links.url(
            drop=[(name, None) for name in ("kind", "author", "tag", "year_from", "year_to")]
        ),
    )
    if not (criteria.terms or filters or data["sort"]):
        # Nothing asked yet: the form alone. A chosen order lists everything in that order.
        context["noindex"] = bool(data["q"])
        return render(request, "pages/search_results.html", context)

    search = PublicationSearch(criteria)
    counts = search.counts()
    paginator = CountedPaginator(search.results(request), RESULTS_PER_PAGE, counts.browsable)
    page_obj = paginator.get_page(request.GET.get("page"))
    if terms and request.method == "GET" and not is_refinement(request, data["q"]):
        term = recordable_term(data["q"])
        if term:
            # "Found nothing" means the words alone: a filter that leaves nothing says
            # nothing about what the resource base lacks.
            record_search(term, found_nothing=not (counts.total or picks or narrowed))
    page_obj.object_list = [card.highlighted(terms, SUMMARY_CHARS) for card in page_obj]
    kind_facets, year_facets = facets(links, criteria, kinds, counts)
    criteria_in_use = bool(criteria.terms) + len(filters)  # each kind counts as one
    context.update(
        searched=True,
        results=page_obj,
        # Picks head the first page; they are left out of the results on every page.
        editors_picks=picks if page_obj.number == 1 else [],
        # Picks are left out of the results; an estimate is rounded past them.
        total=counts.total + (0 if counts.total_estimated else len(picks)),
        counts_estimated=counts.estimated,
        total_estimated=counts.total_estimated,
        # An estimated total is past what can be paged through (COUNTED_MATCHES).
        browsable=counts.browsable if counts.total_estimated else None,
        kind_facets=kind_facets,
        year_facets=year_facets,
        pagination_query=links.query,
        other_languages=[
            {"code": code, "name": name, "url": "?" + urlencode({"q": data["q"], "language": code})}
            for code, name in CONTENT_LANGUAGES.items()
            if data["q"] and code != language_of(locale)
        ],
        sorted_by_relevance=criteria.effective_sort == SORT_RELEVANCE,
        relevance_needs_words=data["sort"] == SORT_RELEVANCE and not criteria.terms,
        # One keyword query or one filter is a page worth finding; everything (a duplicate
        # of the publication listing) and combinations are not.
        noindex=criteria_in_use != 1 or not (paginator.count or picks),
    )
    return render(request, "pages/search_results.html", context)
