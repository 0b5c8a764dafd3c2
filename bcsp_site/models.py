from functools import partial
from hashlib import md5

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, prefetch_related_objects
from django.db.models.functions import Coalesce, Length, Substr
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, MultipleChooserPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import (
    Orderable,
    Page,
    PageManager,
    PageQuerySet,
    PageViewRestriction,
    Site,
)
from wagtail.search import index
from wagtail.signals import page_published

from . import fragments, site_cache  # noqa: F401  (connect their signals)
from .renditions import attach_renditions

FEATURED_MAX = 8
FEATURED_MIN = 5
LATEST_COUNT = 6
ORGANISATION_CACHE_KEY = "settings:organisation:{site_id}"


def any_view_restrictions():
    """Is any part of the site private? Usually not: then nothing needs checking. Kept in
    the cache for the content generation (saving a restriction starts a new one)."""
    key = f"routing:restrictions:{fragments.content_generation()}"
    exists = fragments.content_cache().get(key)
    if exists is None:
        exists = PageViewRestriction.objects.exists()
        fragments.content_cache().set(key, exists, fragments.FRAGMENT_CACHE_SECONDS)
    return exists


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


def _fetch_for_serving(page):
    """The page in its specific type with what its template needs, in as few queries as we can.

    Kept in the cache for the content generation (any page saved, published, moved or
    deleted starts a new one), so a page read often is not fetched on every request.
    """
    model = page.specific_class
    serve_queryset = getattr(model, "serve_queryset", None)
    if serve_queryset is None:
        return page.specific
    key = f"routing:page:{fragments.content_generation()}:{page.pk}"
    specific = fragments.content_cache().get(key)
    if specific is None:
        specific = serve_queryset().filter(pk=page.pk).first()
        if specific is None:  # deleted since the lookup
            raise Http404
        fragments.content_cache().set(key, specific, fragments.FRAGMENT_CACHE_SECONDS)
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

    # {image field name: rendition filter specs the templates use}, made when a page is
    # published so the first visitor does not wait for them.
    prepared_renditions = {}

    class Meta:
        abstract = True

    @classmethod
    def serve_queryset(cls):
        """Where a routed request fetches this page from; add select/prefetch_related here."""
        return cls._default_manager.select_related("locale")

    def route(self, request, path_components):
        """Find the page for the rest of the path in one query instead of two per level.

        Wagtail's default walks the tree a level at a time, fetching each child and then its
        specific version. This looks the whole chain of slugs up at once and fetches only the
        page that answers in its specific form, with its serve_queryset(). Pages in between
        get a specific instance without a query (they serve as the answer's cached parent),
        and a routable page in between still gets to answer with its own routes first.
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
                specific = _fetch_for_serving(page)
                specific._cached_parent_obj = parent
                return specific.route(request, remaining)
            node = page.specific_deferred
            node._cached_parent_obj = parent
            parent = node
        raise Http404  # pragma: no cover - the loop always returns

    def _descendant_chain(self, slugs):
        """The pages at self/slugs[0]/slugs[1]/…, as far down as they exist (base Page rows).

        Kept in the cache for the content generation: any page saved, moved or deleted
        starts a new one.
        """
        path = "/".join(slugs)
        if len(path) > 500:
            return self._find_descendant_chain(slugs)
        digest = md5(path.encode(), usedforsecurity=False).hexdigest()
        key = f"routing:chain:{fragments.content_generation()}:{self.pk}:{digest}"
        chain = fragments.content_cache().get(key)
        if chain is None:
            chain = self._find_descendant_chain(slugs)
            if chain:
                fragments.content_cache().set(key, chain, fragments.FRAGMENT_CACHE_SECONDS)
        return chain

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


@receiver(page_published, dispatch_uid="prepare-renditions")
def prepare_renditions_on_publish(sender, instance, **kwargs):
    from .tasks import prepare_renditions

    for field_name, specs in getattr(instance, "prepared_renditions", {}).items():
        image_id = getattr(instance, f"{field_name}_id", None)
        if image_id:
            transaction.on_commit(
                partial(prepare_renditions.enqueue, image_id=image_id, specs=list(specs))
            )


class HomePage(BasePage):
    """The site's front page: featured carousel, latest publications, e-bulletin block."""

    template = "pages/home_page.html"
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "publications.PublicationIndexPage",
        "authors.AuthorIndexPage",
    ]

    intro = models.TextField(
        blank=True,
        max_length=400,
        help_text=_("One or two sentences under the carousel introducing the centre."),
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("intro"),
        MultipleChooserPanel(
            "featured_links",
            chooser_field_name="publication",
            heading=_("Featured publications"),
            label=_("Featured publication"),
            max_num=FEATURED_MAX,
            help_text=_(
                "Up to %(max)s publications for the carousel, in this order. With fewer than "
                "%(min)s, the newest publications fill the remaining places."
            )
            % {"max": FEATURED_MAX, "min": FEATURED_MIN},
        ),
    ]

    search_fields = [*BasePage.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("home page")

    @property
    def localized(self):
        """This home page in the active language, in its specific form: where routing starts.

        Wagtail looks the active locale up and then the page itself on every request; both
        are kept in the cache for the content generation instead.
        """
        generation = fragments.content_generation()
        key = f"routing:home:{generation}:{self.translation_key}:{translation.get_language()}"
        home = fragments.content_cache().get(key)
        if home is None:
            home = _fetch_for_serving(super().localized)
            fragments.content_cache().set(key, home, fragments.FRAGMENT_CACHE_SECONDS)
        return home

    def picked_publication_ids(self):
        """The editor's picks in their order (in memory on previews, else one query)."""
        links = sorted(self.featured_links.all(), key=lambda link: link.sort_order or 0)
        return [link.publication_id for link in links][:FEATURED_MAX]

    def featured_and_latest(self):
        """(carousel slides, latest publications).

        The carousel shows the editor's picks that are still live, in their order, made up
        to FEATURED_MIN with the newest publications; the latest list shows the next
        LATEST_COUNT newest, leaving out everything in the carousel.
        """
        from publications.models import (
            CAROUSEL_RENDITIONS,
            PublicationPage,
            author_links_prefetch,
        )

        picked_ids = self.picked_publication_ids()
        publications = (
            PublicationPage.objects.for_cards()
            .filter(locale_id=self.locale_id)
            .prefetch_related(None)  # the authors of both lists are fetched together below
        )
        picked = {page.pk: page for page in publications.filter(pk__in=picked_ids)}
        featured = [picked[pk] for pk in picked_ids if pk in picked]
        top_up = max(0, FEATURED_MIN - len(featured))
        newest = list(publications.exclude(pk__in=picked_ids)[: top_up + LATEST_COUNT])
        featured += newest[:top_up]
        latest = newest[top_up:]
        prefetch_related_objects(featured + latest, author_links_prefetch())
        attach_renditions([page.cover_image for page in featured], *CAROUSEL_RENDITIONS)
        return featured, latest

    @cached_property
    def carousel_and_latest(self):
        """featured_and_latest(), fetched the first time a template asks for either list."""
        return self.featured_and_latest()

    def featured_publications(self):
        return self.featured_and_latest()[0]


class HomeFeaturedPublication(Orderable):
    home = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_links")
    publication = models.ForeignKey(
        "publications.PublicationPage",
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("A publication or op-ed to feature in the home page carousel."),
    )

    panels = [FieldPanel("publication")]

    class Meta(Orderable.Meta):
        verbose_name = _("featured publication")
        constraints = [
            models.UniqueConstraint(fields=["home", "publication"], name="unique_featured_pick")
        ]


@register_setting(icon="site")
class OrganisationSettings(BaseSiteSetting):
    """The organisation's details shown in the footer ("Info BCSP") and in metadata."""

    name = models.CharField(
        max_length=120,
        default="Belgrade Centre for Security Policy",
        help_text=_("Full name of the organisation, shown in the footer and as publisher."),
    )
    short_name = models.CharField(
        max_length=30, default="BCSP", help_text=_("Abbreviation shown in the header.")
    )
    description = models.TextField(
        max_length=600,
        blank=True,
        default=(
            "The Belgrade Centre for Security Policy is an independent research centre "
            "advancing the security of citizens and society based on democracy and respect "
            "for human rights."
        ),
        help_text=_("The short description in the footer's information block."),
    )
    address = models.TextField(
        blank=True,
        default="Đure Jakšića 6/5, 11000 Belgrade, Serbia",
        help_text=_("Postal address, one line per row."),
    )
    contact_email = models.EmailField(
        blank=True, default="office@bezbednost.org", help_text=_("Public contact address.")
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("short_name"), FieldPanel("description")],
            heading=_("Organisation"),
        ),
        MultiFieldPanel([FieldPanel("address"), FieldPanel("contact_email")], _("Contact")),
    ]

    class Meta:
        verbose_name = _("organisation")

    @classmethod
    def for_request(cls, request):
        """Every public page shows these: keep them in the cache, dropped whenever they are
        saved. (The admin's settings form reads them with for_site(), uncached.)"""
        attribute = cls.get_cache_attr_name()
        if hasattr(request, attribute):
            return getattr(request, attribute)
        site = Site.find_for_request(request)
        if site is None:
            return super().for_request(request)
        key = ORGANISATION_CACHE_KEY.format(site_id=site.pk)
        instance = cache.get(key)
        if instance is None:
            instance = cls.for_site(site)
            cache.set(key, instance, 60 * 60)
        instance._request = request
        setattr(request, attribute, instance)
        return instance


def _clear_organisation_cache(sender, instance, **kwargs):
    cache.delete(ORGANISATION_CACHE_KEY.format(site_id=instance.site_id))


post_save.connect(_clear_organisation_cache, sender=OrganisationSettings, dispatch_uid="org-save")
post_delete.connect(_clear_organisation_cache, sender=OrganisationSettings, dispatch_uid="org-del")
