"""Menus and breadcrumbs.

The header menu and the footer links are NavigationMenu snippets, one per place and
language, edited in the admin. A language's menus are built into plain lists of links (one
query for the menus, one for their links with their pages, one more only when a linked
page must be swapped for its translation) and cached per site and language for the content
generation (bcsp_site.caching.generation), which a saved or deleted menu and a published,
unpublished, moved, renamed or deleted page renew, since links show page titles and
addresses. Marking the current page happens at render time, outside the cached lists, so
every page shares one copy.

Breadcrumbs come from the ancestors the router already fetched (no query), or from one
query when the page was not routed to (previews).
"""

from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Page, Site

from .caching.generation import remembered
from .core.organisation import content_language
from .core.pages import PublicPageQuerySet
from .models import MenuLocation, NavigationMenu, NavigationMenuItem


def menu_links(request, location):
    """[{"label", "url"}] of the menu at `location` for this request's site and language."""
    site = Site.find_for_request(request)
    if site is None:
        return []
    language = content_language()
    menus = remembered(
        f"navigation:{site.pk}:{language}", lambda: build_menus(request, site, language)
    )
    return menus.get(location, [])


def build_menus(request, site, language):
    """{location: [{"label", "url"}]} for every place, from two queries (the menus, their
    links with their pages), plus one for translations of linked pages when needed."""
    menus = list(
        NavigationMenu.objects.filter(locale__language_code=language, live=True).prefetch_related(
            Prefetch(
                "items",
                queryset=NavigationMenuItem.objects.select_related("link_page").order_by(
                    "sort_order", "pk"
                ),
            )
        )
    )
    items = [item for menu in menus for item in menu.items.all()]
    for menu in menus:
        for item in menu.items.all():
            item.menu = menu
    pages = _localised_pages(items)
    built = {}
    for menu in menus:
        links = []
        for item in menu.items.all():
            if item.link_page_id is None:
                links.append({"label": item.label, "url": item.link_url})
                continue
            page = pages.get(item.pk)
            url = page.get_url(request) if page is not None and page.live else None
            if url:
                links.append({"label": item.label or page.title, "url": url})
        built[menu.location] = links
    if MenuLocation.HEADER not in built:
        built[MenuLocation.HEADER] = fallback_header_menu(request, site, language)
    return built


def _localised_pages(items):
    """{item id: the page it links to, in the menu's language where a live translation exists}."""
    foreign = [
        item
        for item in items
        if item.link_page_id and item.link_page.locale_id != item.menu.locale_id
    ]
    translations = {}
    if foreign:
        found = Page.objects.live().filter(
            translation_key__in={item.link_page.translation_key for item in foreign},
            locale_id__in={item.menu.locale_id for item in foreign},
        )
        translations = {(page.translation_key, page.locale_id): page for page in found}
    return {
        item.pk: translations.get(
            (item.link_page.translation_key, item.menu.locale_id), item.link_page
        )
        for item in items
        if item.link_page_id
    }


def fallback_header_menu(request, site, language):
    """Before editors make a header menu: home, the home page's subpages marked "Show in
    menus", and the e-bulletin. One query: the language's home comes from Wagtail's cached
    site root paths."""
    root_path = next(
        (
            path.root_path
            for path in Site.get_site_root_paths()
            if path.site_id == site.pk and path.language_code == language
        ),
        site.root_page.url_path,
    )
    with translation.override(language):
        links = [{"label": gettext("Home"), "url": reverse("wagtail_serve", args=("",))}]
        pages = (
            PublicPageQuerySet(Page)
            .filter(url_path__startswith=root_path, depth=root_path.count("/") + 1)
            .live()
            .public()
            .in_menu()
            .order_by("path")
            .only("title", "url_path", "locale_id")
        )
        links += [{"label": page.title, "url": page.get_url(request)} for page in pages]
        try:
            links.append({"label": gettext("E-bulletin"), "url": reverse("newsletter:signup")})
        except NoReverseMatch:  # pragma: no cover - the e-bulletin app is always installed
            pass
    return links


def mark_current(links, path):
    """Copies of `links` with "current": "page" for this page's link and "true" for the link
    to the section it is in (never for a language's home page)."""
    marked = []
    for link in links:
        url = link["url"]
        if url == path:
            current = "page"
        elif url.startswith("/") and url.count("/") > 2 and path.startswith(url):
            current = "true"
        else:
            current = None
        marked.append({**link, "current": current})
    return marked


# Breadcrumbs ---------------------------------------------------------------------------


def page_trail(page):
    """The page's ancestors from its language's home page down, then the page itself.

    The router leaves each page's parent on it (see BasePage.route), so this usually costs
    nothing; otherwise the ancestors come in one query.
    """
    trail = [page]
    node = page
    while node.depth > 2:
        parent = getattr(node, "routed_parent", None)
        if parent is None:
            ancestors = (
                Page.objects.ancestor_of(page)
                .filter(depth__gte=2)
                .order_by("depth")
                .only("title", "url_path", "path", "depth", "live", "locale_id")
            )
            return [*ancestors, page]
        trail.insert(0, parent)
        node = parent
    return trail
