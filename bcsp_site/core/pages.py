"""What every page of the site builds on: the base page, its routing and public querysets."""

from hashlib import md5

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce, Length, Substr
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page, PageManager, PageQuerySet, PageViewRestriction

from .page_forms import BasePageForm
from .remembered import remembered
from .security import framable_by_admin


def any_view_restrictions():
    """Is any part of the site private? Usually not: then nothing needs checking. Kept for
    the content generation (saving a restriction starts a new one)."""
    return remembered("routing:restrictions", PageViewRestriction.objects.exists)


class PublicPageQuerySet(PageQuerySet):
    def private_q(self):
        """Pages in a private section, as one SQL subquery (none when nothing is private).

        Wagtail's own version loads every view restriction up front, one more query each
        time a listing is built.
        """
        if not any_view_restrictions():
            return Q(pk__in=[])
        restricted_ancestor = PageViewRestriction.objects.filter(
            page__path=Substr(OuterRef("path"), 1, Length("page__path"))
        )
        return Q(Exists(restricted_ancestor))


PublicPageManager = PageManager.from_queryset(PublicPageQuerySet)


def _routes_itself(model, page, remaining):
    """Would this page answer `remaining` with a route of its own rather than a child page?"""
    if model.route is BasePage.route:
        return False
    if model.route is RoutablePageMixin.route:
        if not page.live:
            return False
        try:
            page.specific_deferred.resolve_subpage("/" + "/".join(remaining) + "/")
        except Http404:
            return False
        return True
    return True


def fetch_for_serving(page):
    """The page in its specific type with what its template needs, in as few queries as we can.

    Kept for the content generation (any page saved, published, moved or deleted starts a
    new one), so a page read often is not fetched on every request.
    """
    model = page.specific_class
    serve_queryset = getattr(model, "serve_queryset", None)
    if serve_queryset is None:
        return page.specific
    specific = remembered(
        f"routing:page:{page.pk}", lambda: serve_queryset().filter(pk=page.pk).first()
    )
    if specific is None:  # deleted since the lookup
        raise Http404
    return specific


