from functools import partial
from hashlib import md5

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, prefetch_related_objects
from django.db.models.functions import Coalesce, Length, Substr
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import Http404
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, MultipleChooserPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.fields import StreamField
from wagtail.models import (
    DraftStateMixin,
    Orderable,
    Page,
    PageManager,
    PageQuerySet,
    PageViewRestriction,
    RevisionMixin,
    Site,
    TranslatableMixin,
)
from wagtail.search import index
from wagtail.signals import page_published

from publications.blocks import BodyBlock

from . import fragments
from .blocks import SidebarBlock, SocialProfilesBlock, TeamBlock
from .core.security import framable_by_admin
from .page_forms import BasePageForm
from .renditions import attach_renditions

FEATURED_MAX = 8
FEATURED_MIN = 5
LATEST_COUNT = 6
ORGANISATION_CACHE_KEY = "settings:organisation:{generation}:{site_id}"


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


_url_parts = fragments.GenerationMemo()


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
    # published so the first visitor does not wait for them.
    prepared_renditions = {}

    def get_url_parts(self, request=None):
        """Wagtail's answer, kept in the worker for the content generation (a site, locale or
        page moved or renamed starts a new one). Working it out reverses a URL in the page's
        language, and a list of search results links some two dozen pages."""
        site = getattr(request, "_wagtail_site", None)
        if self.pk is None or (request is not None and site is None):
            return super().get_url_parts(request)  # a new page, or a request's site unknown
        key = (self.pk, self.url_path, translation.get_language(), site.pk if site else None)
        return _url_parts.get(key, lambda: super(BasePage, self).get_url_parts(request))

    class Meta:
        abstract = True

    @framable_by_admin
    def serve_preview(self, request, mode_name):
        """The page editor shows previews in an iframe: allow that, for previews only."""
        return super().serve_preview(request, mode_name)

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
        "bcsp_site.StandardPage",
        "bcsp_site.TeamPage",
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

    @cached_property
    def publication_index(self):
        """The listing of all publications in this home page's language (under it)."""
        from publications.models import PublicationIndexPage

        return PublicationIndexPage.objects.child_of(self).live().first()


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


class HomeFeaturedPublication(Orderable):
    home = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_links")
    publication = models.ForeignKey(
        "publications.PublicationPage",
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("A publication or op-ed to feature in the home page carousel."),
    )

    panels = [FieldPanel("publication")]

    def save(self, *args, **kwargs):
        self.publication = in_language_of(self.home, self.publication)
        super().save(*args, **kwargs)

    class Meta(Orderable.Meta):
        verbose_name = _("featured publication")
        constraints = [
            models.UniqueConstraint(fields=["home", "publication"], name="unique_featured_pick")
        ]


# Site pages: about, contact, privacy notice, the team ----------------------------------


class SectionPageMixin:
    """Pages that show their section: their own subpages, or those of their parent."""

    def section_pages(self):
        """(the section's page, its live public subpages) for the side navigation, one query.

        A page with subpages heads its own section; one without shows its siblings when its
        parent is a standard page (About › Mission, Donors, Team).
        """
        section = self
        if not self.numchild:
            section = self.get_parent()  # in memory when the page was routed to
            if section is None or not issubclass(section.specific_class or Page, StandardPage):
                return None, []
        pages = list(
            PublicPageQuerySet(Page)
            .child_of(section)
            .live()
            .public()
            .only("title", "url_path", "path", "depth", "locale_id", "translation_key")
        )
        return section, pages

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["section"], context["section_pages"] = self.section_pages()
        return context


