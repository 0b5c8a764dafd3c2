import datetime
import logging
from collections.abc import Sequence
from hashlib import md5

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.urls import register_converter
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, MultipleChooserPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.documents.models import AbstractDocument, Document
from wagtail.fields import StreamField
from wagtail.models import (
    Orderable,
    PageManager,
)
from wagtail.search import index
from wagtail_localize.fields import BaseTranslatableField

from authors.models import AVATAR_RENDITION, AuthorPage
from bcsp_site.caching.generation import remembered
from bcsp_site.caching.purge import page_urls, routed_urls
from bcsp_site.core.blocks import BodyBlock
from bcsp_site.core.feeds import feed_links, feed_response
from bcsp_site.core.footnotes import FootnotedPageMixin, footnotes_panel
from bcsp_site.core.i18n import page_number_only
from bcsp_site.core.metadata import absolute
from bcsp_site.core.pages import BasePage, PublicPageQuerySet, in_language_of
from bcsp_site.core.pagination import Paginator, page_of
from bcsp_site.core.renditions import attach_renditions
from bcsp_site.core.storage import get_documents_storage

from .author_chooser import AuthorChooser
from .covers import (
    COVER_RENDITIONS,
    PREPARED_COVER_RENDITIONS,
    enqueue_cover_render,
    rename_first_page_image,
)
from .kinds import PublicationKind
from .language_versions import filters_in_language
from .pdf_contents import enqueue_pdf_reading
from .tags import PublicationPageTag, PublicationTag, TagsInPageLanguage, TagsPanel
from .text import (
    publication_body_text,
    publication_summary_text,
    publication_title_text,
    publication_topics_text,
)


