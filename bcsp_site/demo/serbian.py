"""The Serbian (Latin script) side of the demo site.

Every Serbian page is a translation of its English page (the same translation key), made
the way the admin makes one, so the language switcher and hreflang links connect them.
"""

from wagtail.models import Locale
from wagtail_localize.models import StringTranslation, Translation, TranslationSource

from bcsp_site.models import HomeFeaturedPublication
from publications.models import PublicationKind, PublicationPage, PublicationTag

from .footnotes import FOOTNOTES, translate_footnotes, with_footnotes
from .pdfs import make_pdf, pdf_lines

KIND_NAMES = {
    "analysis": "Analiza",
    "report": "Izveštaj",
    "policy-paper": "Predlog praktične politike",
    "study": "Studija",
    "research": "Istraživanje",
    "document": "Dokument",
    "op-ed": "Autorski tekst",
}

# The Serbian names of the English demo tags. A translated page gets the Serbian tags of its
# English page's tags; the others are made when a page using them is translated.
TAG_NAMES = {
    "democracy": "demokratija",
    "Hungary": "Mađarska",
    "foreign policy": "spoljna politika",
    "state capture": "zarobljena država",
    "security sector reform": "reforma sektora bezbednosti",
    "state of emergency": "vanredno stanje",
    "COVID-19": "COVID-19",
    "democratic control": "demokratska kontrola",
    "surveillance": "video-nadzor",
    "Ministry of interior": "MUP",
    "personal data protection": "zaštita podataka o ličnosti",
    "Saša Đorđević": "Saša Đorđević",
    "organised crime": "organizovani kriminal",
    "Western Balkans": "Zapadni Balkan",
}

