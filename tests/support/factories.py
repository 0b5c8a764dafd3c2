import datetime

import factory
import wagtail_factories
from wagtail.images import get_image_model
from wagtail.models import Collection, Locale

from authors.models import AuthorIndexPage, AuthorPage
from bcsp_site.models import (
    HomePage,
    NavigationMenu,
    NavigationMenuItem,
    StandardPage,
    TeamPage,
)
from publications.models import (
    OpEdPage,
    PublicationAuthor,
    PublicationIndexPage,
    PublicationKind,
    PublicationPage,
)


def english():
    return Locale.objects.get_or_create(language_code="en")[0]


class ImageFactory(factory.django.DjangoModelFactory):
    """An image in the root collection (wagtail_factories' own makes a new root each time)."""

    title = factory.Sequence(lambda n: f"Cover {n}")
    file = factory.django.ImageField(width=1200, height=675, color="navy")
    collection = factory.LazyFunction(Collection.get_first_root_node)

    class Meta:
        model = get_image_model()


class HomePageFactory(wagtail_factories.PageFactory):
    title = "Belgrade Centre for Security Policy"
    slug = factory.Sequence(lambda n: f"home-{n}")

    class Meta:
        model = HomePage


class PublicationIndexPageFactory(wagtail_factories.PageFactory):
    title = "Publications"
    slug = "publications"

    class Meta:
        model = PublicationIndexPage


class AuthorIndexPageFactory(wagtail_factories.PageFactory):
    title = "Authors"
    slug = "authors"

    class Meta:
        model = AuthorIndexPage


class AuthorPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Author {n}")
    slug = factory.Sequence(lambda n: f"author-{n}")
    role = "Researcher"

    class Meta:
        model = AuthorPage


class PublicationKindFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Kind {n}")
    slug = factory.Sequence(lambda n: f"kind-{n}")
    locale = factory.LazyFunction(english)

    class Meta:
        model = PublicationKind
        django_get_or_create = ("locale", "slug")


class PublicationPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Publication {n}")
    slug = factory.Sequence(lambda n: f"publication-{n}")
    kind = factory.SubFactory(PublicationKindFactory, name="Analysis", slug="analysis")
    publication_date = datetime.date(2020, 6, 8)
    summary = "A short teaser for the publication."

    class Meta:
        model = PublicationPage
        skip_postgeneration_save = True  # tag_names saves when it has something to save

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if not extracted:
            return
        for order, author in enumerate(extracted):
            PublicationAuthor.objects.create(page=self, author=author, sort_order=order)

    @factory.post_generation
    def tag_names(self, create, extracted, **kwargs):
        if extracted:
            self.tags.add(*extracted)
            self.save()


class OpEdPageFactory(PublicationPageFactory):
    kind = factory.SubFactory(PublicationKindFactory, name="Op-ed", slug="op-ed")
    outlet_name = "Vreme"

    class Meta:
        model = OpEdPage


class StandardPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.Sequence(lambda n: f"page-{n}")
    intro = "What this page is about."

    class Meta:
        model = StandardPage


class TeamPageFactory(wagtail_factories.PageFactory):
    title = "Team"
    slug = "team"

    class Meta:
        model = TeamPage


def team_groups(*groups):
    """StreamField data for a team page: groups of (heading, [author or (author, role)])."""
    return [
        (
            "group",
            {
                "heading": heading,
                "description": "",
                "members": [
                    {"person": member[0], "role": member[1]}
                    if isinstance(member, tuple)
                    else {"person": member, "role": ""}
                    for member in members
                ],
            },
        )
        for heading, members in groups
    ]


def menu(location, links, language="en"):
    """A menu with `links`: pages, or (label, address) pairs, or (label, page) pairs."""
    locale = Locale.objects.get_or_create(language_code=language)[0]
    navigation = NavigationMenu.objects.create(location=location, locale=locale)
    for order, link in enumerate(links):
        label, target = link if isinstance(link, tuple) else ("", link)
        NavigationMenuItem.objects.create(
            menu=navigation,
            sort_order=order,
            label=label,
            link_page=None if isinstance(target, str) else target,
            link_url=target if isinstance(target, str) else "",
        )
    return navigation
