"""Demo site pages and menus in English and Serbian: About (Mission, Donors, Team), Contact,
the privacy notice, the header menu and the footer links.

Serbian pages are translations of the English ones (they share translation keys), made
with copy_for_translation() and then given their Serbian text. Safe to run again: pages
are looked up by slug and by translation, menus by place and language.
"""

from wagtail.models import Locale, Page

from bcsp_site.models import (
    MenuLocation,
    NavigationMenu,
    NavigationMenuItem,
    StandardPage,
    TeamPage,
)

from .serbian import publish_translation


def paragraph(*sentences):
    """A rich-text block: each sentence its own paragraph, a list (<ul>…) as it is."""
    return (
        "paragraph",
        "".join(s if s.startswith("<ul>") else f"<p>{s}</p>" for s in sentences),
    )


def heading(text):
    return ("heading", {"text": text, "level": "h2"})


ABOUT = {
    "en": {
        "title": "About us",
        "slug": "about",
        "intro": (
            "The Belgrade Centre for Security Policy is an independent think tank working "
            "for the security of citizens and society since 1997."
        ),
        "body": [
            paragraph(
                "We research and analyse security policy in Serbia and the Western Balkans, "
                "propose reforms and hold institutions to account on behalf of citizens.",
                "Our researchers publish analyses, reports, policy papers and op-eds, and take "
                "part in public debates, parliamentary hearings and regional networks.",
            ),
            heading("What we work on"),
            paragraph(
                "<ul><li>Democratic control and oversight of the security sector</li>"
                "<li>Police and intelligence reform</li>"
                "<li>Organised crime, corruption and state capture</li>"
                "<li>Foreign and defence policy, regional cooperation</li></ul>"
            ),
        ],
    },
    "sr": {
        "title": "O nama",
        "slug": "o-nama",
        "intro": (
            "Beogradski centar za bezbednosnu politiku je nezavisni istraživački centar koji "
            "se od 1997. godine zalaže za bezbednost građana i društva."
        ),
        "body": [
            paragraph(
                "Istražujemo i analiziramo bezbednosnu politiku u Srbiji i na Zapadnom "
                "Balkanu, predlažemo reforme i u ime građana tražimo odgovornost institucija.",
                "Naši istraživači objavljuju analize, izveštaje, predloge praktičnih politika "
                "i autorske tekstove i učestvuju u javnim raspravama, skupštinskim "
                "saslušanjima i regionalnim mrežama.",
            ),
            heading("Čime se bavimo"),
            paragraph(
                "<ul><li>Demokratska kontrola i nadzor sektora bezbednosti</li>"
                "<li>Reforma policije i službi bezbednosti</li>"
                "<li>Organizovani kriminal, korupcija i zarobljavanje države</li>"
                "<li>Spoljna i odbrambena politika, regionalna saradnja</li></ul>"
            ),
        ],
    },
}

MISSION = {
    "en": {
        "title": "Our mission",
        "slug": "mission",
        "intro": "Security that serves citizens, under democratic control.",
        "body": [
            paragraph(
                "We advance the security of citizens and society based on democracy and "
                "respect for human rights.",
                "We do this through independent research, open public debate and by "
                "bringing the voices of citizens to the institutions that decide on their "
                "security.",
            )
        ],
    },
    "sr": {
        "title": "Naša misija",
        "slug": "misija",
        "intro": "Bezbednost u službi građana, pod demokratskom kontrolom.",
        "body": [
            paragraph(
                "Zalažemo se za bezbednost građana i društva zasnovanu na demokratiji i "
                "poštovanju ljudskih prava.",
                "To činimo nezavisnim istraživanjima, otvorenom javnom raspravom i "
                "prenošenjem glasa građana institucijama koje odlučuju o njihovoj "
                "bezbednosti.",
            )
        ],
    },
}

DONORS = {
    "en": {
        "title": "Donors",
        "slug": "donors",
        "intro": "Our work is funded by grants for research and public-interest projects.",
        "body": [
            paragraph(
                "We accept funding only where it leaves our research and conclusions "
                "independent. Each publication names the project that supported it.",
                "Financial reports are published every year.",
            )
        ],
    },
    "sr": {
        "title": "Donatori",
        "slug": "donatori",
        "intro": "Naš rad finansiraju donacije za istraživačke projekte od javnog interesa.",
        "body": [
            paragraph(
                "Prihvatamo samo ona sredstva koja ne utiču na nezavisnost naših istraživanja "
                "i zaključaka. Svaka publikacija navodi projekat koji ju je podržao.",
                "Finansijske izveštaje objavljujemo svake godine.",
            )
        ],
    },
}

