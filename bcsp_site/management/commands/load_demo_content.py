"""Create the demo site: structure, the seed publications and authors, optional bulk data.

Safe to run repeatedly: everything is looked up by slug before it is created.
"""

import datetime
import io
import itertools
import random
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Locale, Page, Site
from wagtail.search.backends import get_search_backends

from authors.models import AuthorIndexPage, AuthorPage
from bcsp_site.caching.generation import start_new_generation
from bcsp_site.demo_serbian import SerbianDemo
from bcsp_site.demo_site_pages import load_site_pages
from bcsp_site.models import HomeFeaturedPublication, HomePage
from publications.models import (
    OpEdPage,
    PublicationAuthor,
    PublicationIndexPage,
    PublicationKind,
    PublicationPage,
    PublicationPageTag,
    PublicationTag,
)
from publications.pdf import build_simple_pdf

KINDS = [
    ("Analysis", "analysis"),
    ("Report", "report"),
    ("Policy paper", "policy-paper"),
    ("Study", "study"),
    ("Research", "research"),
    ("Document", "document"),
    ("Op-ed", "op-ed"),
]

AUTHORS = [
    ("Marko Drajić", "marko-drajic", "Researcher"),
    ("Isidora Stakić", "isidora-stakic", "Researcher"),
    ("Jelena Pejić Nikić", "jelena-pejic-nikic", "Researcher"),
    ("Katarina Đokić", "katarina-djokic", "Researcher"),
    ("Marija Ignjatijević", "marija-ignjatijevic", "Researcher"),
    ("Saša Đorđević", "sasa-djordjevic", "Researcher"),
    ("Igor Bandović", "igor-bandovic", "Director"),
]

SEED_PUBLICATIONS = [
    {
        "title": "Serbia and Hungary: Hammering Democracy",
        "slug": "serbia-and-hungary-hammering-democracy",
        "kind": "analysis",
        "date": datetime.date(2020, 7, 14),
        "authors": ["marko-drajic"],
        "tags": ["democracy", "Hungary", "foreign policy"],
        "summary": (
            "Hungary is currently Serbia’s closest international partner. Bilateral relations "
            "between the two countries are no longer marred by any disputes and their political "
            "and economic interests increasingly coincide. The values underpinning the "
            "administrations of both countries have converged too."
        ),
        "colour": (18, 58, 99),
    },
    {
        "title": "The Security Sector in a Captured State",
        "slug": "the-security-sector-in-a-captured-state",
        "kind": "report",
        "date": datetime.date(2020, 6, 30),
        "authors": [],
        "tags": ["state capture", "security sector reform"],
        "summary": (
            "Report on state capture in Serbia is BCSP genuine and pioneering work aiming to "
            "document and deconstruct ongoing process of state capture in the security sector "
            "through presentation of mechanisms, actors and consequences of this process."
        ),
        "colour": (120, 30, 30),
        "pdf": True,
    },
    {
        "title": "The Security Sector in the State of Emergency: Testing Democracy",
        "slug": "the-security-sector-in-the-state-of-emergency-testing-democracy",
        "kind": "analysis",
        "date": datetime.date(2020, 6, 8),
        "authors": [
            "isidora-stakic",
            "jelena-pejic-nikic",
            "katarina-djokic",
            "marija-ignjatijevic",
            "sasa-djordjevic",
        ],
        "tags": ["state of emergency", "COVID-19", "democratic control"],
        "summary": (
            "This analysis by the Belgrade Centre for Security Policy (BCSP) concludes that "
            "during the 52 days it spent in a state of emergency, Serbia failed the test of "
            "democracy, thanks to a series of failings and irregularities in the conduct and "
            "control of the security sector."
        ),
        "colour": (32, 96, 80),
    },
    {
        "title": "Crime in the Western Balkans Six at the Time of Coronavirus: Early Findings",
        "slug": "crime-in-the-western-balkans-six-at-the-time-of-coronavirus",
        "kind": "research",
        "date": datetime.date(2020, 5, 12),
        "authors": ["sasa-djordjevic"],
        "tags": ["organised crime", "Western Balkans", "COVID-19"],
        "summary": (
            "Did organized crime groups continue with their activity at the time of Coronavirus, "
            "which trends in the criminal activities in the Western Balkans can be noticed in the "
            "first six weeks of the pandemic and which scenarios can be envisaged for the future, "
            "analyzed BCSP Researcher Sasa Djordjevic."
        ),
        "colour": (70, 50, 110),
    },
    {
        "title": "Pandemic of geopolitics",
        "slug": "pandemic-of-geopolitics",
        "kind": "op-ed",
        "date": datetime.date(2020, 4, 23),
        "authors": ["igor-bandovic"],
        "tags": ["foreign policy", "COVID-19", "geopolitics"],
        "summary": (
            "How does the COVID-19 pandemic influence Serbia's foreign policy - read in the "
            'op-ed written by BCSP Director Igor Bandovic for the weekly "Vreme".'
        ),
        "colour": (150, 90, 20),
        "op_ed": {"outlet_name": "Vreme", "outlet_url": "https://www.vreme.com/"},
    },
]