class TagSlugConverter:
    """Tag slugs keep their letters (django-taggit makes "zaštita-podataka" of "Zaštita
    podataka"), so tag addresses accept any Unicode word characters, not only ASCII."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TagSlugConverter, "tagslug")


class YearConverter:
    """A year as the site writes it: no leading zeros, so /publications/02020/ is no second
    address of /publications/2020/ (a 404: the site never links to it, so no one needs
    leading there)."""

    regex = r"[1-9][0-9]{0,3}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(YearConverter, "year")

logger = logging.getLogger("bcsp.publications")

PAGE_SIZE = 12
# What with_cover() fetches with a publication, and what it leaves out of the PDF's row.
COVER_RELATED = ("kind", "cover_image", "pdf__first_page_image")
COVER_DEFERRED = ("pdf__extracted_text",)
# page_ptr_id rather than pk: the database can then read the newest straight off the
# publication_date_order index instead of sorting them all.
NEWEST_FIRST = ("-publication_date", "-page_ptr_id")
RESERVED_SLUGS = {"tags", "feed", "search"}
# schema.org types of the kinds that have a better one than ScholarlyArticle.
SCHEMA_TYPES = {"report": "Report", "op-ed": "OpinionNewsArticle", "policy-paper": "Report"}

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


class PublicationDocument(AbstractDocument):
    """A Wagtail document that keeps the text of PDFs so search can find what is inside,
    their number of pages for the download button, and a picture of their first page for
    publications without a cover image (publications.covers)."""

    # Wagtail's field, kept in the documents' own storage (a private bucket on S3).
    file = models.FileField(
        upload_to="documents", verbose_name=_("file"), storage=get_documents_storage
    )
    extracted_text = models.TextField(blank=True, editable=False)
    page_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("Pages in the PDF, counted when the file is uploaded."),
    )
    first_page_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The PDF's first page as a picture, drawn after the file is uploaded; the cover "
            "of publications that have no cover image of their own."
        ),
    )

    admin_form_fields = Document.admin_form_fields

    class Meta(AbstractDocument.Meta):
        # The archive import finds a PDF it already holds by its contents' hash.
        indexes = [models.Index(fields=["file_hash"], name="document_file_hash")]

    search_fields = [*AbstractDocument.search_fields, index.SearchField("extracted_text")]

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "file" not in update_fields:
            return super().save(*args, **kwargs)  # the file is not being saved
        previous_file, previous_title = self._previous_file_and_title()
        new_file = bool(self.file) and (not self.pk or previous_file != self.file.name)
        if new_file:
            # The new file's text and page count are read by a task once this commits
            # (publications.pdf_contents), never here: parsing a PDF can take long.
            self.extracted_text, self.page_count = "", None
            # Its size and hash are the storage's metadata (Wagtail's admin form sets them
            # too): pages never ask the storage for the size, and the task knows the file
            # by its hash.
            try:
                self._set_document_file_metadata()
            except OSError:
                logger.warning("Could not read the size of %s", self.file.name)
        super().save(*args, **kwargs)
        if new_file:
            enqueue_pdf_reading(self)  # its text and page count, then search again
            enqueue_cover_render(self)  # draws its first page (and drops the old picture)
        elif self.first_page_image_id and previous_title != self.title:
            rename_first_page_image(self)

    def reindex_publications(self):
        """Publications index the text of their PDF: refresh those that attach this one."""
        from wagtail.search.tasks import insert_or_update_object_task

        pages = PublicationPage.objects.filter(pdf=self).values_list(
            "pk", "content_type__app_label", "content_type__model"
        )
        for pk, app_label, model_name in pages:
            insert_or_update_object_task.enqueue(app_label, model_name, str(pk))

    def publication_urls(self):
        """The addresses of the live publications that attach this document."""
        urls = set()
        for page in PublicationPage.objects.live().filter(pdf=self).specific():
            urls |= page_urls(page)
        return urls

    @property
    def is_pdf(self):
        return self.file_extension.lower() == "pdf"

    def _previous_file_and_title(self):
        if not self.pk:
            return None, None
        previous = type(self).objects.filter(pk=self.pk).values_list("file", "title").first()
        return previous or (None, None)


def author_links_prefetch():
    """The credited authors, in order, with their pages: one query for a whole list."""
    return Prefetch(
        "author_links",
        queryset=PublicationAuthor.objects.select_related("author").order_by("sort_order"),
    )


class PublicationQuerySet(PublicPageQuerySet):
    def with_cover(self):
        """Kind and cover (the cover image, or the PDF with the picture of its first page)
        in the same query; the PDF's text, which can be long, is left in the database."""
        return self.select_related(*COVER_RELATED).defer(*COVER_DEFERRED)

    def for_cards(self):
        """Live, public publications with what a card shows, newest first.

        Kind and cover come in the same query, the authors in one more. Cover renditions
        are attached to the results with attach_card_renditions() (CardList does it).
        """
        return (
            self.live()
            .public()
            .defer_streamfields()
            .with_cover()
            .prefetch_related(author_links_prefetch())
            .order_by(*NEWEST_FIRST)
        )

    def for_listing(self):
        """for_cards() plus the tags, for lists that show them (feeds)."""
        return self.for_cards().prefetch_related("tags")

    def cards(self):
        """These publications as a CardList: fetched, with the renditions of their covers,
        when first used."""
        return CardList(self)


def attach_cover_renditions(publications, shown_as="card"):
    """Look up the renditions of these publications' covers, at the sizes they are
    `shown_as` (a key of COVER_RENDITIONS), all at once."""
    attach_renditions(
        [publication.cover for publication in publications], *COVER_RENDITIONS[shown_as]
    )


def attach_card_renditions(publications):
    """Look the card-sized cover renditions of these publications up all at once."""
    attach_cover_renditions(publications, "card")


class CardList(Sequence):
    """A page of publication cards, fetched with their cover renditions when first used.

    A template whose list sits in a cached fragment then makes no queries for it.
    """

    def __init__(self, queryset):
        self.queryset = queryset

    @cached_property
    def cards(self):
        cards = list(self.queryset)
        attach_card_renditions(cards)
        return cards

    def __getitem__(self, index):
        return self.cards[index]

    def __len__(self):
        return len(self.cards)


PublicationManager = PageManager.from_queryset(PublicationQuerySet)


