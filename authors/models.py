from django.db import models
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable
from wagtail.search import index

from bcsp_site.caching.purge import routed_urls
from bcsp_site.core.feeds import feed_links, feed_response
from bcsp_site.core.pages import BasePage, PublicPageManager
from bcsp_site.core.pagination import Paginator, mark_paginated, page_of
from bcsp_site.core.renditions import SOCIAL_RENDITION, attach_renditions

AUTHORS_PAGE_SIZE = 10
PHOTO_RENDITION = "fill-240x240|format-webp"
AVATAR_RENDITION = "fill-128x128|format-webp"  # components/avatar.html, beside a name
PHOTO_RENDITIONS = (PHOTO_RENDITION, AVATAR_RENDITION)  # as the templates name them


class AuthorIndexPage(BasePage):
    template = "pages/author_index_page.html"
    parent_page_types = ["bcsp_site.HomePage"]
    subpage_types = ["authors.AuthorPage"]
    # One per language tree: each locale's home page holds its own.
    max_count_per_parent = 1

    intro = models.TextField(
        blank=True, max_length=500, help_text=_("Shown above the list of authors.")
    )

    content_panels = [*BasePage.content_panels, FieldPanel("intro")]
    shows_newest = True

    class Meta:
        verbose_name = _("author index")

    def authors(self):
        """The live authors, by name, with their photos' renditions (called by the template
        when its fragment is not cached)."""
        authors = list(
            AuthorPage.objects.child_of(self)
            .live()
            .public()
            .select_related("photo")
            .order_by("title")
        )
        attach_renditions([author.photo for author in authors], *PHOTO_RENDITIONS)
        return authors

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["authors"] = self.authors
        return context


class AuthorPage(RoutablePageMixin, BasePage):
    """A researcher or contributor; the title is the author's full name."""

    template = "pages/author_page.html"
    parent_page_types = ["authors.AuthorIndexPage"]
    subpage_types = []

    role = models.CharField(
        max_length=150,
        blank=True,
        help_text=_("Position at the centre or affiliation, e.g. 'Researcher' or 'Director'."),
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A portrait; it is cropped to a square."),
    )
    biography = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text=_("A short biography in the third person."),
    )
    email = models.EmailField(
        blank=True, help_text=_("Optional public email address; leave empty to hide it.")
    )

    objects = PublicPageManager()
    prepared_renditions = {"photo": (*PHOTO_RENDITIONS, SOCIAL_RENDITION)}
    og_type = "profile"

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("role"),
        FieldPanel("photo"),
        FieldPanel("biography"),
        MultiFieldPanel(
            [FieldPanel("email"), InlinePanel("links", label=_("Link"))], heading=_("Contact")
        ),
    ]

    search_fields = [
        *BasePage.search_fields,
        index.SearchField("role"),
        index.SearchField("biography"),
        index.AutocompleteField("title"),
    ]

    class Meta:
        verbose_name = _("author")

    @classmethod
    def serve_queryset(cls):
        return super().serve_queryset().select_related("photo").prefetch_related("links")

    def authored(self, publications):
        """The publications in this page's language by this author (or by the same author's
        page in another language, which a publication copied without translating links to)."""
        same_author = AuthorPage.objects.filter(translation_key=self.translation_key)
        return publications.filter(
            locale_id=self.locale_id, author_links__author__in=same_author.values("pk")
        )

    @classmethod
    def publication_model(cls):
        """The publications' page model, reached through the link that credits an author:
        the publications app builds on this one, so it is not imported here."""
        credit = cls._meta.get_field("publication_links").related_model
        return credit._meta.get_field("page").related_model

    def publications(self):
        return self.authored(self.publication_model().objects.for_listing())

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        publications = self.authored(self.publication_model().objects.for_cards())
        paginator = Paginator(publications, AUTHORS_PAGE_SIZE)
        mark_paginated(request)  # now: the list below is not made when its fragment is kept
        # Counted and fetched only if the template's fragment is not cached.
        context["publications"] = SimpleLazyObject(lambda: self.page_of_cards(paginator, request))
        return context

    @staticmethod
    def page_of_cards(paginator, request):
        """The requested page of publication cards, their covers' renditions looked up at once
        (the publications' queryset knows how: cards())."""
        page_obj = page_of(paginator, request)
        page_obj.object_list = page_obj.object_list.cards()
        return page_obj

    def get_cached_paths(self):
        return ["/", "/" + self.reverse_subpage("feed"), "/" + self.reverse_subpage("feed_atom")]

    def sharing_image(self):
        return self.social_image or self.photo

    def meta_description(self, organisation):
        return self.search_description or gettext(
            "%(name)s, %(role)s: publications and biography."
        ) % {"name": self.title, "role": self.role or organisation.name}

    def feed_links(self, request, tag=None):
        return feed_links(request, self, (self.title, "feed", ()))

    def structured_data(self, request, url, organisation, image_url=""):
        return {
            "@context": "https://schema.org",
            "@type": "Person",
            "name": self.title,
            "jobTitle": self.role,
            "url": url,
            "worksFor": {"@type": "Organization", "name": organisation.name},
        }

    def cached_urls_elsewhere(self):
        """The author index and the author's publications (they name the author)."""
        urls = routed_urls(self.get_parent())
        for publication in (
            self.publication_model().objects.live().filter(author_links__author=self)
        ):
            urls |= routed_urls(publication)
        return urls

    def feed(self, request, atom):
        return feed_response(
            request,
            page=self,
            title=self.title,
            description=self.role,
            publications=self.publications(),
            atom=atom,
        )

    @path("feed/", name="feed")
    def rss_feed(self, request):
        return self.feed(request, atom=False)

    @path("feed/atom/", name="feed_atom")
    def atom_feed(self, request):
        return self.feed(request, atom=True)


class AuthorLink(Orderable):
    author = ParentalKey(AuthorPage, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(
        max_length=60, help_text=_("What the link is, e.g. 'LinkedIn' or 'ORCID'.")
    )
    url = models.URLField(max_length=500, help_text=_("The full address, starting https://"))

    panels = [FieldPanel("label"), FieldPanel("url")]

    class Meta(Orderable.Meta):
        verbose_name = _("link")