SECRET_CAMERAS = {
    "title": "Public Recording with Secret Cameras",
    "slug": "public-recording-with-secret-cameras",
    "kind": "op-ed",
    "date": datetime.date(2019, 3, 20),
    "authors": ["sasa-djordjevic"],
    "tags": ["surveillance", "Ministry of interior", "personal data protection", "Saša Đorđević"],
    "summary": (
        "BCSP researcher Saša Đorđević wrote about the details of the acquisition and setting "
        "up of a large number of security cameras throughout Belgrade which should be made "
        "clear to citizens."
    ),
    "op_ed": {
        "outlet_name": "Peščanik",
        "outlet_url": "https://pescanik.net/",
        "original_language": "sr",
        "translator_name": "BCSP intern Pavle Nedić",
    },
}

# Further demo publications, so the home page has a full "Latest publications" list beside
# the carousel in both languages. The seed capture lists only the six publications above;
# these titles, summaries and texts are written for the demo, so they credit no person (a
# publication without authors is the organisation's), with the capture's tags and dated
# around its publications.
MORE_PUBLICATIONS = [
    {
        "title": "Safe City Without Safeguards: Belgrade's New Cameras",
        "slug": "safe-city-without-safeguards",
        "kind": "analysis",
        "date": datetime.date(2020, 2, 18),
        "authors": [],
        "tags": ["surveillance", "personal data protection", "Ministry of interior"],
        "summary": (
            "Cameras that recognise faces and licence plates are going up across Belgrade "
            "before anyone has assessed what they will do to citizens' privacy. This "
            "analysis lists the questions the Ministry of Interior still has to answer."
        ),
        "text": (
            "A surveillance system paid for by citizens should be explained to them before "
            "it is switched on: where the cameras stand, who looks at the recordings, how "
            "long they are kept and who is accountable when they are misused."
        ),
    },
    {
        "title": "Parliamentary Oversight of the Security Sector in 2019",
        "slug": "parliamentary-oversight-of-the-security-sector-in-2019",
        "kind": "report",
        "date": datetime.date(2020, 1, 30),
        "authors": [],
        "tags": ["democratic control", "security sector reform"],
        "summary": (
            "How often the parliamentary committees for defence, internal affairs and the "
            "services met in 2019, what they asked, and what the institutions they oversee "
            "told them."
        ),
        "text": (
            "Oversight is more than a meeting held because the law requires it. This report "
            "follows each committee through the year and asks whether its questions led to "
            "answers, and whether its answers led to change."
        ),
    },
    {
        "title": "Police Integrity Under Political Pressure",
        "slug": "police-integrity-under-political-pressure",
        "kind": "policy-paper",
        "date": datetime.date(2019, 12, 11),
        "authors": [],
        "tags": ["state capture", "democratic control"],
        "summary": (
            "Promotions without competition and officers who speak for parties: a policy "
            "paper on how political pressure wears down the integrity of the police, and "
            "the rules that would protect it."
        ),
        "text": (
            "Police officers who owe their careers to politicians cannot be expected to "
            "investigate them. The paper proposes open competitions for senior posts and "
            "an internal control that answers to parliament, not to the minister."
        ),
    },
    {
        "title": "Who Checks Serbia's Arms Exports?",
        "slug": "who-checks-serbias-arms-exports",
        "kind": "research",
        "date": datetime.date(2019, 11, 5),
        "authors": [],
        "tags": ["democratic control", "Western Balkans"],
        "summary": (
            "Serbia exports more weapons every year, while the reports that should let the "
            "public follow those exports come late and say little. Research on the licences, "
            "the buyers and the checks."
        ),
        "text": (
            "Transparency in the arms trade is not a favour to foreign partners: it is how "
            "citizens learn whether weapons made in their country end up where they should."
        ),
    },
    {
        "title": "Regional Security Cooperation in the Western Balkans",
        "slug": "regional-security-cooperation-in-the-western-balkans",
        "kind": "study",
        "date": datetime.date(2019, 9, 24),
        "authors": [],
        "tags": ["Western Balkans", "foreign policy"],
        "summary": (
            "Police, border and intelligence cooperation between the Western Balkan states "
            "works best where politics stays out of it. A study of what has been achieved "
            "and where it stalls."
        ),
        "text": (
            "Crime and extremism do not stop at borders, and neither should the institutions "
            "that fight them. The study maps the agreements in force and how often they are "
            "actually used."
        ),
    },
    {
        "title": "What Citizens Expect from the Security Institutions",
        "slug": "what-citizens-expect-from-the-security-institutions",
        "kind": "document",
        "date": datetime.date(2019, 6, 12),
        "authors": [],
        "tags": ["democracy", "democratic control"],
        "summary": (
            "Citizens trust the institutions that explain themselves. A short document on "
            "what people in Serbia expect from the police, the army and the services, and "
            "how little of it they are told."
        ),
        "text": (
            "Trust in the security institutions rises and falls with how openly they work. "
            "This document sets out the expectations we hear most often from citizens."
        ),
    },
]

