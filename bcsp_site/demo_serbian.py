"""The Serbian (Latin script) side of the demo site.

Every Serbian page is a translation of its English page (the same translation key), made
the way the admin makes one, so the language switcher and hreflang links connect them.
"""

from wagtail.models import Locale
from wagtail_localize.models import StringTranslation, Translation, TranslationSource

from publications.models import PublicationKind, PublicationPage

KIND_NAMES = {
    "analysis": "Analiza",
    "report": "Izveštaj",
    "policy-paper": "Predlog praktične politike",
    "study": "Studija",
    "research": "Istraživanje",
    "document": "Dokument",
    "op-ed": "Autorski tekst",
}

ROLES = {"Researcher": "Istraživač", "Director": "Direktor", "Associate": "Saradnik"}
FEMALE_ROLES = {"Researcher": "Istraživačica", "Director": "Direktorka"}
FEMALE_AUTHORS = {
    "isidora-stakic",
    "jelena-pejic-nikic",
    "katarina-djokic",
    "marija-ignjatijevic",
}

HOME = {
    "title": "Beogradski centar za bezbednosnu politiku",
    "intro": (
        "Nezavisna istraživanja bezbednosne politike, demokratske kontrole sektora "
        "bezbednosti i ljudske bezbednosti u Srbiji i na Zapadnom Balkanu."
    ),
}
PUBLICATION_INDEX = {
    "title": "Publikacije",
    "intro": "Analize, izveštaji, predlozi praktičnih politika, studije i autorski tekstovi "
    "istraživača BCBP-a.",
}
AUTHOR_INDEX = {
    "title": "Autori",
    "intro": "Istraživači i saradnici Beogradskog centra za bezbednosnu politiku.",
}

# English slug → the Serbian version's fields.
PUBLICATIONS = {
    "serbia-and-hungary-hammering-democracy": {
        "title": "Srbija i Mađarska: čekićem po demokratiji",
        "slug": "srbija-i-madjarska-cekicem-po-demokratiji",
        "tags": ["demokratija", "Mađarska", "spoljna politika"],
        "summary": (
            "Mađarska je trenutno najbliži međunarodni partner Srbije. Odnose dve zemlje više "
            "ne opterećuju sporovi, a njihovi politički i ekonomski interesi sve se više "
            "poklapaju. Približile su se i vrednosti na kojima počivaju vlasti obe zemlje."
        ),
    },
    "the-security-sector-in-a-captured-state": {
        "title": "Sektor bezbednosti u zarobljenoj državi",
        "slug": "sektor-bezbednosti-u-zarobljenoj-drzavi",
        "tags": ["zarobljena država", "reforma sektora bezbednosti"],
        "summary": (
            "Izveštaj o zarobljavanju države u Srbiji izvorni je i pionirski rad BCBP-a koji "
            "dokumentuje i razlaže proces zarobljavanja sektora bezbednosti kroz prikaz "
            "mehanizama, aktera i posledica tog procesa."
        ),
    },
    "the-security-sector-in-the-state-of-emergency-testing-democracy": {
        "title": "Sektor bezbednosti u vanrednom stanju: test demokratije",
        "slug": "sektor-bezbednosti-u-vanrednom-stanju-test-demokratije",
        "tags": ["vanredno stanje", "COVID-19", "demokratska kontrola"],
        "summary": (
            "Analiza Beogradskog centra za bezbednosnu politiku (BCBP) zaključuje da Srbija "
            "tokom 52 dana vanrednog stanja nije položila test demokratije, zbog niza propusta "
            "i nepravilnosti u delovanju i kontroli sektora bezbednosti."
        ),
    },
    "public-recording-with-secret-cameras": {
        "title": "Javno snimanje tajnim kamerama",
        "slug": "javno-snimanje-tajnim-kamerama",
        "tags": ["video-nadzor", "MUP", "zaštita podataka o ličnosti"],
        "summary": (
            "Istraživač BCBP-a Saša Đorđević piše o nabavci i postavljanju velikog broja "
            "bezbednosnih kamera širom Beograda, o čemu bi građani morali da znaju mnogo više."
        ),
        # The original: published on Peščanik in Serbian, so nothing was translated.
        "original_language": "",
        "translator_name": "",
    },
}


def body_paragraphs(title):
    """Short original Serbian body text for the demo publications."""
    return [
        (
            "paragraph",
            f"<p>Ovaj tekst prati publikaciju <b>{title}</b>. U njemu Beogradski centar za "
            "bezbednosnu politiku iznosi šta je utvrdio i zašto je to važno građanima koji od "
            "institucija očekuju da rade javno.</p>",
        ),
        ("heading", {"text": "Ključni nalazi", "level": "h2"}),
        (
            "paragraph",
            "<p>Institucije nadležne za bezbednost retko objašnjavaju svoje odluke javnosti. "
            "Skupštinski odbori sastaju se ređe nego što zakon predviđa, a nezavisnim telima "
            "nedostaju sredstva da prate sprovođenje sopstvenih preporuka.</p>",
        ),
        (
            "quote",
            {
                "text": "Bezbednost koja ne polaže račune građanima nije bezbednost za njih.",
                "attribution": "BCBP",
            },
        ),
        ("heading", {"text": "Preporuke", "level": "h2"}),
        (
            "paragraph",
            "<ul><li>Objaviti pravni osnov i budžet svake veće nabavke.</li>"
            "<li>Ojačati nezavisna nadzorna tela.</li>"
            "<li>Konsultovati civilno društvo pre, a ne posle donošenja odluka.</li></ul>",
        ),
    ]


