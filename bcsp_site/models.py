"""The top layer's pages: the home page (carousel), standard and team pages, and menus.

What every page builds on is in bcsp_site.core; the organisation settings (a model of this
app) in bcsp_site.core.organisation.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import prefetch_related_objects
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultipleChooserPanel
from wagtail.fields import StreamField
from wagtail.models import (
    DraftStateMixin,
    Orderable,
    Page,
    RevisionMixin,
    TranslatableMixin,
)
from wagtail.search import index

from authors.models import AVATAR_RENDITION, AuthorPage
from publications.models import (
    PublicationIndexPage,
    PublicationPage,
    attach_cover_renditions,
    author_links_prefetch,
)
from reading.figures import most_read, most_read_period

from .blocks import SidebarBlock, TeamBlock
from .caching.generation import remembered
from .caching.models import ContentGeneration  # noqa: F401 - a model of this app
from .caching.page_cache import keep_no_longer_than
from .core.blocks import BodyBlock
from .core.footnotes import FootnotedPageMixin, footnotes_panel

# Django registers an app's models when its models module loads them.
from .core.organisation import OrganisationSettings, OrganisationText  # noqa: F401
from .core.pages import BasePage, PublicPageQuerySet, fetch_for_serving, in_language_of
from .core.renditions import attach_renditions

FEATURED_MAX = 8
FEATURED_MIN = 5
LATEST_COUNT = 6


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
    shows_newest = True

    class Meta:
        verbose_name = _("home page")

    def structured_data(self, request, url, organisation, image_url=""):
        return {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": organisation.name,
            "url": url,
            "inLanguage": self.locale.language_code,
            "publisher": organisation.structured_data(request),
        }

    @property
    def localized(self):
        """This home page in the active language, in its specific form: where routing starts.

        Wagtail looks the active locale up and then the page itself on every request; both
        are kept in the cache for the content generation instead.
        """
        key = f"routing:home:{self.translation_key}:{translation.get_language()}"
        return remembered(key, lambda: fetch_for_serving(super(HomePage, self).localized))

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
        attach_cover_renditions(featured, shown_as="carousel")
        attach_cover_renditions(latest, shown_as="card")
        return featured, latest

    @cached_property
    def carousel_and_latest(self):
        """featured_and_latest(), fetched the first time a template asks for either list."""
        return self.featured_and_latest()

    def featured_publications(self):
        return self.featured_and_latest()[0]

    def get_context(self, request, *args, **kwargs):
        """Adds the period of "Most read": the fragment that shows it is worked out once a
        period, and the page is kept no longer than the period lasts (page cache, browsers,
        a CDN), so the list a visitor gets is never older than READING_MOST_READ_SECONDS."""
        context = super().get_context(request, *args, **kwargs)
        period, seconds_left = most_read_period()
        context["most_read_period"] = period
        keep_no_longer_than(request, seconds_left)
        return context

    @cached_property
    def most_read_publications(self):
        """The most read publications in this language (reading.figures.most_read)."""
        return most_read(self.locale_id, settings.READING_MOST_READ_COUNT)

    @cached_property
    def publication_index(self):
        """The listing of all publications in this home page's language (under it)."""
        return PublicationIndexPage.objects.child_of(self).live().first()


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
            # In the tree's order, as editors arrange them: a queryset made without Page's
            # manager has no order of its own, and PostgreSQL returns rows as they lie.
            .order_by("path")
            .only("title", "url_path", "path", "depth", "locale_id", "translation_key")
        )
        return section, pages

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["section"], context["section_pages"] = self.section_pages()
        return context


class StandardPage(FootnotedPageMixin, SectionPageMixin, BasePage):
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
        footnotes_panel(),
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
        attach_renditions([person.photo for person in people], AVATAR_RENDITION)
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
