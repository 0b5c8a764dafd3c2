import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, MultipleChooserPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.documents.models import AbstractDocument, Document
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import Orderable, PageManager, PageQuerySet, TranslatableMixin
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from bcsp_site.models import BasePage

from .blocks import BodyBlock
from .pdf import extract_pdf_text

logger = logging.getLogger("bcsp.publications")

PAGE_SIZE = 12
CARD_RENDITION = "fill-640x360|format-webp"
RESERVED_SLUGS = {"tags", "feed", "search"}

ORIGINAL_LANGUAGES = [
    ("sr", _("Serbian")),
    ("en", _("English")),
    ("hr", _("Croatian")),
    ("bs", _("Bosnian")),
    ("cnr", _("Montenegrin")),
    ("sq", _("Albanian")),
    ("mk", _("Macedonian")),
    ("de", _("German")),
    ("fr", _("French")),
    ("ru", _("Russian")),
]


class PublicationKind(TranslatableMixin, models.Model):
    """An editor-managed kind of publication: analysis, report, policy paper…"""

    name = models.CharField(max_length=80, help_text=_("Singular name, e.g. 'Policy paper'."))
    slug = models.SlugField(
        max_length=80, help_text=_("Used in filter addresses, e.g. ?kind=policy-paper.")
    )
    sort_order = models.PositiveSmallIntegerField(
        default=0, help_text=_("Kinds are listed in this order in filters (lowest first).")
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("sort_order")]

    class Meta(TranslatableMixin.Meta):
        ordering = ["sort_order", "name"]
        verbose_name = _("publication kind")
        constraints = [
            models.UniqueConstraint(fields=["locale", "slug"], name="unique_kind_slug_per_locale")
        ]

    def __str__(self):
        return self.name


register_snippet(PublicationKind)


class PublicationDocument(AbstractDocument):
    """A Wagtail document that keeps the text of PDFs so search can find what is inside."""

    extracted_text = models.TextField(blank=True, editable=False)

    admin_form_fields = Document.admin_form_fields

    search_fields = [*AbstractDocument.search_fields, index.SearchField("extracted_text")]

    def save(self, *args, **kwargs):
        if self.file and self._file_changed():
            self.extracted_text = extract_pdf_text(self.file) if self.is_pdf else ""
        super().save(*args, **kwargs)

    @property
    def is_pdf(self):
        return self.file_extension.lower() == "pdf"

    def _file_changed(self):
        if not self.pk:
            return True
        previous = type(self).objects.filter(pk=self.pk).values_list("file", flat=True).first()
        return previous != self.file.name or not self.extracted_text


class PublicationPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "publications.PublicationPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class PublicationQuerySet(PageQuerySet):
    def for_listing(self):
        """Live, public publications with everything a card shows, newest first."""
        image_model = get_image_model()
        return (
            self.live()
            .public()
            .defer_streamfields()
            .select_related("kind", "locale")
            .prefetch_related(
                Prefetch(
                    "author_links",
                    queryset=PublicationAuthor.objects.select_related("author__locale").order_by(
                        "sort_order"
                    ),
                ),
                "tags",
                Prefetch(
                    "cover_image",
                    queryset=image_model.objects.prefetch_renditions(CARD_RENDITION),
                ),
            )
            .order_by("-publication_date", "-pk")
        )


PublicationManager = PageManager.from_queryset(PublicationQuerySet)


