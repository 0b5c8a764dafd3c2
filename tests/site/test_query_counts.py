"""Each public page answers in a number of SQL queries that does not grow with the data.

Every page is measured twice at two sizes (5 and 50 publications, with authors and tags
growing alongside): warm, as most visitors find it, and with an empty cache, as the first
visitor after a deploy or a cache flush finds it. Both counts must be equal at the two sizes
and stay within their budgets.
"""

import datetime
import itertools
import re
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.documents import get_document_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail_footnotes.models import Footnote

from bcsp_site.caching import generation
from bcsp_site.core.organisation import OrganisationSettings, OrganisationText
from bcsp_site.models import HomeFeaturedPublication, HomePage
from bcsp_site.seo import child_number
from publications.covers import COVER_RENDITIONS
from publications.models import PublicationPage
from publications.pdf import build_simple_pdf
from reading.counting import record_page_view
from tests.support.factories import (
    AuthorIndexPageFactory,
    AuthorPageFactory,
    HomePageFactory,
    ImageFactory,
    OpEdPageFactory,
    PublicationIndexPageFactory,
    PublicationKindFactory,
    PublicationPageFactory,
)

NOTE_ID = "0d5e3c8a-1111-4222-8333-444455556666"
NOTE_TAG = f'<footnote id="{NOTE_ID}">[0d5e3c]</footnote>'

SAVEPOINT = re.compile(r"(RELEASE |ROLLBACK TO )?SAVEPOINT ")
BUDGET = 5  # queries per page as visitors normally find it (the costly parts are cached)
# With an empty cache the site, its settings, its root paths, the menu, the year counts, the
# page's translations and the renditions (the uploaded logos', the byline's avatars and the
# covers of related work among them) are looked up again: a handful more, once; with them a
# publication's footnotes, one query however many (tests/publications/test_footnotes.py).
COLD_BUDGET = 25

# The counts are measured by a fixture of the module's own (below), which needs the test
# database even when only its tests are run.
pytestmark = pytest.mark.django_db

PAGES = {
    "home": "/en/",
    "listing": "/en/publications/",
    "listing, filtered": "/en/publications/?kind=report&tag=police&author=author-0",
    "year archive": "/en/publications/2020/",
    "tag page": "/en/publications/tags/police/",
    "publication": "/en/publications/featured-report/",
    "op-ed": "/en/publications/featured-op-ed/",
    "author": "/en/authors/author-0/",
    "author index": "/en/authors/",
    "search, keywords": "/en/search/?q=publication",
    "search, filters only": "/en/search/?kind=report&tag=police",
    "search, everything newest first": "/en/search/?sort=newest",
    "search, second page": "/en/search/?sort=oldest&kind=analysis&page=2",
    "sitemap index": "/sitemap.xml",
}


