"""Keeping the CDN (or Varnish) in front of the site fresh.

Every change below also starts a new content generation, which makes the site's own page
cache stale at once (``bcsp_site.caching.generation``; see ``bcsp_site.caching.page_cache``
for why that is correct and cheap). A CDN cannot be flushed that cheaply, so it is sent the
addresses that show the change, through Wagtail's frontend-cache backends
(``WAGTAILFRONTENDCACHE``) once the transaction commits. Each page type says which addresses
those are: its own (``get_cached_paths()``, Wagtail's hook) and those of the pages that show
it (``cached_urls_elsewhere()``); pages with ``shows_newest`` are purged with every change:

- publishing, unpublishing or deleting a publication or op-ed: its page; the listing with
  its feeds, the year archive, its tag pages and their feeds, its kind's feeds; its authors'
  pages and feeds; and the pages that show the newest publications or the menu (the home
  page, the author index, the sitemap). A republished page also purges what its previous
  version appeared in (another year, tags or authors, an old address);
- an author page: itself and its feeds, the author index, the author's publications and the
  pages above; any other page: itself and the pages above;
- moving a page or changing its slug: the above at the old and the new place, and the old
  addresses of every page below it;
- making a page private (a view restriction): the page and everything below it;
- a comment approved, rejected or deleted once shown: its page and its comment list
  (``comments.invalidation``);
- kinds, tags, organisation settings, sites, locales, images and documents: the home pages,
  listings, feeds and sitemap. Other pages that show them (a kind's name on every card, the
  footer on every page) follow within ``PAGE_CACHE_CDN_SECONDS``, as do the "related
  publications" on other publication pages: purging every page of the site for a footer
  change is what a CDN cannot be asked to do.

Wagtail's own frontend-cache app is not installed: its handlers purge only the page itself,
inside the transaction, and once per language prefix; these purge the page and its
listings after the commit.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch
from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache
from wagtail.models import Locale, Page, Site, get_page_models

PREVIOUS_URLS = "_frontend_cache_previous_urls"


def purging_enabled():
    return bool(getattr(settings, "WAGTAILFRONTENDCACHE", None))


def purge_urls(urls):
    """Send these URLs to every configured frontend-cache backend once the data is committed
    (before that, the CDN could fetch the old page again straight away)."""
    urls = sorted({url for url in urls if url})
    if urls and purging_enabled():
        transaction.on_commit(lambda: purge_urls_from_cache(urls))


# The addresses that show a page -----------------------------------------------------------


def routed_urls(page, *routes):
    """The page's address and those of the named routes of a routable page."""
    base = page.get_full_url()
    if not base:
        return set()
    urls = {base}
    for name, args in routes:
        try:
            urls.add(base + page.reverse_subpage(name, args=args).lstrip("/"))
        except NoReverseMatch:  # a slug the route does not accept cannot be cached either
            continue
    return urls


def page_urls(page):
    """The addresses of the page itself: its URL with each of its cached paths."""
    base = page.get_full_url()
    if not base:
        return set()
    return {base + path.lstrip("/") for path in page.get_cached_paths()}


def sitemap_urls():
    """Each site's sitemap, and its security.txt (which shows the organisation settings)."""
    return {
        f"{site.root_url}{path}"
        for site in Site.objects.all()
        for path in ("/sitemap.xml", "/.well-known/security.txt")
    }


def front_urls(locale_ids=None):
    """The pages that show the newest publications and the menu, per language (the page
    types with ``shows_newest``: the home pages, the publication listings and their feeds,
    the author index), and the sitemaps."""
    urls = sitemap_urls()
    for model in get_page_models():
        if not getattr(model, "shows_newest", False):
            continue
        pages = model.objects.live().exact_type(model)
        if locale_ids is not None:
            pages = pages.filter(locale_id__in=locale_ids)
        for page in pages:
            urls |= page_urls(page)
    return urls


def urls_for_page(page):
    """Every address that shows this page (in its current state) that a CDN is told about."""
    page = page.specific
    elsewhere = getattr(page, "cached_urls_elsewhere", set)
    return page_urls(page) | elsewhere() | front_urls([page.locale_id])


def descendant_urls(page):
    return {
        url
        for descendant in Page.objects.descendant_of(page).live()
        if (url := descendant.get_full_url())
    }


# Page events ------------------------------------------------------------------------------


def remember_previous_urls(sender, instance, update_fields=None, **kwargs):
    """Before a live page is saved in full (publishing does that), note where its current
    version appears: a new date, tags, authors or slug take it away from there."""
    if update_fields is not None or instance.pk is None or not purging_enabled():
        return
    previous = sender.objects.filter(pk=instance.pk, live=True).first()
    if previous is not None:
        setattr(instance, PREVIOUS_URLS, urls_for_page(previous))


def _previous_urls(instance):
    return instance.__dict__.pop(PREVIOUS_URLS, set())


def page_changed(sender, instance, **kwargs):
    """Published or unpublished (deleting a live page unpublishes it first)."""
    if purging_enabled():
        purge_urls(urls_for_page(instance) | _previous_urls(instance))


def page_moving(sender, instance, url_path_before, url_path_after, **kwargs):
    if not purging_enabled():
        return
    page = instance.specific
    urls = urls_for_page(page) if page.live else set()
    if url_path_before != url_path_after:
        urls |= descendant_urls(page)
    purge_urls(urls)


def page_moved(sender, instance, **kwargs):
    page = instance.specific
    if purging_enabled() and page.live:
        purge_urls(urls_for_page(page))


def slug_changed(sender, instance, instance_before, **kwargs):
    """The pages below a renamed page have new addresses: purge their old ones."""
    if not purging_enabled():
        return
    old_base, new_base = instance_before.get_full_url(), instance.get_full_url()
    if not old_base or not new_base:
        return
    purge_urls(
        old_base + url[len(new_base) :]
        for url in descendant_urls(instance)
        if url.startswith(new_base)
    )


def view_restriction_changed(sender, instance, **kwargs):
    if not purging_enabled():
        return
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        purge_urls(routed_urls(page) | descendant_urls(page) | front_urls([page.locale_id]))


# Everything else that pages show ----------------------------------------------------------


def shown_everywhere_changed(sender, instance=None, created=False, update_fields=None, **kwargs):
    """A kind, tag, setting, site, locale, image or document changed.

    A new kind, tag, image or document shows nowhere until a page that uses it is published
    (which purges); settings are created, with their defaults, by the first page that shows
    them. A new site or locale can change which pages answer, so it purges.
    """
    if created and sender not in (Site, Locale):
        return
    if update_fields is not None and set(update_fields) <= {"file_size", "file_hash"}:
        return  # Wagtail filling in an image's or document's metadata
    if purging_enabled():
        purge_urls(front_urls())


def connect_shown_everywhere(signal, model):
    """Purge the front pages when `model` (something every page may show) is saved or
    deleted: each app connects its own models."""
    signal.connect(
        shown_everywhere_changed,
        sender=model,
        dispatch_uid=f"cache-{model._meta.label_lower}-{signal!r}",
    )


def origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