class PublicationIndexPage(RoutablePageMixin, BasePage):
    """All publications and op-eds: newest first, filters, per-year archive and tag pages."""

    template = "pages/publication_index_page.html"
    parent_page_types = ["bcsp_site.HomePage"]
    subpage_types = ["publications.PublicationPage", "publications.OpEdPage"]
    # One per language tree: with i18n each locale's home page holds its own index.
    max_count_per_parent = 1

    intro = models.TextField(
        blank=True, max_length=500, help_text=_("Shown above the list of publications.")
    )

    content_panels = [*BasePage.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("publication index")

    def base_queryset(self):
        return PublicationPage.objects.for_listing().filter(locale_id=self.locale_id)

    def years(self):
        return list(
            PublicationPage.objects.live()
            .public()
            .filter(locale_id=self.locale_id)
            .annotate(year=ExtractYear("publication_date"))
            .values("year")
            .annotate(count=Count("pk"))
            .order_by("-year")
        )

    def kinds(self):
        return list(PublicationKind.objects.filter(locale_id=self.locale_id))

    def filter_publications(self, request, publications):
        """Apply ?kind=, ?tag= and ?author= filters; unknown values are a 404."""
        from authors.models import AuthorPage

        active = {}
        kind_slug = request.GET.get("kind", "").strip()
        if kind_slug:
            kind = PublicationKind.objects.filter(locale_id=self.locale_id, slug=kind_slug).first()
            if kind is None:
                raise Http404("Unknown kind")
            publications = publications.filter(kind=kind)
            active["kind"] = kind
        tag_slug = request.GET.get("tag", "").strip()
        if tag_slug:
            tag = Tag.objects.filter(slug=tag_slug).first()
            if tag is None:
                raise Http404("Unknown tag")
            publications = publications.filter(tagged_items__tag=tag)
            active["tag"] = tag
        author_slug = request.GET.get("author", "").strip()
        if author_slug:
            author = AuthorPage.objects.live().filter(locale_id=self.locale_id, slug=author_slug)
            author = author.first()
            if author is None:
                raise Http404("Unknown author")
            publications = publications.filter(author_links__author=author)
            active["author"] = author
        return publications, active

    def render_listing(self, request, publications, **extra):
        publications, active_filters = self.filter_publications(request, publications)
        page_obj = Paginator(publications, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "publications": page_obj,
            "active_filters": active_filters,
            "filter_query": query.urlencode(),
            "years": self.years(),
            "kinds": self.kinds(),
            **extra,
        }
        return self.render(request, context_overrides=context)

    @path("")
    def all_publications(self, request):
        return self.render_listing(request, self.base_queryset())

    @path("<int:year>/", name="year")
    def year_archive(self, request, year):
        publications = self.base_queryset().filter(publication_date__year=year)
        if not publications.exists():
            raise Http404("Nothing published that year")
        return self.render_listing(request, publications, year=year)

    @path("tags/<slug:tag_slug>/", name="tag")
    def tag_archive(self, request, tag_slug):
        tag = Tag.objects.filter(slug=tag_slug).first()
        if tag is None:
            raise Http404("Unknown tag")
        publications = self.base_queryset().filter(tagged_items__tag=tag)
        return self.render_listing(request, publications, tag=tag)


class PublicationPage(BasePage):
    template = "pages/publication_page.html"
    parent_page_types = ["publications.PublicationIndexPage"]
    subpage_types = []

    kind = models.ForeignKey(
        PublicationKind,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("What sort of publication this is. Editors manage the list under Snippets."),
    )
    publication_date = models.DateField(
        help_text=_("The date the publication came out. It decides its year archive."),
    )
    summary = models.TextField(
        max_length=500,
        help_text=_(
            "Plain-text teaser of at most 500 characters, shown in lists and the carousel."
        ),
    )
    body = StreamField(
        BodyBlock(), blank=True, help_text=_("The text of the publication, in blocks.")
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown at the top of the page and in the carousel. Landscape works best."),
    )
    pdf = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("PDF"),
        help_text=_("The full publication as a PDF, offered for download. Its text is searchable."),
    )
    tags = ClusterTaggableManager(
        through=PublicationPageTag,
        blank=True,
        help_text=_("Topics such as 'surveillance'. Each tag gets its own page."),
    )
    comments_open = models.BooleanField(
        default=True, help_text=_("Let readers post comments (each is moderated before it shows).")
    )

    objects = PublicationManager()

    content_panels = [
        *BasePage.content_panels,
        MultiFieldPanel(
            [FieldPanel("kind"), FieldPanel("publication_date")], heading=_("Publication")
        ),
        MultipleChooserPanel(
            "author_links",
            chooser_field_name="author",
            heading=_("Authors"),
            label=_("Author"),
            help_text=_("In the order they should be credited. Leave empty to credit the centre."),
        ),
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
        FieldPanel("pdf"),
        FieldPanel("tags"),
    ]
    settings_panels = [*BasePage.settings_panels, FieldPanel("comments_open")]

    search_fields = [
        *BasePage.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.RelatedFields(
            "author_links",
            [index.RelatedFields("author", [index.SearchField("title", boost=5)])],
        ),
        index.RelatedFields("tags", [index.SearchField("name", boost=2)]),
        index.RelatedFields("kind", [index.SearchField("name")]),
        index.RelatedFields("pdf", [index.SearchField("extracted_text")]),
        index.FilterField("publication_date"),
        index.FilterField("kind"),
        index.FilterField("locale"),
    ]

    class Meta:
        verbose_name = _("publication")

    def clean(self):
        super().clean()
        if self.slug and (self.slug.isdigit() or self.slug in RESERVED_SLUGS):
            raise ValidationError(
                {"slug": _("This slug is reserved for archive addresses; please choose another.")}
            )

    @cached_property
    def authors(self):
        return [link.author for link in self.author_links.all() if link.author.live]

    @property
    def year(self):
        return self.publication_date.year

    def related_publications(self, limit=3):
        author_ids = [link.author_id for link in self.author_links.all()]
        tag_ids = [tag.pk for tag in self.tags.all()]
        if not author_ids and not tag_ids:
            return []
        related = (
            PublicationPage.objects.for_listing()
            .filter(locale_id=self.locale_id)
            .filter(Q(author_links__author_id__in=author_ids) | Q(tagged_items__tag_id__in=tag_ids))
            .exclude(pk=self.pk)
            .distinct()
        )
        return list(related[:limit])

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["related_publications"] = self.related_publications()
        context["index_page"] = self.get_parent().specific_deferred
        return context


