"""Where each language's version of the current page is, and remembering a visitor's choice.

The language switcher and the `hreflang` links share one lookup per request: the live
translations of the page and of its ancestors, in one query. The switcher links to the
page's own translation when there is one, otherwise to the nearest ancestor that has one
(at worst that language's home page), so it never leads to a 404.

It keeps the visitor's place: a routable page maps its own routes (a year, a tag) with
`route_in_language`, and the query string follows with the page number and, where the page
or view says how (`query_in_language`), its filters in the other language. Everything looked
up is kept for the content generation, so a page costs the same few queries as without them.
"""

from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from wagtail.models import Page, Site

from .remembered import remembered

LANGUAGE_NAMES = {"en": "English", "sr": "Srpski"}


@dataclass(frozen=True)
class LanguageVersion:
    code: str
    name: str
    url: str
    current: bool
    exact: bool  # the same content in that language (else an ancestor or the home page)


def language_code(code=None):
    code = (code or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    codes = [c for c, _name in settings.LANGUAGES]
    return code if code in codes else settings.LANGUAGE_CODE


def language_versions(request, page=None, canonical=False):
    """[LanguageVersion] for every site language, memoised on the request.

    With `canonical`, the addresses are those of the page's canonical link (hreflang): the
    path and the page number, without filters or search words.
    """
    memo_key = (page.pk if page else None, canonical)
    memo = request.__dict__.setdefault("_language_versions", {})
    if memo_key in memo:
        return memo[memo_key]
    current = language_code(getattr(request, "LANGUAGE_CODE", None))
    if page is not None and getattr(page, "path", None):
        urls = _cached_page_versions(request, page)
        urls.pop(current, None)
        urls = _with_query(request, page, urls, canonical)
        own_url = request.get_full_path()
        if canonical:
            own_url = f"{request.path}?{urlencode(page_number_only(request.GET, current)[1])}"
        urls[current] = (True, own_url.rstrip("?"))
    else:
        urls = _view_versions(request, canonical)
    versions = [
        LanguageVersion(
            code=code,
            name=LANGUAGE_NAMES.get(code, code),
            url=(urls.get(code) or (None, f"/{code}/"))[1],
            current=code == current,
            exact=code == current or (urls.get(code) or (False, ""))[0],
        )
        for code, _name in settings.LANGUAGES
    ]
    memo[memo_key] = versions
    return versions


def _cached_page_versions(request, page):
    """_page_versions, kept for the content generation, which every publish, unpublish, move
    or delete replaces (bcsp_site.caching.generation)."""
    if getattr(request, "is_preview", False):
        return _page_versions(request, page)
    site = Site.find_for_request(request)
    key = f"i18n:versions:{site.pk if site else 0}:{page.pk}:{request.path}"
    return dict(remembered(key, lambda: _page_versions(request, page)))


def _page_versions(request, page):
    """{code: (exact, url)}: the page's live translations, else its nearest translated ancestor.

    A routable page answering one of its own routes (a year archive, a tag page) links the
    other language to the translated index itself, unless the same year has publications
    there too.
    """
    steplen = Page.steplen
    lineage = [page.path[:end] for end in range(steplen * 2, len(page.path) + 1, steplen)]
    keys = Page.objects.filter(path__in=lineage).values("translation_key")
    candidates = (
        Page.objects.live()
        .filter(translation_key__in=keys)
        .exclude(locale_id=page.locale_id)
        .select_related("locale")
        .only("url_path", "depth", "translation_key", "locale__language_code")
        .order_by("-depth")
    )
    site = Site.find_for_request(request)
    found = {}
    for candidate in candidates:
        code = candidate.locale.language_code
        if code in found:
            continue
        url = candidate.get_url(request=request, current_site=site)
        if url is None:
            continue
        exact = candidate.translation_key == page.translation_key
        if exact:
            exact, url = _same_subpage(request, page, candidate, url)
        found[code] = (exact, url)
    return found


def _same_subpage(request, page, translation_page, url):
    """(exact, URL) of the translation, keeping a route of a routable page (a year, a tag)
    where the page says the translation has it; any other route falls back to the
    translated page itself."""
    own_url = page.get_url(request=request)
    if not own_url or request.path == own_url or not request.path.startswith(own_url):
        return True, url
    route_in_language = getattr(page, "route_in_language", None)
    if route_in_language is not None:
        specific = translation_page.specific_class.objects.filter(pk=translation_page.pk).first()
        route = specific and route_in_language(request.path[len(own_url) :], specific)
        if route:
            return True, f"{url}{route}"
    return False, url


def page_number_only(params, code):
    """The query string a page keeps in another language by default: its page number."""
    number = params.get("page", "")
    # ASCII digits only: "²" is a digit to str.isdigit() but not a number to int().
    kept = number.isascii() and number.isdigit() and int(number) > 1
    return True, [("page", number)] if kept else []


def _with_query(request, page, urls, canonical=False):
    """The page's own translation (and route) with the visitor's query string in that
    language: the page number, and the filters where the page translates them."""
    if not request.GET:
        return urls
    query_in_language = page_number_only
    if not canonical:
        query_in_language = getattr(page, "query_in_language", page_number_only)
    found = {}
    for code, (exact, url) in urls.items():
        if exact:
            same_query, items = query_in_language(request.GET, code)
            exact = exact and same_query
            if items:
                url = f"{url}?{urlencode(items)}"
        found[code] = (exact, url)
    return found


def _view_versions(request, canonical=False):
    """{code: (exact, url)} for a Django view under the language prefix (search, e-bulletin).

    The query string is kept; a view that names things by language-specific slugs sets
    `request.query_in_language(code) -> (exact, [(name, value)])` to translate it.
    """
    query_in_language = getattr(request, "query_in_language", None)
    if canonical:
        query_in_language = partial(page_number_only, request.GET)
    current = language_code(getattr(request, "LANGUAGE_CODE", None))
    found = {}
    for code, _name in settings.LANGUAGES:
        if query_in_language is None or (code == current and not canonical):
            url, exact = translate_url(request.get_full_path(), code), True
        else:
            url = translate_url(request.path, code)
            exact, items = query_in_language(code)
            if items:
                url = f"{url}?{urlencode(items)}"
        if url.startswith(f"/{code}/"):
            found[code] = (exact, url)
    return found


@never_cache
def choose_language(request, code):
    """Remember the visitor's choice of language and go on to that language's page."""
    code = language_code(code)
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not allowed or not target.startswith(f"/{code}/"):
        target = f"/{code}/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
