"""Where each language's version of the current page is, and remembering a visitor's choice.

The language switcher and the `hreflang` links share one lookup per request: the live
translations of the page and of its ancestors, in one query. The switcher links to the
page's own translation when there is one, otherwise to the nearest ancestor that has one
(at worst that language's home page), so it never leads to a 404.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from wagtail.models import Page, Site

from .fragments import FRAGMENT_CACHE_SECONDS, content_cache, content_generation

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


def language_versions(request, page=None):
    """[LanguageVersion] for every site language, memoised on the request."""
    cached = getattr(request, "_language_versions", None)
    if cached is not None and cached[0] == (page.pk if page else None):
        return cached[1]
    current = language_code(getattr(request, "LANGUAGE_CODE", None))
    if page is not None and getattr(page, "path", None):
        urls = _cached_page_versions(request, page)
        urls[current] = (True, request.path)
    else:
        urls = _view_versions(request)
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
    request._language_versions = (page.pk if page else None, versions)
    return versions


def _cached_page_versions(request, page):
    """_page_versions from the content cache, keyed by the content generation, which every
    publish, unpublish, move or delete replaces (bcsp_site.fragments)."""
    if getattr(request, "is_preview", False):
        return _page_versions(request, page)
    site = Site.find_for_request(request)
    key = f"i18n:versions:{content_generation()}:{site.pk if site else 0}:{page.pk}:{request.path}"
    urls = content_cache().get(key)
    if urls is None:
        urls = _page_versions(request, page)
        content_cache().set(key, urls, FRAGMENT_CACHE_SECONDS)
    return dict(urls)


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
    """(exact, URL) of the translation, keeping a year-archive route when that year exists
    there; any other route of a routable page falls back to the translated page itself."""
    own_url = page.get_url(request=request)
    if not own_url or request.path == own_url or not request.path.startswith(own_url):
        return True, url
    year = request.path[len(own_url) :].rstrip("/")
    if year.isdigit() and hasattr(page, "years"):
        specific = translation_page.specific_class.objects.filter(pk=translation_page.pk).first()
        if specific is not None and int(year) in [row["year"] for row in specific.years()]:
            return True, f"{url}{year}/"
    return False, url


def _view_versions(request):
    """{code: (exact, url)} for a Django view under the language prefix (search, e-bulletin)."""
    found = {}
    for code, _name in settings.LANGUAGES:
        url = translate_url(request.get_full_path(), code)
        if url.startswith(f"/{code}/"):
            found[code] = (True, url)
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