class OpEdPage(PublicationPage):
    """An opinion piece first published elsewhere, often in translation."""

    template = "pages/publication_page.html"
    parent_page_types = ["publications.PublicationIndexPage"]
    subpage_types = []

    outlet_name = models.CharField(
        max_length=150, help_text=_("Where it first appeared, e.g. 'Peščanik' or 'Vreme'.")
    )
    outlet_url = models.URLField(
        blank=True, max_length=500, help_text=_("Link to the original article, if online.")
    )
    original_publication_date = models.DateField(
        null=True, blank=True, help_text=_("When the outlet published it, if known.")
    )
    original_language = models.CharField(
        max_length=3,
        blank=True,
        choices=ORIGINAL_LANGUAGES,
        help_text=_("The language it was first published in; leave empty if the same as here."),
    )
    translator_name = models.CharField(
        max_length=150,
        blank=True,
        help_text=_(
            "Who translated it, e.g. 'BCSP intern Pavle Nedić'. Leave empty if untranslated."
        ),
    )

    content_panels = [
        *PublicationPage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("outlet_name"),
                FieldPanel("outlet_url"),
                FieldPanel("original_publication_date"),
                FieldPanel("original_language"),
                FieldPanel("translator_name"),
            ],
            heading=_("First published"),
        ),
    ]

    search_fields = [*PublicationPage.search_fields, index.SearchField("outlet_name")]

    class Meta:
        verbose_name = _("op-ed")

    def provenance_html(self):
        """'Originally published on <outlet> in <language>. Translated by <name>.', escaped."""
        if self.outlet_url:
            outlet = format_html(
                '<a href="{}" rel="noopener">{}</a>', self.outlet_url, self.outlet_name
            )
        else:
            outlet = self.outlet_name
        if self.original_language:
            line = format_html(
                gettext("Originally published on {outlet} in {language}."),
                outlet=outlet,
                language=self.get_original_language_display(),
            )
        else:
            line = format_html(gettext("Originally published on {outlet}."), outlet=outlet)
        if self.translator_name:
            line = format_html(
                "{} {}",
                line,
                format_html(gettext("Translated by {name}."), name=self.translator_name),
            )
        return line


class PublicationAuthor(Orderable):
    page = ParentalKey(PublicationPage, on_delete=models.CASCADE, related_name="author_links")
    author = models.ForeignKey(
        "authors.AuthorPage",
        on_delete=models.CASCADE,
        related_name="publication_links",
        help_text=_("An author page from the Authors section."),
    )

    panels = [FieldPanel("author")]

    class Meta(Orderable.Meta):
        verbose_name = _("author")
        constraints = [
            models.UniqueConstraint(fields=["page", "author"], name="unique_author_per_publication")
        ]
