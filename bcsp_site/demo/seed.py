"""The demo site from the seed: structure, kinds, authors, the seed publications (their
Serbian translations in ``serbian``), site pages and menus (``site_pages``).

Two thirds of the publications in each language come with a PDF, the carousel's among them,
and its first page (a report cover, see publications.pdf.build_simple_pdf) becomes their
cover once the background task has drawn it; the others have neither a cover image nor a
PDF. Safe to run repeatedly: everything is looked up by slug before it is created.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from wagtail.models import Collection, Locale, Page, Site

from authors.models import AuthorIndexPage, AuthorPage
from bcsp_site.models import HomeFeaturedPublication, HomePage
from publications.models import (
    OpEdPage,
    PublicationAuthor,
    PublicationIndexPage,
    PublicationKind,
    PublicationPage,
)

from .footnotes import add_footnotes, with_footnotes
from .pdfs import make_pdf, pdf_lines
from .serbian import SerbianDemo
from .site_pages import load_site_pages

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
        "op_ed": {"outlet_name": "Vreme", "outlet_url": "https://www.vreme.com/"},
    },
]

# The publications that come with a PDF (its first page is their cover): two thirds in each
# language, the carousel's and an op-ed among them.
WITH_PDF = {
    "serbia-and-hungary-hammering-democracy",
    "the-security-sector-in-a-captured-state",
    "the-security-sector-in-the-state-of-emergency-testing-democracy",
    "crime-in-the-western-balkans-six-at-the-time-of-coronavirus",
    "pandemic-of-geopolitics",
    "public-recording-with-secret-cameras",
    "safe-city-without-safeguards",
    "parliamentary-oversight-of-the-security-sector-in-2019",
}

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


class Seed:
    """Loads the seed content; ``publication_index``, ``author_index``, ``kinds`` and
    ``authors`` are what the bulk generator builds on."""

    def __init__(self, with_images=True):
        # Without images: no PDFs either, as their first pages are the covers.
        self.with_images = with_images

    def load(self):
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
        return self

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
            body=with_footnotes(
                spec["slug"], body_paragraphs(spec["title"], spec["tags"], spec.get("text")), "en"
            ),
            **spec.get("op_ed", {}),
        )
        add_footnotes(page, spec["slug"])
        if self.with_images and spec["slug"] in WITH_PDF:
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
        authors = [self.authors[slug].title for slug in spec["authors"]]
        return make_pdf(
            spec["title"],
            spec["slug"],
            pdf_lines(spec["title"], spec["summary"], spec.get("text")),
            kind=self.kinds[spec["kind"]].name,
            year=spec["date"].year,
            subtitle=", ".join(authors),
        )

    def set_featured(self, home, featured):
        if home.featured_links.exists():
            return
        for order, publication in enumerate(featured):
            HomeFeaturedPublication.objects.create(
                home=home, publication=publication, sort_order=order
            )