SYNTHETIC_TOPICS = [
    "police reform",
    "intelligence oversight",
    "corruption",
    "defence budget",
    "migration",
    "cyber security",
    "violent extremism",
    "arms exports",
    "EU integration",
    "human security",
    "parliamentary oversight",
    "private security",
    "gender and security",
    "judicial reform",
    "media freedom",
    "regional cooperation",
    "Kosovo dialogue",
    "NATO partnership",
    "Russia",
    "China",
    "public procurement",
    "whistleblowers",
]
SYNTHETIC_NOUNS = [
    "Oversight",
    "Accountability",
    "Transparency",
    "Reform",
    "Integrity",
    "Resilience",
    "Cooperation",
    "Control",
    "Capture",
    "Trust",
]


def body_paragraphs(title, topics, text=None):
    """Short original body text for demo publications (``text`` opens it, if given)."""
    topic_text = ", ".join(topics) if topics else "the security sector"
    opening = [("paragraph", f"<p>{text}</p>")] if text else []
    return [
        *opening,
        (
            "paragraph",
            f"<p>This text accompanies <b>{title}</b>. It sets out what the Belgrade Centre "
            f"for Security Policy found while looking at {topic_text}, and why it matters for "
            "citizens who expect institutions to work in the open.</p>",
        ),
        ("heading", {"text": "Key findings", "level": "h2"}),
        (
            "paragraph",
            "<p>Institutions responsible for security rarely explain their decisions to the "
            "public. Parliamentary committees meet less often than the law foresees, and "
            "independent bodies lack the resources to follow up on their own recommendations."
            "</p>",
        ),
        (
            "quote",
            {
                "text": "Security that is not accountable to citizens is not security for them.",
                "attribution": "BCSP",
            },
        ),
        ("heading", {"text": "Recommendations", "level": "h2"}),
        (
            "paragraph",
            "<ul><li>Publish the legal basis and the budget of every major procurement.</li>"
            "<li>Strengthen independent oversight bodies.</li>"
            "<li>Consult civil society before, not after, decisions are taken.</li></ul>",
        ),
    ]