def cached_lookup(queryset, *key_parts):
    """queryset.first(), kept for the content generation when found; key_parts say what it
    looks up."""
    digest = md5(repr(key_parts).encode(), usedforsecurity=False).hexdigest()
    return remembered(f"publications:lookup:{digest}", queryset.first)


def cached_count(publications, *key_parts):
    """publications.count(), kept for the content generation."""
    digest = md5(repr(key_parts).encode(), usedforsecurity=False).hexdigest()
    return remembered(f"publications:count:{digest}", publications.count)


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
    shows_newest = True

    class Meta:
        verbose_name = _("publication index")

    def get_cached_paths(self):
        return ["/", "/" + self.reverse_subpage("feed"), "/" + self.reverse_subpage("feed_atom")]

    def feed_links(self, request, tag=None):
        feeds = [(self.title, "feed", ())]
        if tag is not None:
            feeds.append((f"{self.title}: {tag.name}", "tag_feed", (tag.slug,)))
        return feed_links(request, self, *feeds)

    def base_queryset(self):
        return PublicationPage.objects.for_listing().filter(locale_id=self.locale_id)

    def card_queryset(self):
        return PublicationPage.objects.for_cards().filter(locale_id=self.locale_id)

    def breadcrumb_extras(self, context):
        """The crumb after this page's own on its year and tag archives."""
        if context.get("year"):
            return [str(context["year"])]
        if context.get("tag") is not None:
            return [context["tag"].name]
        return []

    def years(self):
        """[{"year": 2020, "count": 14}, …], newest first; cached for the content generation,
        as counting them all is the slowest part of a listing."""
        return remembered(
            f"publications:years:{self.locale_id}",
            lambda: list(
                PublicationPage.objects.live()
                .public()
                .filter(locale_id=self.locale_id)
                .annotate(year=ExtractYear("publication_date"))
                .values("year")
                .annotate(count=Count("pk"))
                .order_by("-year")
            ),
        )

    def kinds(self):
        return list(PublicationKind.objects.filter(locale_id=self.locale_id, live=True))

    def filter_publications(self, request, publications):
        """Apply ?kind=, ?tag= and ?author= filters; unknown values are a 404."""
        active = {}
        kind_slug = request.GET.get("kind", "").strip()
        if kind_slug:
            kind = cached_lookup(
                PublicationKind.objects.filter(locale_id=self.locale_id, slug=kind_slug, live=True),
                "kind",
                self.locale_id,
                kind_slug,
            )
            if kind is None:
                raise Http404("Unknown kind")
            publications = publications.filter(kind=kind)
            active["kind"] = kind
        tag_slug = request.GET.get("tag", "").strip()
        if tag_slug:
            tag = self.find_tag(tag_slug)
            publications = publications.filter(tagged_items__tag=tag)
            active["tag"] = tag
        author_slug = request.GET.get("author", "").strip()
        if author_slug:
            author = cached_lookup(
                AuthorPage.objects.live().filter(locale_id=self.locale_id, slug=author_slug),
                "author",
                self.locale_id,
                author_slug,
            )
            if author is None:
                raise Http404("Unknown author")
            publications = publications.filter(author_links__author=author)
            active["author"] = author
        return publications, active

    def render_listing(self, request, publications, empty_is_404=False, year=None, **extra):
        """Render a page of `publications` (filtered by the query string) with the archive.

        Without filters the number of publications comes from the year counts, which are
        cached, rather than from counting them again.
        """
        years = self.years()
        if year is not None and not any(entry["year"] == year for entry in years):
            raise Http404("Nothing published that year")
        publications, active_filters = self.filter_publications(request, publications)
        paginator = Paginator(publications, PAGE_SIZE)
        if not active_filters and not extra:
            paginator.count = sum(
                entry["count"] for entry in years if year is None or entry["year"] == year
            )
        else:
            filters = {**active_filters, **extra}
            paginator.count = cached_count(
                publications, self.pk, year, sorted((key, obj.pk) for key, obj in filters.items())
            )
        page_obj = page_of(paginator, request)
        if empty_is_404 and not active_filters and not page_obj.paginator.count:
            raise Http404("Nothing to list here")
        page_obj.object_list = page_obj.object_list.cards()
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "publications": page_obj,
            "active_filters": active_filters,
            "filter_query": query.urlencode(),
            "years": years,
            "year": year,
            "kinds": self.kinds,  # called by the template, if its fragment is not cached
            **extra,
        }
        return self.render(request, context_overrides=context)

    @path("")
    def all_publications(self, request):
        return self.render_listing(request, self.card_queryset())

    @path("<year:year>/", name="year")
    def year_archive(self, request, year):
        if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
            raise Http404("No such year")
        publications = self.card_queryset().filter(publication_date__year=year)
        return self.render_listing(request, publications, year=year)

    @path("tags/<tagslug:tag_slug>/", name="tag")
    def tag_archive(self, request, tag_slug):
        tag, publications = self.tag_publications(tag_slug, self.card_queryset())
        return self.render_listing(request, publications, empty_is_404=True, tag=tag)

    # Feeds: RSS 2.0 at feed/, Atom at feed/atom/, for everything, a tag or a kind.

    def feed(self, request, publications, title, atom):
        return feed_response(
            request,
            page=self,
            title=title,
            description=self.intro,
            publications=publications,
            atom=atom,
        )

    def find_tag(self, tag_slug):
        """The tag of this page's language with that slug; a 404 when there is none (the
        other language's tags have pages of their own)."""
        tag = cached_lookup(
            PublicationTag.objects.filter(locale_id=self.locale_id, slug=tag_slug),
            "tag",
            self.locale_id,
            tag_slug,
        )
        if tag is None:
            raise Http404("Unknown tag")
        return tag

    def tag_publications(self, tag_slug, publications=None):
        tag = self.find_tag(tag_slug)
        if publications is None:
            publications = self.base_queryset()
        return tag, publications.filter(tagged_items__tag=tag)

    def tag_feed_publications(self, tag_slug):
        """A tag's feed is there when its page is: a 404 while nothing of this language is
        published with the tag (a tag a translation carried under its English address, with
        the translation still a draft), as the tag's page is."""
        tag, publications = self.tag_publications(tag_slug)
        if not cached_count(publications, self.pk, "tag-feed", tag.pk):
            raise Http404("Nothing to list here")
        return tag, publications

    # The language switcher (bcsp_site.core.i18n): the same route and filters in another language.

    def route_in_language(self, route, translation):
        """This index's `route` (a year, a tag's page) on `translation`, the index in another
        language, when that lists something there; else None (the switcher then leads to
        the translated index itself)."""
        parts = route.strip("/").split("/")
        if len(parts) == 1 and parts[0].isascii() and parts[0].isdigit():
            year = int(parts[0])
            if any(row["year"] == year for row in translation.years()):
                return translation.reverse_subpage("year", args=[year])
        elif len(parts) == 2 and parts[0] == "tags":
            tag = cached_lookup(
                PublicationTag.objects.filter(locale_id=self.locale_id, slug=parts[1]),
                "tag",
                self.locale_id,
                parts[1],
            )
            counterpart_slug = (
                tag
                and PublicationTag.objects.filter(
                    translation_key=tag.translation_key,
                    locale_id=translation.locale_id,
                    publication_links__content_object__live=True,
                )
                .values_list("slug", flat=True)
                .first()
            )
            if counterpart_slug:
                return translation.reverse_subpage("tag", args=[counterpart_slug])
        return None

    def query_in_language(self, params, code):
        """(exact, query) for this listing in `code`: its filters' counterparts there (one
        without a counterpart is dropped, and the place is then not the same) and its page."""
        filters = [(name, params.get(name, "").strip()) for name in ("kind", "tag", "author")]
        exact, items = filters_in_language([f for f in filters if f[1]], self.locale_id, code)
        return exact, items + page_number_only(params, code)[1]

    def kind_publications(self, kind_slug):
        kind = PublicationKind.objects.filter(
            locale_id=self.locale_id, slug=kind_slug, live=True
        ).first()
        if kind is None:
            raise Http404("Unknown kind")
        return kind, self.base_queryset().filter(kind=kind)

    @path("feed/", name="feed")
    def rss_feed(self, request):
        return self.feed(request, self.base_queryset(), self.title, atom=False)

    @path("feed/atom/", name="feed_atom")
    def atom_feed(self, request):
        return self.feed(request, self.base_queryset(), self.title, atom=True)

    @path("tags/<tagslug:tag_slug>/feed/", name="tag_feed")
    def tag_rss_feed(self, request, tag_slug):
        tag, publications = self.tag_feed_publications(tag_slug)
        return self.feed(request, publications, f"{self.title}: {tag.name}", atom=False)

    @path("tags/<tagslug:tag_slug>/feed/atom/", name="tag_feed_atom")
    def tag_atom_feed(self, request, tag_slug):
        tag, publications = self.tag_feed_publications(tag_slug)
        return self.feed(request, publications, f"{self.title}: {tag.name}", atom=True)

    @path("kinds/<slug:kind_slug>/feed/", name="kind_feed")
    def kind_rss_feed(self, request, kind_slug):
        kind, publications = self.kind_publications(kind_slug)
        return self.feed(request, publications, f"{self.title}: {kind.name}", atom=False)

    @path("kinds/<slug:kind_slug>/feed/atom/", name="kind_feed_atom")
    def kind_atom_feed(self, request, kind_slug):
        kind, publications = self.kind_publications(kind_slug)
        return self.feed(request, publications, f"{self.title}: {kind.name}", atom=True)