TEAM = {
    "en": {
        "title": "Team",
        "slug": "team",
        "intro": "The people who run the centre and do its research.",
        "groups": [
            ("Management", [("igor-bandovic", "")]),
            (
                "Researchers",
                [
                    ("marko-drajic", ""),
                    ("isidora-stakic", ""),
                    ("jelena-pejic-nikic", ""),
                    ("katarina-djokic", ""),
                    ("marija-ignjatijevic", ""),
                    ("sasa-djordjevic", ""),
                ],
            ),
        ],
    },
    "sr": {
        "title": "Tim",
        "slug": "tim",
        "intro": "Ljudi koji vode centar i rade njegova istraživanja.",
        "groups": [
            ("Rukovodstvo", [("igor-bandovic", "Direktor")]),
            (
                "Istraživači",
                [
                    ("marko-drajic", "Istraživač"),
                    ("isidora-stakic", "Istraživačica"),
                    ("jelena-pejic-nikic", "Istraživačica"),
                    ("katarina-djokic", "Istraživačica"),
                    ("marija-ignjatijevic", "Istraživačica"),
                    ("sasa-djordjevic", "Istraživač"),
                ],
            ),
        ],
    },
}

CONTACT = {
    "en": {
        "title": "Contact",
        "slug": "contact",
        "intro": "Write to us, call or visit us in Belgrade.",
        "body": [
            paragraph(
                "Belgrade Centre for Security Policy<br>Đure Jakšića 6/5<br>11000 Belgrade, Serbia",
                'Email: <a href="mailto:office@bezbednost.org">office@bezbednost.org</a>',
            ),
            heading("Media"),
            paragraph(
                "Journalists can reach our researchers through the office; we answer "
                "requests on working days."
            ),
        ],
        "sidebar": [
            (
                "text",
                "<p>Our latest publications come every month in the e-bulletin.</p>"
                '<p><a href="/en/e-bulletin/">Sign up for the e-bulletin</a></p>',
            )
        ],
    },
    "sr": {
        "title": "Kontakt",
        "slug": "kontakt",
        "intro": "Pišite nam, pozovite nas ili nas posetite u Beogradu.",
        "body": [
            paragraph(
                "Beogradski centar za bezbednosnu politiku<br>Đure Jakšića 6/5<br>"
                "11000 Beograd, Srbija",
                'Imejl: <a href="mailto:office@bezbednost.org">office@bezbednost.org</a>',
            ),
            heading("Mediji"),
            paragraph(
                "Novinari mogu kontaktirati naše istraživače preko kancelarije; na zahteve "
                "odgovaramo radnim danima."
            ),
        ],
        "sidebar": [
            (
                "text",
                "<p>Naše najnovije publikacije svakog meseca stižu u e-biltenu.</p>"
                '<p><a href="/sr/e-bulletin/">Prijavite se za e-bilten</a></p>',
            )
        ],
    },
}

PRIVACY = {
    "en": {
        "title": "Privacy notice",
        "slug": "privacy-notice",
        "intro": "What this site stores about you, why, and for how long.",
        "body": [
            heading("Comments"),
            paragraph(
                "When you comment we store your name, email address and text. Your name and "
                "text are published once an editor approves them; your email address is "
                "never shown. Rejected comments are deleted after 90 days."
            ),
            heading("E-bulletin"),
            paragraph(
                "We keep your email address, optional name and language, and the wording "
                "you agreed to, until you unsubscribe. Every bulletin has a link to "
                "unsubscribe and to have your details erased."
            ),
            heading("Reading figures"),
            paragraph(
                "We count how often each publication is read and its PDF downloaded, per day "
                "and language, as bare numbers. No cookie is set and nothing is stored in your "
                "browser. To count a visit once, a one-way code made from your IP address and "
                "browser, mixed with a random value that is thrown away every midnight, is kept "
                "in memory for 30 minutes; your IP address is never stored. Search engine "
                "robots are not counted, and no other company sees any of it."
            ),
            heading("Logs"),
            paragraph(
                "Email addresses and IP addresses are removed from our logs. The site sets "
                "no advertising or tracking cookies."
            ),
        ],
    },
    "sr": {
        "title": "Obaveštenje o privatnosti",
        "slug": "obavestenje-o-privatnosti",
        "intro": "Šta ovaj sajt čuva o vama, zašto i koliko dugo.",
        "body": [
            heading("Komentari"),
            paragraph(
                "Kada ostavite komentar, čuvamo vaše ime, imejl adresu i tekst. Ime i tekst "
                "objavljujemo kada ih urednik odobri; vaša imejl adresa se nikada ne "
                "prikazuje. Odbijeni komentari se brišu posle 90 dana."
            ),
            heading("E-bilten"),
            paragraph(
                "Čuvamo vašu imejl adresu, ime i jezik ako ih navedete i tekst saglasnosti "
                "koju ste dali, sve dok se ne odjavite. Svaki bilten sadrži link za "
                "odjavu i brisanje vaših podataka."
            ),
            heading("Čitanost"),
            paragraph(
                "Brojimo koliko je puta svaka publikacija pročitana i njen PDF preuzet, po "
                "danu i jeziku, samo kao brojeve. Ne postavljamo kolačiće i ništa ne čuvamo u "
                "vašem pregledaču. Da bismo posetu izbrojali jednom, jednosmerni kod napravljen "
                "od vaše IP adrese i pregledača, pomešan sa slučajnom vrednošću koja se briše "
                "svake ponoći, čuva se u memoriji 30 minuta; vaša IP adresa se nikada ne čuva. "
                "Roboti pretraživača se ne broje i nijedna druga kompanija ništa od toga ne vidi."
            ),
            heading("Evidencije"),
            paragraph(
                "Imejl adrese i IP adrese uklanjaju se iz naših evidencija. Sajt ne koristi "
                "kolačiće za oglašavanje ni praćenje."
            ),
        ],
    },
}