class BasePage(Page):
    """What every public page shares: social/SEO fields and a listing image."""

    social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Image shown when the page is shared on social media. Defaults to the site's."),
    )

    promote_panels = [
        *Page.promote_panels,
        FieldPanel("social_image"),
    ]
    base_form_class = BasePageForm

    # {image field name: rendition filter specs the templates use}, made when a page is
    # published so the first visitor does not wait for them. The image's id is read from
    # the page's `<name>_id`, so a property named so may stand for a field.
    prepared_renditions = {}
    # Pages that list the newest publications or show the menu: a CDN in front is told to
    # drop them whenever a page of their language changes (bcsp_site.caching.purge).
    shows_newest = False
    # What a shared link to the page is (https://ogp.me/#types).
    og_type = "website"
    # The parent the router came through (set by route()), so breadcrumbs and get_parent()
    # need no query.
    routed_parent = None

    def get_url_parts(self, request=None):
        """Wagtail's answer, kept in the worker for the content generation (a site, locale or
        page moved or renamed starts a new one). Working it out reverses a URL in the page's
        language, and a list of search results links some two dozen pages."""
        site = getattr(request, "_wagtail_site", None)
        if self.pk is None or (request is not None and site is None):
            return super().get_url_parts(request)  # a new page, or a request's site unknown
        key = ("url-parts", self.pk, self.url_path, translation.get_language(), site and site.pk)
        return remembered(
            key, lambda: super(BasePage, self).get_url_parts(request), in_process=True
        )

    class Meta:
        abstract = True

    def cached_urls_elsewhere(self):
        """Full URLs of other pages that show this one, for a CDN to drop when it changes
        (its own addresses come from Wagtail's get_cached_paths())."""
        return set()

    # What the head of the page says about it (bcsp_site.templatetags.seo_tags asks each
    # page, so a new page type describes itself here rather than in the tag).

    def sharing_image(self):
        """The image a social card shows (the site's default when there is none)."""
        return self.social_image

    def meta_description(self, organisation):
        """The description search engines and social cards show (the site's when empty)."""
        return self.search_description or getattr(self, "intro", "")

    def published_time(self):
        """When an article first appeared, as ISO 8601 (pages that are not articles: None)."""
        return None

    def scholar_tags(self, request, organisation):
        """[(name, content)] of Google Scholar's citation_* meta tags, for scholarly works."""
        return []

    def feed_links(self, request, tag=None):
        """[(title, RSS URL, Atom URL)] for the feeds of what this page lists; `tag` is the
        tag a listing is filtered by."""
        return []

    def structured_data(self, request, url, organisation, image_url=""):
        """The schema.org JSON-LD describing the page at `url` (a dict), or None."""
        return None

    @framable_by_admin
    def serve_preview(self, request, mode_name):
        """The page editor shows previews in an iframe: allow that, for previews only."""
        return super().serve_preview(request, mode_name)

    def get_parent(self, update=False):
        if self.routed_parent is not None and not update:
            return self.routed_parent
        return super().get_parent(update)

    @classmethod
    def serve_queryset(cls):
        """Where a routed request fetches this page from; add select/prefetch_related here."""
        return cls._default_manager.select_related("locale")

    def route(self, request, path_components):
        """Find the page for the rest of the path in one query instead of two per level.

        Wagtail's default walks the tree a level at a time, fetching each child and then its
        specific version. This looks the whole chain of slugs up at once and fetches only the
        page that answers in its specific form, with its serve_queryset(). Pages in between
        get a specific instance without a query (each is the next one's routed_parent), and
        a routable page in between still gets to answer with its own routes first.
        """
        if not path_components:
            return super().route(request, path_components)
        chain = self._descendant_chain(path_components)
        if not chain:
            raise Http404
        parent = self
        for position, page in enumerate(chain):
            remaining = path_components[position + 1 :]
            model = page.specific_class
            if (
                model is None
                or position == len(chain) - 1
                or _routes_itself(model, page, remaining)
            ):
                specific = fetch_for_serving(page)
                specific.routed_parent = parent
                return specific.route(request, remaining)
            node = page.specific_deferred
            node.routed_parent = parent
            parent = node
        raise Http404  # pragma: no cover - the loop always returns

    def _descendant_chain(self, slugs):
        """The pages at self/slugs[0]/slugs[1]/…, as far down as they exist (base Page rows).

        Kept for the content generation: any page saved, moved or deleted starts a new one.
        """
        path = "/".join(slugs)
        if len(path) > 500:
            return self._find_descendant_chain(slugs)
        digest = md5(path.encode(), usedforsecurity=False).hexdigest()
        chain = remembered(
            f"routing:chain:{self.pk}:{digest}",
            lambda: self._find_descendant_chain(slugs) or None,  # a miss is not kept
        )
        return chain or []

    def _find_descendant_chain(self, slugs):
        wanted = Q()
        for offset, slug in enumerate(slugs, start=1):
            wanted |= Q(depth=self.depth + offset, slug=slug)
        candidates = list(Page.objects.filter(wanted, path__startswith=self.path))
        chain = []
        parent_path = self.path
        for offset in range(1, len(slugs) + 1):
            match = next(
                (
                    page
                    for page in candidates
                    if page.depth == self.depth + offset
                    and page.slug == slugs[offset - 1]
                    and page.path.startswith(parent_path)
                ),
                None,
            )
            if match is None:
                break
            chain.append(match)
            parent_path = match.path
        return chain

    def get_view_restrictions(self):
        """Restrictions on this page, its ancestors or the pages they alias, in one query
        (none while nothing on the site is private)."""
        if not any_view_restrictions():
            return PageViewRestriction.objects.none()
        steplen = self.steplen
        paths = [self.path[:end] for end in range(steplen, len(self.path) + 1, steplen)]
        sources = Page.objects.filter(path__in=paths).values(source=Coalesce("alias_of_id", "id"))
        return PageViewRestriction.objects.filter(page_id__in=sources)


def in_language_of(page, linked_page):
    """`linked_page`'s translation in `page`'s language, or `linked_page` when there is none.

    A translation made in the admin copies its links to other pages as they are, so a Serbian
    page would link the English author or publication even where a Serbian one exists.
    """
    if page.locale_id is None or linked_page.locale_id == page.locale_id:
        return linked_page
    translation = (
        type(linked_page)
        .objects.filter(translation_key=linked_page.translation_key, locale_id=page.locale_id)
        .first()
    )
    return translation or linked_page