class StandardPage(SectionPageMixin, BasePage):
    """A page of text: about us, mission, contact, the privacy notice; may hold subpages."""

    template = "pages/standard_page.html"
    parent_page_types = ["bcsp_site.HomePage", "bcsp_site.StandardPage"]
    subpage_types = ["bcsp_site.StandardPage", "bcsp_site.TeamPage"]

    intro = models.TextField(
        blank=True,
        max_length=500,
        help_text=_("One or two sentences under the title, also used as the page's summary."),
    )
    body = StreamField(BodyBlock(), blank=True, help_text=_("The page's text, in blocks."))
    sidebar = StreamField(
        SidebarBlock(),
        blank=True,
        help_text=_("Optional column beside the text: short notes, links, a document or an image."),
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("sidebar"),
    ]

    search_fields = [
        *BasePage.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = _("standard page")


class TeamPage(SectionPageMixin, BasePage):
    """The people of the centre in editor-ordered groups, drawn from their author pages."""

    template = "pages/team_page.html"
    parent_page_types = ["bcsp_site.HomePage", "bcsp_site.StandardPage"]
    subpage_types = []

    intro = models.TextField(
        blank=True, max_length=500, help_text=_("Shown under the title, above the groups.")
    )
    groups = StreamField(
        TeamBlock(),
        blank=True,
        help_text=_(
            "Groups such as 'Management' and 'Researchers', in the order to show them; each "
            "lists people chosen from the author pages."
        ),
    )

    content_panels = [*BasePage.content_panels, FieldPanel("intro"), FieldPanel("groups")]

    search_fields = [*BasePage.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("team page")

    def team_groups(self):
        """[{heading, description, members: [{person, role}]}] with everything a card shows.

        People come from one query (the chooser's), their photos, links and, on a translated
        team page, their translations from one more each; photo renditions from the cache.
        Unpublished people are left out; a person is shown in this page's language when a
        published translation of their author page exists.
        """
        from authors.models import PHOTO_RENDITION, AuthorPage

        groups = []
        for block in self.groups:
            if block.block_type != "group":
                continue
            members = [
                {"person": member["person"], "role": member["role"]}
                for member in block.value["members"]
                if member["person"] is not None
            ]
            groups.append(
                {
                    "heading": block.value["heading"],
                    "description": block.value["description"],
                    "members": members,
                }
            )
        members = [member for group in groups for member in group["members"]]
        foreign = {
            member["person"].translation_key
            for member in members
            if member["person"].locale_id != self.locale_id
        }
        if foreign:
            translated = {
                person.translation_key: person
                for person in AuthorPage.objects.live().filter(
                    translation_key__in=foreign, locale_id=self.locale_id
                )
            }
            for member in members:
                member["person"] = (
                    translated.get(member["person"].translation_key) or (member["person"])
                )
        for group in groups:
            group["members"] = [member for member in group["members"] if member["person"].live]
        people = [member["person"] for group in groups for member in group["members"]]
        prefetch_related_objects(people, "photo", "links")
        attach_renditions([person.photo for person in people], PHOTO_RENDITION)
        return [group for group in groups if group["members"]]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["team_groups"] = self.team_groups()
        return context


# Menus -------------------------------------------------------------------------------


class MenuLocation(models.TextChoices):
    HEADER = "header", _("Header menu")
    FOOTER = "footer", _("Footer links")


def validate_link_address(value):
    if not value.startswith(("/", "https://", "http://", "mailto:")):
        raise ValidationError(
            _("Enter an address starting with /, https://, http:// or mailto:"), code="invalid"
        )


class NavigationMenu(DraftStateMixin, RevisionMixin, TranslatableMixin, ClusterableModel):
    """The links of one place on the site (the header menu, the footer) in one language.

    Visitors see a menu once it is published. "Translate" copies a menu into another
    language as a draft, whose link texts the editor then rewrites in the usual editor (the
    links are not text wagtail-localize translates, so the copy is not kept in sync).
    """

    location = models.CharField(
        max_length=20,
        choices=MenuLocation.choices,
        help_text=_(
            "Where the links are shown. Each language has its own menu for each place; "
            "until a language's header menu is published, the header lists the home "
            "page's subpages marked 'Show in menus'."
        ),
    )

    # wagtail-localize: a translation is a copy edited on its own, not kept in sync.
    localize_default_translation_mode = "simple"

    panels = [
        FieldPanel("location"),
        InlinePanel("items", heading=_("Links"), label=_("Link")),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("menu")
        verbose_name_plural = _("menus")
        ordering = ["location"]
        constraints = [
            models.UniqueConstraint(fields=["locale", "location"], name="one_menu_per_place")
        ]

    def __str__(self):
        return str(self.get_location_display())


class NavigationMenuItem(Orderable):
    menu = ParentalKey(NavigationMenu, on_delete=models.CASCADE, related_name="items")
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("page"),
        help_text=_(
            "The page to link to. In another language's menu its translation is used "
            "where one is published."
        ),
    )
    link_url = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_link_address],
        verbose_name=_("address"),
        help_text=_("Or an address: /en/e-bulletin/ on this site, or https://… elsewhere."),
    )
    label = models.CharField(
        max_length=80,
        blank=True,
        help_text=_("The link's words. Leave empty to use the page's title."),
    )

    panels = [FieldPanel("link_page"), FieldPanel("link_url"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        verbose_name = _("menu link")

    def clean(self):
        super().clean()
        if bool(self.link_page_id) == bool(self.link_url):
            raise ValidationError({"link_page": _("Choose a page or enter an address, not both.")})
        if self.link_url and not self.label:
            raise ValidationError({"label": _("Give the address a link text.")})


# Site settings -----------------------------------------------------------------------

# What visitors see before an editor has written the texts of their language.
ORGANISATION_DEFAULTS = {
    "en": {
        "name": "Belgrade Centre for Security Policy",
        "short_name": "BCSP",
        "description": (
            "The Belgrade Centre for Security Policy is an independent research centre "
            "advancing the security of citizens and society based on democracy and respect "
            "for human rights."
        ),
        "address": "Đure Jakšića 6/5, 11000 Belgrade, Serbia",
    },
    "sr": {
        "name": "Beogradski centar za bezbednosnu politiku",
        "short_name": "BCBP",
        "description": (
            "Beogradski centar za bezbednosnu politiku je nezavisni istraživački centar koji "
            "se zalaže za bezbednost građana i društva zasnovanu na demokratiji i poštovanju "
            "ljudskih prava."
        ),
        "address": "Đure Jakšića 6/5, 11000 Beograd, Srbija",
    },
}


def content_language():
    """The language of the current request, as one of the site's content languages."""
    try:
        return get_supported_content_language_variant(translation.get_language())
    except LookupError:
        return settings.LANGUAGE_CODE


@register_setting(icon="site")
class OrganisationSettings(ClusterableModel, BaseSiteSetting):
    """The organisation's details: the footer's "Info BCSP" block, contacts, metadata.

    What visitors read (name, description, address, e-bulletin wording) is written per
    language in `texts`; `name`, `description` and the rest answer in the active language,
    falling back to the default language, then to ORGANISATION_DEFAULTS.
    """

    contact_email = models.EmailField(
        blank=True, default="office@bezbednost.org", help_text=_("Public contact address.")
    )
    social_links = StreamField(
        SocialProfilesBlock(),
        blank=True,
        help_text=_("The organisation's profiles, listed in the footer in this order."),
    )
    default_social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Shown when a page without an image of its own is shared on social media. "
            "Landscape, at least 1200×630 pixels."
        ),
    )

    select_related = ["default_social_image"]

    panels = [
        InlinePanel(
            "texts",
            heading=_("Texts in each language"),
            label=_("Language"),
            min_num=1,
            max_num=len(settings.LANGUAGES),
        ),
        MultiFieldPanel(
            [FieldPanel("contact_email"), FieldPanel("social_links")], heading=_("Contact")
        ),
        FieldPanel("default_social_image"),
    ]

    class Meta:
        verbose_name = _("organisation")

    def text_for(self, language=None):
        """The texts in `language` (default: the active one), or the fallback described above."""
        language = language or content_language()
        loaded = getattr(self, "_texts", None)  # set by for_request()
        if loaded is None:
            loaded = self.texts.all()
        texts = {text.language_code: text for text in loaded}
        text = texts.get(language) or texts.get(settings.LANGUAGE_CODE)
        if text is None:
            defaults = ORGANISATION_DEFAULTS.get(language, ORGANISATION_DEFAULTS["en"])
            text = OrganisationText(language_code=language, **defaults)
        return text

    @property
    def name(self):
        return self.text_for().name

    @property
    def short_name(self):
        return self.text_for().short_name

    @property
    def description(self):
        return self.text_for().description

    @property
    def address(self):
        return self.text_for().address

    @property
    def ebulletin_heading(self):
        return self.text_for().ebulletin_heading

    @property
    def ebulletin_text(self):
        return self.text_for().ebulletin_text

    @classmethod
    def load_with_texts(cls, site):
        """The site's settings with their texts in every language, in one query once texts
        exist (the texts bring their settings along)."""
        texts = list(
            OrganisationText.objects.filter(organisation__site=site).select_related(
                "organisation__default_social_image"
            )
        )
        if texts:
            instance = texts[0].organisation
        else:  # new settings get their default texts when created
            instance = cls.for_site(site)
            texts = list(instance.texts.all())
        for text in texts:
            text.organisation = instance
        instance._texts = texts
        return instance

    @classmethod
    def for_request(cls, request):
        """Every public page shows these: keep them in the cache for the content generation,
        which saving them renews. (The admin's settings form reads them with for_site(),
        uncached.)"""
        attribute = cls.get_cache_attr_name()
        if hasattr(request, attribute):
            return getattr(request, attribute)
        site = Site.find_for_request(request)
        if site is None:
            return super().for_request(request)
        key = ORGANISATION_CACHE_KEY.format(
            generation=fragments.content_generation(), site_id=site.pk
        )
        instance = fragments.content_cache().get(key)
        if instance is None:
            instance = cls.load_with_texts(site)
            fragments.content_cache().set(key, instance, fragments.FRAGMENT_CACHE_SECONDS)
        instance._request = request
        setattr(request, attribute, instance)
        return instance