# (label or None for the page's title, page key or None, address or None)
HEADER_MENU = {
    "en": [
        (None, "publications", None),
        (None, "authors", None),
        (None, "about", None),
        (None, "contact", None),
        ("E-bulletin", None, "/en/e-bulletin/"),
    ],
    "sr": [
        ("Publikacije", "publications", None),
        ("Autori", "authors", None),
        (None, "about", None),
        (None, "contact", None),
        ("E-bilten", None, "/sr/e-bulletin/"),
    ],
}
FOOTER_MENU = {
    "en": [
        (None, "about", None),
        (None, "team", None),
        (None, "contact", None),
        (None, "privacy", None),
    ],
    "sr": [
        (None, "about", None),
        (None, "team", None),
        (None, "contact", None),
        (None, "privacy", None),
    ],
}


def load_site_pages(home, authors, publication_index=None, author_index=None):
    """Create the pages and menus above under the English `home` (idempotent).

    `authors` maps author slugs to the English AuthorPage objects for the team page. The
    Serbian pages go under the Serbian home page, which bcsp_site.demo.serbian makes first.
    """
    english = Locale.objects.get(language_code="en")
    serbian = Locale.objects.get_or_create(language_code="sr")[0]

    about = english_page(home, StandardPage, ABOUT["en"])
    pages = {
        "about": about,
        "mission": english_page(about, StandardPage, MISSION["en"]),
        "donors": english_page(about, StandardPage, DONORS["en"]),
        "team": english_page(about, TeamPage, team_fields(TEAM["en"], authors)),
        "contact": english_page(home, StandardPage, CONTACT["en"]),
        "privacy": english_page(home, StandardPage, PRIVACY["en"]),
    }
    serbian_text = {
        "about": ABOUT["sr"],
        "mission": MISSION["sr"],
        "donors": DONORS["sr"],
        "team": team_fields(TEAM["sr"], authors),
        "contact": CONTACT["sr"],
        "privacy": PRIVACY["sr"],
    }
    for key in ("about", "mission", "donors", "team", "contact", "privacy"):
        translate_page(pages[key], serbian, serbian_text[key])

    if publication_index is not None:
        pages["publications"] = publication_index
    if author_index is not None:
        pages["authors"] = author_index
    for location, links in ((MenuLocation.HEADER, HEADER_MENU), (MenuLocation.FOOTER, FOOTER_MENU)):
        menu = make_menu(location, english, links["en"], pages)
        make_menu(location, serbian, links["sr"], pages, translation_of=menu)
    return pages


def team_fields(spec, authors):
    groups = [
        (
            "group",
            {
                "heading": group_heading,
                "description": "",
                "members": [
                    {"person": authors[slug], "role": role}
                    for slug, role in members
                    if slug in authors
                ],
            },
        )
        for group_heading, members in spec["groups"]
    ]
    return {"title": spec["title"], "slug": spec["slug"], "intro": spec["intro"], "groups": groups}


def english_page(parent, model, fields):
    existing = model.objects.child_of(parent).filter(slug=fields["slug"]).first()
    if existing is not None:
        return existing
    page = parent.add_child(instance=model(**fields))
    page.save_revision().publish()
    return page


def translate_page(page, locale, fields):
    existing = Page.objects.filter(translation_key=page.translation_key, locale=locale).first()
    if existing is not None:
        return existing.specific
    return publish_translation(page, locale, **fields)


def make_menu(location, locale, links, pages, translation_of=None):
    menu = NavigationMenu.objects.filter(location=location, locale=locale).first()
    if menu is not None:
        return menu
    menu = NavigationMenu(location=location, locale=locale)
    if translation_of is not None:
        menu.translation_key = translation_of.translation_key
    menu.save()
    for order, (label, page_key, url) in enumerate(links):
        page = pages.get(page_key) if page_key else None
        if page_key and page is None:
            continue
        if page is not None and page.locale_id != locale.pk:
            page = page.get_translation_or_none(locale) or page
        NavigationMenuItem.objects.create(
            menu=menu, sort_order=order, label=label or "", link_page=page, link_url=url or ""
        )
    return menu
