from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, MultipleChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable, Page
from wagtail.search import index

FEATURED_MAX = 8
FEATURED_MIN = 5
LATEST_COUNT = 6


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

    class Meta:
        abstract = True


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

    def featured_publications(self):
        """Editor picks in their order, topped up with the newest to FEATURED_MIN slides."""
        from publications.models import PublicationPage

        picked_ids = list(
            self.featured_links.filter(publication__live=True)
            .order_by("sort_order")
            .values_list("publication_id", flat=True)[:FEATURED_MAX]
        )
        base = PublicationPage.objects.for_listing().filter(locale_id=self.locale_id)
        picked = {page.pk: page for page in base.filter(pk__in=picked_ids)} if picked_ids else {}
        featured = [picked[pk] for pk in picked_ids if pk in picked]
        missing = FEATURED_MIN - len(featured)
        if missing > 0:
            featured += list(base.exclude(pk__in=picked_ids)[:missing])
        return featured

    def latest_publications(self, exclude=()):
        from publications.models import PublicationPage

        return list(
            PublicationPage.objects.for_listing()
            .filter(locale_id=self.locale_id)
            .exclude(pk__in=[page.pk for page in exclude])[:LATEST_COUNT]
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        featured = self.featured_publications()
        context["featured_publications"] = featured
        context["latest_publications"] = self.latest_publications(exclude=featured)
        return context


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