ORGANISATION = "Beogradski centar za bezbednosnu politiku"
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
        "summary": (
            "Mađarska je trenutno najbliži međunarodni partner Srbije. Odnose dve zemlje više "
            "ne opterećuju sporovi, a njihovi politički i ekonomski interesi sve se više "
            "poklapaju. Približile su se i vrednosti na kojima počivaju vlasti obe zemlje."
        ),
    },
    "the-security-sector-in-a-captured-state": {
        "title": "Sektor bezbednosti u zarobljenoj državi",
        "slug": "sektor-bezbednosti-u-zarobljenoj-drzavi",
        "summary": (
            "Izveštaj o zarobljavanju države u Srbiji izvorni je i pionirski rad BCBP-a koji "
            "dokumentuje i razlaže proces zarobljavanja sektora bezbednosti kroz prikaz "
            "mehanizama, aktera i posledica tog procesa."
        ),
    },
    "the-security-sector-in-the-state-of-emergency-testing-democracy": {
        "title": "Sektor bezbednosti u vanrednom stanju: test demokratije",
        "slug": "sektor-bezbednosti-u-vanrednom-stanju-test-demokratije",
        "summary": (
            "Analiza Beogradskog centra za bezbednosnu politiku (BCBP) zaključuje da Srbija "
            "tokom 52 dana vanrednog stanja nije položila test demokratije, zbog niza propusta "
            "i nepravilnosti u delovanju i kontroli sektora bezbednosti."
        ),
    },
    "public-recording-with-secret-cameras": {
        "title": "Javno snimanje tajnim kamerama",
        "slug": "javno-snimanje-tajnim-kamerama",
        "summary": (
            "Istraživač BCBP-a Saša Đorđević piše o nabavci i postavljanju velikog broja "
            "bezbednosnih kamera širom Beograda, o čemu bi građani morali da znaju mnogo više."
        ),
        # The original: published on Peščanik in Serbian, so nothing was translated.
        "original_language": "",
        "translator_name": "",
    },
    "crime-in-the-western-balkans-six-at-the-time-of-coronavirus": {
        "title": "Kriminal na Zapadnom Balkanu u vreme korona virusa: prvi nalazi",
        "slug": "kriminal-na-zapadnom-balkanu-u-vreme-korona-virusa",
        "summary": (
            "Da li su organizovane kriminalne grupe nastavile da deluju u vreme korona "
            "virusa, koji se trendovi u kriminalu na Zapadnom Balkanu vide u prvih šest "
            "nedelja pandemije i šta se može očekivati, analizirao je istraživač BCBP-a "
            "Saša Đorđević."
        ),
    },
    # The demo's further publications (see MORE_PUBLICATIONS in bcsp_site.demo.seed).
    "safe-city-without-safeguards": {
        "title": "Bezbedan grad bez zaštite: nove kamere u Beogradu",
        "slug": "bezbedan-grad-bez-zastite",
        "summary": (
            "Kamere koje prepoznaju lica i registarske tablice postavljaju se širom Beograda "
            "pre nego što je iko procenio kako će uticati na privatnost građana. Analiza "
            "navodi pitanja na koja MUP tek treba da odgovori."
        ),
        "text": (
            "Sistem nadzora koji plaćaju građani treba im objasniti pre nego što se uključi: "
            "gde stoje kamere, ko gleda snimke, koliko se dugo čuvaju i ko odgovara za "
            "zloupotrebe."
        ),
    },
    "parliamentary-oversight-of-the-security-sector-in-2019": {
        "title": "Skupštinski nadzor nad sektorom bezbednosti u 2019. godini",
        "slug": "skupstinski-nadzor-nad-sektorom-bezbednosti-u-2019",
        "summary": (
            "Koliko su se često 2019. sastajali skupštinski odbori za odbranu, unutrašnje "
            "poslove i službe bezbednosti, šta su pitali i šta su im odgovorile institucije "
            "koje nadziru."
        ),
        "text": (
            "Nadzor je više od sednice održane zato što zakon to traži. Izveštaj prati svaki "
            "odbor kroz godinu i pita da li su njegova pitanja dobila odgovore, a odgovori "
            "doneli promene."
        ),
    },
    "police-integrity-under-political-pressure": {
        "title": "Integritet policije pod političkim pritiskom",
        "slug": "integritet-policije-pod-politickim-pritiskom",
        "summary": (
            "Unapređenja bez konkursa i policajci koji govore u ime stranaka: predlog "
            "praktične politike o tome kako politički pritisak nagriza integritet policije "
            "i koja bi ga pravila zaštitila."
        ),
        "text": (
            "Od policajaca koji karijeru duguju političarima ne može se očekivati da ih "
            "istražuju. Predlog traži javne konkurse za rukovodeća mesta i unutrašnju "
            "kontrolu koja odgovara skupštini, a ne ministru."
        ),
    },
    "who-checks-serbias-arms-exports": {
        "title": "Ko proverava izvoz oružja iz Srbije?",
        "slug": "ko-proverava-izvoz-oruzja-iz-srbije",
        "summary": (
            "Srbija svake godine izvozi više oružja, a izveštaji iz kojih bi javnost mogla "
            "da prati taj izvoz kasne i malo govore. Istraživanje o dozvolama, kupcima i "
            "proverama."
        ),
        "text": (
            "Transparentnost trgovine oružjem nije usluga stranim partnerima: tako građani "
            "saznaju da li oružje proizvedeno u njihovoj zemlji stiže tamo gde treba."
        ),
    },
    "regional-security-cooperation-in-the-western-balkans": {
        "title": "Regionalna bezbednosna saradnja na Zapadnom Balkanu",
        "slug": "regionalna-bezbednosna-saradnja-na-zapadnom-balkanu",
        "summary": (
            "Policijska, granična i obaveštajna saradnja država Zapadnog Balkana najbolje "
            "funkcioniše tamo gde se politika ne meša. Studija o tome šta je postignuto i "
            "gde zastaje."
        ),
        "text": (
            "Kriminal i ekstremizam ne staju na granicama, pa ne treba ni institucije koje "
            "se protiv njih bore. Studija mapira sporazume na snazi i koliko se zaista "
            "koriste."
        ),
    },
    "what-citizens-expect-from-the-security-institutions": {
        "title": "Šta građani očekuju od institucija bezbednosti",
        "slug": "sta-gradjani-ocekuju-od-institucija-bezbednosti",
        "summary": (
            "Građani veruju institucijama koje se objašnjavaju. Kratak dokument o tome šta "
            "ljudi u Srbiji očekuju od policije, vojske i službi, i koliko malo o tome saznaju."
        ),
        "text": (
            "Poverenje u institucije bezbednosti raste i opada s tim koliko otvoreno rade. "
            "Dokument navodi očekivanja koja od građana najčešće čujemo."
        ),
    },
}