class PublicationPage(FootnotedPageMixin, BasePage):
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
        help_text=_(
            "Shown at the top of the page, in lists and in the carousel, cut to a portrait "
            "A4 shape. Leave empty to show the first page of the PDF instead."
        ),
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
    tags = TagsInPageLanguage(
        through=PublicationPageTag,
        blank=True,
        help_text=_(
            "Topics such as 'surveillance'. Each tag gets its own page. Only this language's "
            "tags are offered; a new name makes a new tag in this language."
        ),
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
        footnotes_panel(),
        FieldPanel("pdf"),
        TagsPanel("tags"),
    ]
    settings_panels = [*BasePage.settings_panels, FieldPanel("comments_open")]

    # Text is indexed folded and stemmed (see publications.text) so that "Djordjevic" finds
    # "Đorđević" and "camera" finds "cameras" on every backend; boosts rank title and author
    # matches above tags and kind, those above the summary, and that above body and PDF text.
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("search_title_text", boost=10),
        index.SearchField("search_topics_text", boost=5),
        index.SearchField("search_summary_text", boost=2),
        index.SearchField("search_body_text"),
        index.RelatedFields("author_links", [index.FilterField("author")]),
        index.RelatedFields("tagged_items", [index.FilterField("tag")]),
        index.FilterField("publication_date"),
        index.FilterField("kind"),
        index.FilterField("locale"),
    ]

    # Tags follow the page's own tagged_items, which copies get as they are and which
    # PublicationPageTag turns into this language's tags; the manager itself is not copied.
    override_translatable_fields = [BaseTranslatableField("tags")]

    class Meta:
        verbose_name = _("publication")
        indexes = [
            # Newest first without sorting every publication (see NEWEST_FIRST).
            models.Index(fields=["publication_date", "page_ptr"], name="publication_date_order"),
        ]

    def clean(self):
        super().clean()
        if self.slug and (self.slug.isdigit() or self.slug in RESERVED_SLUGS):
            raise ValidationError(
                {"slug": _("This slug is reserved for archive addresses; please choose another.")}
            )

    og_type = "article"
    # The cover, at every size it is shown (cover_id names it).
    prepared_renditions = {"cover": PREPARED_COVER_RENDITIONS}

    @classmethod
    def serve_queryset(cls):
        """Kind, cover image and PDF (with its first page) with the page, in one query.
        Authors and tags come when a template asks for them (most requests find the page's
        text in the fragment cache and never do)."""
        return super().serve_queryset().select_related(*COVER_RELATED).defer(*COVER_DEFERRED)

    @property
    def cover(self):
        """The picture that stands for this publication: its cover image, else the first
        page of its PDF once that has been drawn (publications.covers), else None."""
        if self.cover_image_id:
            return self.cover_image
        if self.pdf_id and self.pdf.first_page_image_id:
            return self.pdf.first_page_image
        return None

    @property
    def cover_is_pdf_page(self):
        """Whether the cover is the first page of the PDF (templates may say so)."""
        return not self.cover_image_id and self.cover is not None

    @property
    def cover_id(self):
        """The cover's image id, or None."""
        if self.cover_image_id:
            return self.cover_image_id
        return self.pdf.first_page_image_id if self.pdf_id else None

    @cached_property
    def authors(self):
        """The credited authors whose pages are live, in order (one query unless prefetched)."""
        links = self.author_links.all()
        if "author_links" not in getattr(self, "_prefetched_objects_cache", {}) and isinstance(
            links, models.QuerySet
        ):
            links = links.select_related("author__photo")  # the photo for the byline
        return [link.author for link in links if link.author.live]

    @cached_property
    def byline(self):
        """The authors with their photos' small renditions, for the byline with avatars on
        the publication's own page: two queries however many authors there are."""
        attach_renditions([author.photo for author in self.authors], AVATAR_RENDITION)
        return self.authors

    @cached_property
    def tag_list(self):
        return list(self.tags.all())

    def untranslated_parts(self):
        """What of this page, besides its text, still reads in another language: tags made
        from the source's tags and not named in this language yet. A translation waits for
        them before it is published (bcsp_site.translating)."""
        if self.tagged_items.filter(tag__needs_translation=True).exists():
            return [str(capfirst(self._meta.get_field("tags").verbose_name))]
        return []

    @property
    def year(self):
        return self.publication_date.year

    def sharing_image(self):
        """The editor's choices first (cover image, then social image), then the PDF's first
        page."""
        return self.cover_image or self.social_image or self.cover

    def meta_description(self, organisation):
        return self.search_description or self.summary

    def published_time(self):
        return self.publication_date.isoformat()

    def scholar_tags(self, request, organisation):
        tags = [("citation_title", self.title)]
        tags += [("citation_author", author.title) for author in self.authors]
        if not self.authors:
            tags.append(("citation_author", organisation.name))
        tags += [
            ("citation_publication_date", self.publication_date.strftime("%Y/%m/%d")),
            ("citation_publisher", organisation.name),
            ("citation_language", self.locale.language_code),
        ]
        if self.kind.slug in ("report", "policy-paper"):
            tags.append(("citation_technical_report_institution", organisation.name))
        if self.pdf_id:
            tags.append(("citation_pdf_url", absolute(request, self.pdf.url)))
        return tags

    def structured_data(self, request, url, organisation, image_url=""):
        publisher = {
            "@type": "Organization",
            "name": organisation.name,
            "url": absolute(request, "/"),
        }
        authors = [
            {
                "@type": "Person",
                "name": author.title,
                "url": absolute(request, author.get_url(request)),
            }
            for author in self.authors
        ] or [publisher]
        data = {
            "@context": "https://schema.org",
            "@type": SCHEMA_TYPES.get(self.kind.slug, "ScholarlyArticle"),
            "headline": self.title[:110],
            "name": self.title,
            "description": self.summary,
            "url": url,
            "mainEntityOfPage": url,
            "datePublished": self.publication_date.isoformat(),
            "inLanguage": self.locale.language_code,
            "author": authors,
            "publisher": publisher,
            "keywords": [tag.name for tag in self.tag_list],
            "genre": self.kind.name,
        }
        if self.last_published_at:
            data["dateModified"] = self.last_published_at.isoformat()
        if image_url:
            data["image"] = image_url
        if self.pdf_id:
            data["associatedMedia"] = {
                "@type": "MediaObject",
                "contentUrl": absolute(request, self.pdf.url),
                "encodingFormat": "application/pdf",
            }
        return data

    def cached_urls_elsewhere(self):
        """The listing and its feeds, the year archive, the tag pages and feeds, the kind's
        feeds, and the credited authors' pages and feeds."""
        urls = set()
        index = self.get_parent().specific
        if isinstance(index, PublicationIndexPage):
            routes = [("year", [self.publication_date.year])]
            if self.kind_id:
                routes += [("kind_feed", [self.kind.slug]), ("kind_feed_atom", [self.kind.slug])]
            for tag in self.tags.all():
                routes += [
                    ("tag", [tag.slug]),
                    ("tag_feed", [tag.slug]),
                    ("tag_feed_atom", [tag.slug]),
                ]
            urls |= page_urls(index) | routed_urls(index, *routes)
        author_ids = [link.author_id for link in self.author_links.all()]
        for author in AuthorPage.objects.live().filter(pk__in=author_ids):
            urls |= page_urls(author)
        return urls

    # Search index: normalised copies of the searchable text (publications.text).

    @classmethod
    def get_indexed_objects(cls):
        return (
            super()
            .get_indexed_objects()
            .select_related("kind", "pdf", "locale")
            .prefetch_related("tags", "author_links__author")
        )

    def save(self, *args, **kwargs):
        self.__dict__.pop("_search_texts", None)  # what is saved is indexed afresh
        return super().save(*args, **kwargs)

    def _search_text(self, name, compute):
        """compute(self), worked out once for this instance until it is saved again.

        The search index asks each search field for its text once for every column it
        fills (the weighted vectors, autocomplete and their plain-text copies): five times
        a page, and the body's text (rich text stripped, folded, stemmed) is costly. Kept
        here, indexing 500 publications took 7.7 s less of 15.4 s.
        """
        texts = self.__dict__.setdefault("_search_texts", {})
        if name not in texts:
            texts[name] = compute(self)
        return texts[name]

    def search_title_text(self):
        return self._search_text("title", publication_title_text)

    def search_topics_text(self):
        return self._search_text("topics", publication_topics_text)

    def search_summary_text(self):
        return self._search_text("summary", publication_summary_text)

    def search_body_text(self):
        return self._search_text("body", publication_body_text)

    def related_publications(self, limit=3):
        """The newest publications sharing an author or a tag with this one."""
        author_ids = [link.author_id for link in self.author_links.all()]
        tag_ids = [tag.pk for tag in self.tag_list]
        if not author_ids and not tag_ids:
            return []
        shares_author = PublicationAuthor.objects.filter(author_id__in=author_ids)
        shares_tag = PublicationPageTag.objects.filter(tag_id__in=tag_ids)
        related = (
            PublicationPage.objects.for_cards()
            .filter(locale_id=self.locale_id)
            .filter(
                Q(pk__in=shares_author.values("page_id"))
                | Q(pk__in=shares_tag.values("content_object_id"))
            )
            .exclude(pk=self.pk)
        )
        return list(related[:limit].cards())

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
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

    def search_topics_text(self):
        return publication_topics_text(self, self.outlet_name)

    def structured_data(self, request, url, organisation, image_url=""):
        """A translation is based on the original at the outlet."""
        data = super().structured_data(request, url, organisation, image_url)
        if self.translator_name and self.outlet_url:
            data["isBasedOn"] = self.outlet_url
        return data

    class Meta:
        verbose_name = _("op-ed")

    def provenance_html(self, original_url=None):
        """'Originally published on <outlet> in <language>. Translated by <name>.', escaped.

        The outlet links to `original_url` (the original on this site, in the other
        language) when given, else to the outlet's own address.
        """
        if original_url:
            outlet = format_html(
                '<a href="{}" hreflang="{}">{}</a>',
                original_url,
                self.original_language,
                self.outlet_name,
            )
        elif self.outlet_url:
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

    panels = [FieldPanel("author", widget=AuthorChooser)]

    def save(self, *args, **kwargs):
        self.author = in_language_of(self.page, self.author)
        super().save(*args, **kwargs)

    class Meta(Orderable.Meta):
        verbose_name = _("author")
        constraints = [
            models.UniqueConstraint(fields=["page", "author"], name="unique_author_per_publication")
        ]