def make_cover_image(title, colour):
    image_model = get_image_model()
    existing = image_model.objects.filter(title=f"Cover: {title}").first()
    if existing:
        return existing
    canvas = PILImage.new("RGB", (1200, 675), colour)
    draw = ImageDraw.Draw(canvas)
    for step in range(0, 1200, 60):
        shade = tuple(min(255, c + 25) for c in colour)
        draw.line([(step, 675), (step + 400, 0)], fill=shade, width=18)
    draw.rectangle([60, 500, 620, 560], fill=(255, 255, 255))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return image_model.objects.create(
        title=f"Cover: {title}",
        file=ContentFile(buffer.getvalue(), name=f"cover-{slugify(title)[:60]}.png"),
    )


class Command(BaseCommand):
    help = "Load the demo site content (idempotent); --publications N adds N synthetic ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--publications",
            type=int,
            default=0,
            help=(
                "Make sure this many synthetic publications (spread over 15 years) exist, "
                "adding the missing ones; for benchmarks."
            ),
        )
        parser.add_argument(
            "--no-images", action="store_true", help="Skip generating cover images (faster)."
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        self.with_images = not options["no_images"]
        with transaction.atomic():
            self.locale = Locale.objects.get_or_create(language_code="en")[0]
            Locale.objects.get_or_create(language_code="sr")
            if Collection.get_first_root_node() is None:  # an emptied database
                Collection.add_root(name="Root")
            home = self.home_page()
            self.publication_index = self.child(
                home,
                PublicationIndexPage,
                slug="publications",
                title="Publications",
                intro="Analyses, reports, policy papers, studies and op-eds by BCSP researchers.",
                show_in_menus=True,
            )
            self.author_index = self.child(
                home,
                AuthorIndexPage,
                slug="authors",
                title="Authors",
                intro="Researchers and contributors of the Belgrade Centre for Security Policy.",
                show_in_menus=True,
            )
            self.kinds = self.create_kinds()
            self.authors = self.create_authors()
            featured = [self.create_publication(spec) for spec in SEED_PUBLICATIONS]
            self.create_publication(SECRET_CAMERAS)
            for spec in MORE_PUBLICATIONS:
                self.create_publication(spec)
            self.set_featured(home, featured)
            SerbianDemo(
                home, self.publication_index, self.author_index, self.kinds, self.authors
            ).create()
            load_site_pages(home, self.authors, self.publication_index, self.author_index)
        if options["publications"]:
            self.generate(options["publications"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content ready ({PublicationPage.objects.count()} publications, "
                f"{time.monotonic() - started:.1f}s)."
            )
        )

    # Structure ------------------------------------------------------------------------

    def home_page(self):
        home = HomePage.objects.filter(locale=self.locale).first()
        if home is None:
            root = Page.get_first_root_node() or Page.add_root(
                instance=Page(title="Root", slug="root", locale=self.locale)
            )
            home = root.add_child(
                instance=HomePage(title="Belgrade Centre for Security Policy", slug="home")
            )
        if not home.intro:
            home.intro = (
                "Independent research on security policy, democratic control of the security "
                "sector and human security in Serbia and the Western Balkans."
            )
            home.save_revision().publish()
        # Absolute URLs (feeds, canonical links, sitemap) use the site's host and port.
        base_url = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
        site.hostname = base_url.hostname or "localhost"
        site.port = base_url.port or (443 if base_url.scheme == "https" else 80)
        site.root_page = home
        site.site_name = site.site_name or "BCSP"
        site.save()
        return home

    def child(self, parent, model, slug, **fields):
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing:
            return existing
        page = parent.add_child(instance=model(slug=slug, **fields))
        page.save_revision().publish()
        return page

    def create_kinds(self):
        kinds = {}
        for order, (name, slug) in enumerate(KINDS):
            kinds[slug], _ = PublicationKind.objects.get_or_create(
                locale=self.locale, slug=slug, defaults={"name": name, "sort_order": order}
            )
        return kinds

    def create_authors(self):
        authors = {}
        for name, slug, role in AUTHORS:
            authors[slug] = self.child(
                self.author_index,
                AuthorPage,
                slug=slug,
                title=name,
                role=role,
                biography=(
                    f"<p>{name} works at the Belgrade Centre for Security Policy on security "
                    "sector governance, oversight and the rule of law.</p>"
                ),
            )
        return authors

    def create_publication(self, spec):
        existing = PublicationPage.objects.filter(slug=spec["slug"], locale=self.locale).first()
        if existing:
            return existing
        model = OpEdPage if "op_ed" in spec else PublicationPage
        page = model(
            title=spec["title"],
            slug=spec["slug"],
            locale=self.locale,  # its tags are looked up in its language
            kind=self.kinds[spec["kind"]],
            publication_date=spec["date"],
            summary=spec["summary"],
            body=body_paragraphs(spec["title"], spec["tags"], spec.get("text")),
            **spec.get("op_ed", {}),
        )
        if self.with_images and "colour" in spec:
            page.cover_image = make_cover_image(spec["title"], spec["colour"])
        if spec.get("pdf"):
            page.pdf = self.make_pdf(spec)
        for order, author_slug in enumerate(spec["authors"]):
            page.author_links.add(
                PublicationAuthor(author=self.authors[author_slug], sort_order=order)
            )
        page.tags.add(*spec["tags"])
        self.publication_index.add_child(instance=page)
        revision = page.save_revision()
        revision.publish()
        PublicationPage.objects.filter(pk=page.pk).update(
            first_published_at=timezone.make_aware(
                datetime.datetime.combine(spec["date"], datetime.time(9))
            )
        )
        return page

    def make_pdf(self, spec):
        document_model = get_document_model()
        title = f"{spec['title']} (PDF)"
        existing = document_model.objects.filter(title=title).first()
        if existing:
            return existing
        content = build_simple_pdf(
            [spec["title"], "", "Belgrade Centre for Security Policy", spec["summary"][:90]],
            title=spec["title"],
        )
        return document_model.objects.create(
            title=title, file=ContentFile(content, name=f"{spec['slug'][:60]}.pdf")
        )

    def set_featured(self, home, featured):
        if home.featured_links.exists():
            return
        for order, publication in enumerate(featured):
            HomeFeaturedPublication.objects.create(
                home=home, publication=publication, sort_order=order
            )

    # Synthetic data for benchmarks and query-count tests -------------------------------

    def generate(self, count):
        """Make sure `count` synthetic publications exist, inserting the missing ones in bulk
        (add_child per page would take an hour for 10,000)."""
        started = time.monotonic()
        rng = random.Random(2026)  # the same data on every run
        index = PublicationIndexPage.objects.get(pk=self.publication_index.pk)
        taken = set(
            PublicationPage.objects.child_of(index)
            .filter(slug__startswith="generated-")
            .values_list("slug", flat=True)
        )
        count -= len(taken)
        if count <= 0:
            self.stdout.write(f"{len(taken)} synthetic publications already exist.")
            return
        numbers = (n for n in itertools.count(1) if f"generated-{n}" not in taken)
        kinds = [kind for slug, kind in self.kinds.items() if slug != "op-ed"]
        authors = list(self.authors.values())
        extra_authors = self.generate_authors(rng, 40)
        authors += extra_authors
        tags = [
            PublicationTag.objects.get_or_create(name=name, locale=self.locale)[0]
            for name in SYNTHETIC_TOPICS
        ]
        content_type = ContentType.objects.get_for_model(PublicationPage)
        today = datetime.date.today()
        batch = 1000
        last_path = index.get_children().order_by("-path").values_list("path", flat=True).first()
        next_position = Page._str2int(last_path[-Page.steplen :]) if last_path else 0
        created = 0
        new_ids = []
        while created < count:
            size = min(batch, count - created)
            with transaction.atomic():
                pages = []
                for _position in range(size):
                    number = next(numbers)
                    next_position += 1
                    topic = rng.choice(SYNTHETIC_TOPICS)
                    title = f"{rng.choice(SYNTHETIC_NOUNS)} and {topic} in Serbia, part {number}"
                    slug = f"generated-{number}"
                    day = today - datetime.timedelta(days=rng.randrange(15 * 365))
                    pages.append(
                        PublicationPage(
                            title=title,
                            draft_title=title,
                            slug=slug,
                            path=PublicationPage._get_path(
                                index.path, index.depth + 1, next_position
                            ),
                            depth=index.depth + 1,
                            numchild=0,
                            url_path=f"{index.url_path}{slug}/",
                            content_type=content_type,
                            locale=self.locale,
                            live=True,
                            has_unpublished_changes=False,
                            first_published_at=timezone.make_aware(
                                datetime.datetime.combine(day, datetime.time(9))
                            ),
                            kind=rng.choice(kinds),
                            publication_date=day,
                            summary=(
                                f"A synthetic publication about {topic}, generated for "
                                "benchmarks and tests."
                            ),
                            body=body_paragraphs(title, [topic]),
                        )
                    )
                self.bulk_insert_pages(pages)
                author_links, tag_links = [], []
                for page in pages:
                    for order, author in enumerate(rng.sample(authors, rng.randint(0, 3))):
                        author_links.append(
                            PublicationAuthor(page_id=page.pk, author=author, sort_order=order)
                        )
                    for tag in rng.sample(tags, rng.randint(1, 3)):
                        tag_links.append(PublicationPageTag(content_object_id=page.pk, tag=tag))
                PublicationAuthor.objects.bulk_create(author_links)
                PublicationPageTag.objects.bulk_create(tag_links)
            new_ids += [page.pk for page in pages]
            created += size
            self.stdout.write(f"  {created}/{count} publications generated")
        Page.objects.filter(pk=index.pk).update(numchild=index.get_children().count())
        start_new_generation()  # the bulk inserts sent no signals: no cached page may show
        self.stdout.write(f"Generated {count} publications in {time.monotonic() - started:.1f}s")
        self.index_for_search(new_ids)
        with connection.cursor() as cursor:
            # Fresh planner statistics for the new rows and their search index entries:
            # without them PostgreSQL misjudges how many publications a search matches and
            # picks plans a hundred times slower.
            cursor.execute("ANALYZE")

    def index_for_search(self, page_ids, batch=500):
        """Add the new publications to the search index (only those, not the whole site)."""
        started = time.monotonic()
        for start in range(0, len(page_ids), batch):
            pages = list(
                PublicationPage.get_indexed_objects().filter(pk__in=page_ids[start : start + batch])
            )
            for backend in get_search_backends():
                backend.add_bulk(PublicationPage, pages)
        self.stdout.write(f"Indexed them for search in {time.monotonic() - started:.1f}s")

    def generate_authors(self, rng, count):
        first = ["Ana", "Milan", "Jovana", "Nikola", "Mina", "Stefan", "Tijana", "Luka"]
        last = ["Petrović", "Jovanović", "Nikolić", "Marković", "Ilić", "Pavlović", "Kostić"]
        authors = []
        for number in range(count):
            name = f"{first[number % len(first)]} {last[number % len(last)]} {number + 1}"
            authors.append(
                self.child(
                    self.author_index,
                    AuthorPage,
                    slug=f"generated-author-{number + 1}",
                    title=name,
                    role="Associate",
                )
            )
        return authors

    @staticmethod
    def bulk_insert_pages(pages):
        """Insert the Page rows, then the PublicationPage rows, in bulk (bulk_create does not
        support multi-table inheritance)."""
        page_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
        base_rows = []
        for page in pages:
            row = Page(**{f.attname: getattr(page, f.attname) for f in page_fields})
            base_rows.append(row)
        Page.objects.bulk_create(base_rows)
        if base_rows[0].pk is None:  # backends without RETURNING: look the ids up
            ids = dict(
                Page.objects.filter(path__in=[row.path for row in base_rows]).values_list(
                    "path", "pk"
                )
            )
            for row in base_rows:
                row.pk = ids[row.path]
        for page, row in zip(pages, base_rows, strict=True):
            page.pk = page.page_ptr_id = row.pk
            page.id = row.pk
        fields = PublicationPage._meta.local_concrete_fields
        quote = connection.ops.quote_name
        insert = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
            quote(PublicationPage._meta.db_table),
            ", ".join(quote(field.column) for field in fields),
            ", ".join(["%s"] * len(fields)),
        )
        rows = [
            [field.get_db_prep_save(field.pre_save(page, True), connection) for field in fields]
            for page in pages
        ]
        with connection.cursor() as cursor:
            cursor.executemany(insert, rows)