def body_paragraphs(title, text=None):
    """Short original Serbian body text for the demo publications (``text`` opens it)."""
    opening = [("paragraph", f"<p>{text}</p>")] if text else []
    return [
        *opening,
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
        self.translate_tags()
        authors = {
            slug: self.translate_author(slug, page) for slug, page in self.authors_en.items()
        }
        publications = [
            self.translate_publication(slug, fields, kinds, authors)
            for slug, fields in PUBLICATIONS.items()
        ]
        if not home.featured_links.exists():
            self.feature_like_english(home, publications)
        return home

    def feature_like_english(self, home, publications):
        """The carousel picks the translations of the English home page's picks."""
        by_key = {page.translation_key: page for page in publications if page is not None}
        english_picks = self.home_en.featured_links.select_related("publication").order_by(
            "sort_order"
        )
        picks = [
            by_key[link.publication.translation_key]
            for link in english_picks
            if link.publication.translation_key in by_key
        ]
        for order, publication in enumerate(picks):
            HomeFeaturedPublication.objects.create(
                home=home, publication=publication, sort_order=order
            )

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

    def translate_tags(self):
        """The Serbian tags, linked to the English ones (safe to repeat). Serbian tags that an
        older demo made on their own are linked, and those made on translation under the
        English name get their Serbian one."""
        english = PublicationTag.objects.filter(
            locale_id=self.home_en.locale_id, name__in=TAG_NAMES
        )
        serbian = PublicationTag.objects.filter(locale=self.locale)
        for tag in english:
            name = TAG_NAMES[tag.name]
            counterpart = serbian.filter(translation_key=tag.translation_key).first()
            named = serbian.filter(name=name).first()
            if counterpart is None and named is None:
                PublicationTag.objects.create(
                    locale=self.locale, translation_key=tag.translation_key, name=name
                )
            elif counterpart is None:
                named.translation_key = tag.translation_key
                named.save(update_fields=["translation_key"])
            elif counterpart.needs_translation and named in (None, counterpart):
                if counterpart.name != name:
                    counterpart.name, counterpart.slug = name, ""
                counterpart.needs_translation = False
                counterpart.save()

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
        text = fields.pop("text", None)
        # The copy's tags become the Serbian ones linked to the English page's tags.
        translation = original.specific.copy_for_translation(self.locale)
        for name, value in fields.items():
            setattr(translation, name, value)
        translation.draft_title = translation.title
        translation.kind = kinds.get(original.kind.slug, original.kind)
        translation.body = with_footnotes(slug, body_paragraphs(translation.title, text), "sr")
        if slug in FOOTNOTES:
            translate_footnotes(translation, slug)
        if original.pdf_id:  # the Serbian edition of the PDF
            translation.pdf = make_pdf(
                translation.title,
                translation.slug,
                pdf_lines(translation.title, translation.summary, text),
                kind=translation.kind.name,
                organisation=ORGANISATION,
                year=translation.publication_date.year,
                subtitle=", ".join(link.author.title for link in original.author_links.all()),
            )
        translation.save()
        translation.refresh_from_db()
        revision = translation.save_revision()
        revision.publish()
        PublicationPage.objects.filter(pk=translation.pk).update(
            first_published_at=original.first_published_at
        )
        return translation