def reindex_published_publication(sender, instance, **kwargs):
    """Index a publication again once publishing is complete.

    The save that publishing does indexes the page before its authors and tags are written,
    so the index would lag one publish behind for them.
    """
    from wagtail.search.tasks import insert_or_update_object_task

    insert_or_update_object_task.enqueue(
        instance._meta.app_label, instance._meta.model_name, str(instance.pk)
    )


class NoResultsDailyHits(models.Model):
    """How many searches for a term found nothing, per day.

    wagtail.contrib.search_promotions counts every search of a term (QueryDailyHits) but not
    whether it found anything; this counter sits beside it, keyed to the library's Query, so
    the search-terms report can show what visitors look for and do not find. Not content
    (bcsp_site.caching.generation.NOT_CONTENT_MODELS): counting a search never starts a new
    content generation.
    """

    query = models.ForeignKey(
        "wagtailsearchpromotions.Query", on_delete=models.CASCADE, related_name="no_results_daily"
    )
    date = models.DateField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("searches without results on a day")
        verbose_name_plural = _("searches without results by day")
        constraints = [
            models.UniqueConstraint(fields=["query", "date"], name="unique_no_results_per_day")
        ]

    def __str__(self):
        return f"{self.query_id} {self.date}: {self.hits}"


class PublicationSearchEntry(models.Model):
    """A publication as the public search reads it on PostgreSQL: its words beside what the
    facets and filters need, in one narrow row.

    Wagtail's index table names an object by its id as text and holds no facets, so every
    match of a keyword search cost lookups in the page and publication tables, and ranking
    read each match's whole document vector (title and body, stored beside their plain
    text): at 100,000 publications a two-word query matching 3,800 took some 100 ms. Here a
    match is one row found through the GIN index of `document`, and ranking reads only
    `headline`, the short vector of the title, authors, topics and summary. Written by the
    search backend (publications.search_backend) whenever Wagtail's index is, from the vector
    Wagtail just stored, so both always hold the same words. Not content
    (bcsp_site.caching.generation.NOT_CONTENT_MODELS).
    """

    page = models.OneToOneField(
        "PublicationPage", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    locale = models.ForeignKey(
        "wagtailcore.Locale", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    live = models.BooleanField()
    kind = models.ForeignKey(
        PublicationKind, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    publication_date = models.DateField()
    # The year facet, stored: extracting it from the date for every match costs a third of
    # counting a query that matches everything (measured at 100,000).
    year = models.PositiveSmallIntegerField()
    # Every indexed word (what a query must match; GIN-indexed by migration 0014 on
    # PostgreSQL) and the words of weights A to C only (what ranking reads).
    document = SearchVectorField()
    headline = SearchVectorField()

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        indexes = [
            # Newest first, of every kind or of one: a query matching much of the resource
            # base walks one of these until it has a page of results (publications.search).
            models.Index(
                fields=["locale", "-publication_date", "-page"], name="publication_search_by_date"
            ),
            models.Index(
                fields=["locale", "kind", "-publication_date", "-page"],
                name="publication_search_kind_date",
            ),
        ]

    def __str__(self):
        return str(self.page_id)


class ArchiveRecord(models.Model):
    """A publication brought in from the old site by `manage.py import_archive`: the row's
    old address (the key that finds it again on a re-run), the page made from it and a
    digest of the row and its files (an unchanged row is left alone)."""

    old_url = models.CharField(
        max_length=500,
        unique=True,
        help_text=_("The publication's address on the old site, as the manifest gave it."),
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The page imported from it."),
    )
    translation_group = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_("The manifest's name for the publication and its translations."),
    )
    digest = models.CharField(
        max_length=64, help_text=_("SHA-256 of the row and its files as last imported.")
    )
    imported_at = models.DateTimeField(
        auto_now=True, help_text=_("When the row last created or changed the page.")
    )

    class Meta:
        verbose_name = _("imported publication")
        verbose_name_plural = _("imported publications")

    def __str__(self):
        return self.old_url