def publish_translation(page, locale, **fields):
    """A published translation of `page` in `locale` with `fields` changed, made the way the
    admin makes one (same translation key, parent's translation as parent)."""
    translation = page.specific.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.draft_title = translation.title
    translation.save()
    translation.save_revision().publish()
    translation.refresh_from_db()
    return translation


class SerbianDemo:
    """Adds the Serbian translations of the demo's structure, authors, kinds and a few
    publications (idempotent: what is already translated is left alone)."""

    def __init__(self, home, publication_index, author_index, kinds, authors):
        self.locale = Locale.objects.get_or_create(language_code="sr")[0]
        self.home_en = home
        self.publication_index_en = publication_index
        self.author_index_en = author_index
        self.kinds_en = kinds
        self.authors_en = authors

    def create(self):
        home = self.translate(self.home_en, slug="home-sr", **HOME)
        if home.featured_links.exists() and not self.featured_in_locale(home):
            home.featured_links.all().delete()  # the copy's picks were the English pages
        self.translate(self.publication_index_en, **PUBLICATION_INDEX)
        self.translate(self.author_index_en, **AUTHOR_INDEX)
        kinds = self.translate_kinds()
        authors = {
            slug: self.translate_author(slug, page) for slug, page in self.authors_en.items()
        }
        publications = [
            self.translate_publication(slug, fields, kinds, authors)
            for slug, fields in PUBLICATIONS.items()
        ]
        if not home.featured_links.exists():
            from bcsp_site.models import HomeFeaturedPublication

            for order, publication in enumerate(p for p in publications if p is not None):
                HomeFeaturedPublication.objects.create(
                    home=home, publication=publication, sort_order=order
                )
        return home

    def featured_in_locale(self, home):
        return home.featured_links.filter(publication__locale=self.locale).exists()

    def translate(self, page, **fields):
        existing = page.get_translation_or_none(self.locale)
        if existing is not None:
            return existing.specific
        return publish_translation(page, self.locale, **fields)

    def translate_kinds(self):
        kinds = {}
        for slug, kind in self.kinds_en.items():
            kinds[slug], _created = PublicationKind.objects.get_or_create(
                locale=self.locale,
                translation_key=kind.translation_key,
                defaults={
                    "slug": kind.slug,
                    "name": KIND_NAMES.get(slug, kind.name),
                    "sort_order": kind.sort_order,
                },
            )
            self.record_in_localize(kind, kinds[slug])
        return kinds

    def record_in_localize(self, original, translation):
        """Record a translation made here as wagtail-localize's own, the way translating the
        kind in the admin does.

        With them the Serbian kind opens in the translation editor with every field
        translated, and "Sync translated snippets" on the English kind keeps it up to date.
        """
        source, _created = TranslationSource.get_or_create_from_instance(original)
        for segment in source.stringsegment_set.select_related("string", "context"):
            value = getattr(translation, segment.context.path, "")
            if value:
                StringTranslation.objects.get_or_create(
                    translation_of=segment.string,
                    locale=self.locale,
                    context=segment.context,
                    defaults={
                        "data": value,
                        "translation_type": StringTranslation.TRANSLATION_TYPE_MANUAL,
                    },
                )
        Translation.objects.get_or_create(source=source, target_locale=self.locale)

    def translate_author(self, slug, page):
        role = (FEMALE_ROLES if slug in FEMALE_AUTHORS else ROLES).get(page.role, page.role)
        name = page.title
        return self.translate(
            page,
            role=role,
            biography=(
                f"<p>{name} se u Beogradskom centru za bezbednosnu politiku bavi upravljanjem "
                "sektorom bezbednosti, nadzorom i vladavinom prava.</p>"
            ),
        )

    def translate_publication(self, slug, fields, kinds, authors):
        original = PublicationPage.objects.filter(slug=slug, locale=self.home_en.locale_id).first()
        if original is None:
            return None
        existing = original.get_translation_or_none(self.locale)
        if existing is not None:
            return existing.specific
        fields = dict(fields)
        tags = fields.pop("tags")
        translation = original.specific.copy_for_translation(self.locale)
        for name, value in fields.items():
            setattr(translation, name, value)
        translation.draft_title = translation.title
        translation.kind = kinds.get(original.kind.slug, original.kind)
        translation.body = body_paragraphs(translation.title)
        translation.tags.set(tags, clear=True)
        translation.save()
        translation.refresh_from_db()
        revision = translation.save_revision()
        revision.publish()
        PublicationPage.objects.filter(pk=translation.pk).update(
            first_published_at=original.first_published_at
        )
        return translation