class OrganisationText(Orderable):
    organisation = ParentalKey(OrganisationSettings, on_delete=models.CASCADE, related_name="texts")
    language_code = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        verbose_name=_("language"),
        help_text=_("The language these texts are written in."),
    )
    name = models.CharField(
        max_length=120,
        help_text=_("Full name of the organisation, shown in the footer and as publisher."),
    )
    short_name = models.CharField(
        max_length=30, help_text=_("Abbreviation shown in the header, e.g. BCSP or BCBP.")
    )
    description = models.TextField(
        max_length=600,
        blank=True,
        help_text=_("The short description in the footer's information block."),
    )
    address = models.TextField(blank=True, help_text=_("Postal address, one line per row."))
    ebulletin_heading = models.CharField(
        max_length=120,
        blank=True,
        verbose_name=_("e-bulletin heading"),
        help_text=_(
            "Heading of the e-bulletin sign-up blocks. Leave empty for 'E-bulletin' in the "
            "footer and 'Subscribe to our e-bulletin' on the home page."
        ),
    )
    ebulletin_text = models.TextField(
        max_length=400,
        blank=True,
        verbose_name=_("e-bulletin invitation"),
        help_text=_(
            "The sentence above the sign-up form. Leave empty for "
            "'Sign up to receive our e-bulletin.'"
        ),
    )

    panels = [
        FieldPanel("language_code"),
        FieldPanel("name"),
        FieldPanel("short_name"),
        FieldPanel("description"),
        FieldPanel("address"),
        FieldPanel("ebulletin_heading"),
        FieldPanel("ebulletin_text"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("texts in one language")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "language_code"], name="one_text_per_language"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.language_code})"


@receiver(post_save, sender=OrganisationSettings, dispatch_uid="org-default-texts")
def _write_default_texts(sender, instance, created, raw=False, **kwargs):
    """New settings start with the default texts in every language, for editors to adapt."""
    if not created or raw:
        return
    OrganisationText.objects.bulk_create(
        [
            OrganisationText(
                organisation=instance,
                language_code=code,
                sort_order=order,
                **ORGANISATION_DEFAULTS.get(code, ORGANISATION_DEFAULTS[settings.LANGUAGE_CODE]),
            )
            for order, (code, _name) in enumerate(settings.LANGUAGES)
        ]
    )
