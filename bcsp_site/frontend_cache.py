"""Keeping the CDN (or Varnish) in front of the site fresh.

Every change below also starts a new content generation, which makes the site's own page
cache stale at once (``bcsp_site.fragments``; see ``bcsp_site.page_cache`` for why that is
correct and cheap). A CDN cannot be flushed that cheaply, so it is sent the addresses that
show the change, through Wagtail's frontend-cache backends (``WAGTAILFRONTENDCACHE``) once
the transaction commits:

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
from django.db.models.signals import post_delete, post_save, pre_save
from django.urls import NoReverseMatch
from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache
from wagtail.models import Locale, Page, PageViewRestriction, Site, get_page_models
from wagtail.signals import (
    page_published,
    page_slug_changed,
    page_unpublished,
    post_page_move,
    pre_page_move,
)

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


def listing_urls(index):
    return routed_urls(index, ("feed", ()), ("feed_atom", ()))


def author_urls(author):
    return routed_urls(author, ("feed", ()), ("feed_atom", ()))


def sitemap_urls():
    return {f"{site.root_url}/sitemap.xml" for site in Site.objects.all()}


def front_urls(locale_ids=None):
    """The pages that show the newest publications and the menu, per language: the home
    pages, the publication listings and their feeds, the author index; and the sitemaps."""
    from authors.models import AuthorIndexPage
    from publications.models import PublicationIndexPage

    from .models import HomePage

    def in_locales(model):
        pages = model.objects.live()
        return pages if locale_ids is None else pages.filter(locale_id__in=locale_ids)

    urls = sitemap_urls()
    for page in in_locales(HomePage):
        urls |= routed_urls(page)
    for page in in_locales(AuthorIndexPage):
        urls |= routed_urls(page)
    for page in in_locales(PublicationIndexPage):
        urls |= listing_urls(page)
    return urls


def publication_urls(publication):
    from authors.models import AuthorPage
    from publications.models import PublicationIndexPage

    urls = routed_urls(publication)
    index = publication.get_parent().specific
    if isinstance(index, PublicationIndexPage):
        routes = [("year", [publication.publication_date.year])]
        if publication.kind_id:
            kind = publication.kind
            routes += [("kind_feed", [kind.slug]), ("kind_feed_atom", [kind.slug])]
        for tag in publication.tags.all():
            routes += [("tag", [tag.slug]), ("tag_feed", [tag.slug]), ("tag_feed_atom", [tag.slug])]
        urls |= listing_urls(index) | routed_urls(index, *routes)
    author_ids = [link.author_id for link in publication.author_links.all()]
    for author in AuthorPage.objects.live().filter(pk__in=author_ids):
        urls |= author_urls(author)
    return urls | front_urls([publication.locale_id])


def author_page_urls(author):
    from publications.models import PublicationPage

    urls = author_urls(author) | routed_urls(author.get_parent())
    for publication in PublicationPage.objects.live().filter(author_links__author=author):
        urls |= routed_urls(publication)
    return urls | front_urls([author.locale_id])


def urls_for_page(page):
    """Every address that shows this page (in its current state) that a CDN is told about."""
    from authors.models import AuthorPage
    from publications.models import PublicationIndexPage, PublicationPage

    page = page.specific
    if isinstance(page, PublicationPage):
        return publication_urls(page)
    if isinstance(page, AuthorPage):
        return author_page_urls(page)
    if isinstance(page, PublicationIndexPage):
        return listing_urls(page) | front_urls([page.locale_id])
    return routed_urls(page) | front_urls([page.locale_id])


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


def connect_signals():
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    from publications.models import PublicationKind, PublicationTag

    from .models import NavigationMenu, NavigationMenuItem, OrganisationSettings, OrganisationText

    for model in get_page_models():
        if model is not Page:
            pre_save.connect(
                remember_previous_urls,
                sender=model,
                dispatch_uid=f"cdn-previous-{model._meta.label_lower}",
            )
    page_published.connect(page_changed, dispatch_uid="cache-page-published")
    page_unpublished.connect(page_changed, dispatch_uid="cache-page-unpublished")
    pre_page_move.connect(page_moving, dispatch_uid="cache-page-moving")
    post_page_move.connect(page_moved, dispatch_uid="cache-page-moved")
    page_slug_changed.connect(slug_changed, dispatch_uid="cache-slug-changed")
    for signal in (post_save, post_delete):
        signal.connect(
            view_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"cache-restriction-{signal!r}",
        )
        for model in (
            PublicationKind,
            PublicationTag,
            OrganisationSettings,
            OrganisationText,
            NavigationMenu,
            NavigationMenuItem,
            Site,
            Locale,
            get_image_model(),
            get_document_model(),
        ):
            signal.connect(
                shown_everywhere_changed,
                sender=model,
                dispatch_uid=f"cache-{model._meta.label_lower}-{signal!r}",
            )


def origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