class Catalogue:
    """Publications with authors, tags, kinds and covers (a cover image, the first page of a
    PDF, or neither); grow() adds more of each."""

    def __init__(self, home, publication_index, author_index):
        self.home = home
        self.index = publication_index
        self.author_index = author_index
        self.kinds = [
            PublicationKindFactory(name="Report", slug="report"),
            PublicationKindFactory(name="Analysis", slug="analysis"),
        ]
        self.authors = []
        self.images = []
        self.numbers = itertools.count()
        self.add_authors(3)
        pdf = get_document_model().objects.create(
            title="Report (PDF)", file=ContentFile(build_simple_pdf(["Report"]), name="r.pdf")
        )
        self.featured = [
            PublicationPageFactory(
                parent=publication_index,
                slug="featured-report",
                kind=self.kinds[0],
                publication_date=datetime.date(2020, 6, 30),
                cover_image=self.image(),
                pdf=pdf,
                authors=self.authors[:2],
                tag_names=["police", "oversight"],
                body=[
                    ("paragraph", f"<p>Oversight{NOTE_TAG} and budgets{NOTE_TAG}.</p>"),
                    ("paragraph", "<p>Findings.</p>"),
                ],
            ),
            OpEdPageFactory(
                parent=publication_index,
                slug="featured-op-ed",
                publication_date=datetime.date(2020, 4, 23),
                pdf=self.pdf_with_first_page("Op-ed"),
                authors=self.authors[:1],
                tag_names=["police"],
                outlet_url="https://www.vreme.com/",
                translator_name="Pavle Nedić",
            ),
        ]
        # Its notes are read in one query, with the text they belong to.
        Footnote.objects.create(
            page=self.featured[0],
            uuid=NOTE_ID,
            text="<p>Source.</p>",
            locale_id=self.featured[0].locale_id,
        )
        for order, page in enumerate(self.featured):
            HomeFeaturedPublication.objects.create(home=home, publication=page, sort_order=order)
        self.add_logos()
        self.grow(8)  # the carousel's five, and three beside it in the latest list

    def add_logos(self):
        """A logo for every language and one of English's own, so pages show an uploaded one."""
        organisation = OrganisationSettings.for_site(Site.objects.get(is_default_site=True))
        organisation.logo = ImageFactory(
            file=ContentFile(
                b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 3"/>', "l.svg"
            ),
            width=9,
            height=3,
        )
        organisation.save()
        english = organisation.texts.get(language_code="en")
        english.logo = self.image()
        english.save()

    def add_authors(self, count):
        for _ in range(count):
            number = len(self.authors)
            self.authors.append(
                AuthorPageFactory(
                    parent=self.author_index,
                    title=f"Author {number}",
                    slug=f"author-{number}",
                    photo=self.image() if number % 2 else None,
                )
            )

    def image(self):
        self.images.append(ImageFactory())
        return self.images[-1]

    def pdf_with_first_page(self, title):
        """A PDF whose first page has been drawn (as the background task does)."""
        return get_document_model().objects.create(
            title=f"{title} (PDF)",
            file=ContentFile(build_simple_pdf([title], title=title), name="p.pdf"),
            first_page_image=self.image(),
        )

    def grow(self, count):
        self.add_authors(max(1, count // 5))
        for _ in range(count):
            number = next(self.numbers)
            # Each year's publications take turns at the three kinds of cover (image, PDF's
            # first page, none), so the newest of every size show all of them.
            cover = (number + number // 12) % 3
            factory = OpEdPageFactory if number % 4 == 0 else PublicationPageFactory
            page = factory(
                parent=self.index,
                slug=f"publication-{number}",
                kind=self.kinds[number % 2],
                publication_date=datetime.date(2010 + number % 12, 1 + number % 12, 1),
                cover_image=self.image() if cover == 0 else None,
                pdf=self.pdf_with_first_page(f"P{number}") if cover == 1 else None,
                authors=[self.authors[0], self.authors[-1 - number % 3]],
                tag_names=["police", f"topic {number % 9}"],
            )
            # Read, so that the home page's "Most read" has the whole catalogue to rank.
            for _ in range(1 + number % 4):
                record_page_view(page.pk, "en")

    @property
    def size(self):
        from publications.models import PublicationPage

        return PublicationPage.objects.count()


def count_queries(client, path, cold):
    """Queries for one request, after a first request made the renditions."""
    assert client.get(path).status_code == 200, path
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    # Inside the test's transaction a `transaction.atomic()` of the view (the search counting
    # its term) is a SAVEPOINT and its RELEASE; in production it is the BEGIN and COMMIT,
    # which Django does not record as queries. Counted as production runs them.
    return sum(1 for query in queries if not SAVEPOINT.match(query["sql"]))


def measure(paths):
    """Each path's warm and cold counts, each path starting from an empty cache and a content
    generation of its own, as a test of its own would."""
    counts = {}
    for name, path in paths.items():
        cache.clear()
        cache.set(generation.GENERATION_KEY, uuid.uuid4().hex, None)
        counts[name] = (
            count_queries(Client(), path, cold=False),
            count_queries(Client(), path, cold=True),
        )
    return counts


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker):
    """Every page's counts at both sizes. The catalogue is built, grown and measured once for
    all the pages, in a transaction rolled back afterwards: building it is what takes the
    time, and each page is still measured as it was found by a visitor at each size."""
    with (
        django_db_blocker.unblock(),
        override_settings(PAGE_CACHE_ENABLED=False),
        translation.override(settings.LANGUAGE_CODE),
        transaction.atomic(),
    ):
        home = HomePage.objects.filter(locale__language_code="en").first()
        catalogue = Catalogue(
            home, PublicationIndexPageFactory(parent=home), AuthorIndexPageFactory(parent=home)
        )
        paths = dict(PAGES)
        sitemap_first = {"pages": catalogue.author_index, "publications": catalogue.featured[0]}
        for section, first in sitemap_first.items():
            paths[f"child sitemap of {section}"] = (
                f"/sitemaps/{section}-{child_number(first.pk)}.xml"
            )
        small = measure(paths)
        catalogue.grow(50 - catalogue.size)
        assert catalogue.size == 50
        large = measure(paths)
        transaction.set_rollback(True)
    cache.clear()
    return {name: (small[name], large[name]) for name in paths}


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_the_data(counts, page):
    assert_constant_queries(page, *counts[page])


@pytest.mark.parametrize("section", ["pages", "publications"])
def test_a_child_sitemap_costs_the_same_at_both_sizes(counts, section):
    page = f"child sitemap of {section}"
    assert_constant_queries(page, *counts[page])


def assert_constant_queries(page, small, large):
    (warm_small, cold_small), (warm_large, cold_large) = small, large
    counts = f"{page}: warm {warm_small}/{warm_large}, cold {cold_small}/{cold_large}"
    assert warm_small == warm_large, counts
    assert cold_small == cold_large, counts
    assert warm_large <= BUDGET, counts
    assert cold_large <= COLD_BUDGET, counts


# The caches that keep these counts low must never show stale content ----------------------


def test_changing_the_site_takes_effect_at_once(client, home_page):
    assert "Belgrade Centre for Security Policy" in client.get("/en/").content.decode()
    other_home = HomePageFactory(parent=Page.get_first_root_node(), title="Another front page")
    site = Site.objects.get(is_default_site=True)
    site.root_page = other_home
    site.save()
    html = client.get("/en/").content.decode()
    assert "<title>Another front page" in html


def test_changing_the_organisation_settings_takes_effect_at_once(client, home_page):
    assert "Info BCSP" in client.get("/en/").content.decode()
    organisation = OrganisationSettings.for_site(Site.objects.get(is_default_site=True))
    text = OrganisationText.objects.get(organisation=organisation, language_code="en")
    text.short_name = "BCBP-X"
    text.save()
    assert "Info BCBP-X" in client.get("/en/").content.decode()
    text.delete()  # English falls back to the built-in texts
    assert "Info BCSP" in client.get("/en/").content.decode()
    organisation.contact_email = "press@example.org"
    organisation.save()
    assert "press@example.org" in client.get("/en/").content.decode()


def test_publishing_prepares_the_cover_renditions(
    publication_index, django_capture_on_commit_callbacks
):
    page = PublicationPageFactory(parent=publication_index, cover_image=ImageFactory())
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    made = set(page.cover_image.renditions.values_list("filter_spec", flat=True))
    assert made == set(PublicationPage.prepared_renditions["cover"])
    assert {COVER_RENDITIONS["card"][0], COVER_RENDITIONS["page"][0]} <= made


def test_first_view_after_publishing_makes_no_renditions(
    client, home_page, publication_index, django_capture_on_commit_callbacks
):
    OrganisationSettings.for_site(Site.objects.get(is_default_site=True))
    page = PublicationPageFactory(
        parent=publication_index, slug="fresh", cover_image=ImageFactory()
    )
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/en/publications/fresh/").status_code == 200
    assert not [query for query in queries if query["sql"].startswith("INSERT")]


def test_a_private_section_hides_its_publications(client, publication_index):
    PublicationPageFactory(parent=publication_index, slug="inside", title="Inside")
    PageViewRestriction.objects.create(
        page=publication_index, restriction_type=PageViewRestriction.PASSWORD, password="x" * 12
    )
    assert "Inside" not in client.get("/en/publications/inside/").content.decode()
    assert "Inside" not in client.get("/en/publications/").content.decode()
