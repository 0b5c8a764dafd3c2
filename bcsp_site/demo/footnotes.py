"""Footnotes of three demo publications, in English and Serbian: their sources, cited the way
the centre cites them. Stored as editors' and the archive importer's notes are (see
ARCHITECTURE.md, "Footnotes"): Footnote rows and <footnote> tags in a paragraph."""

from wagtail_footnotes.models import Footnote


def tag(note_id):
    return f'<footnote id="{note_id}">[{note_id[:6]}]</footnote>'


CAPTURE = [
    "3f1c2a9e-5b7d-4c1e-9a2b-6d8e0f1a2b3c",
    "8b2d4f6a-1c3e-4a5b-8c7d-9e0f1a2b3c4d",
    "c4e6a8b0-2d4f-4b6c-9d8e-0f1a2b3c4d5e",
]
SAFE_CITY = [
    "1a3c5e7f-9b1d-4e3f-8a5b-7c9d1e3f5a7b",
    "6e8a0c2d-4f6b-4d8e-9f0a-1b2c3d4e5f6a",
]
EMERGENCY = [
    "9d1f3b5c-7e9a-4b1c-8d3e-5f7a9b1c3d5e",
    "2b4d6f8a-0c2e-4f4a-9b6c-8d0e2f4a6b8c",
]

FOOTNOTES = {
    "the-security-sector-in-a-captured-state": {
        "en": (
            "<p>The Defence and Internal Affairs Committee met eleven times in 2019, fewer "
            f"than the law foresees{tag(CAPTURE[0])}, and the Protector of Citizens found "
            f"that the police carried out fewer than half of his recommendations{tag(CAPTURE[1])}."
            " The committee did not consider the security services' annual reports at all"
            f"{tag(CAPTURE[0])}, while appointments to the police leadership stayed acting "
            f"for years{tag(CAPTURE[2])}.</p>"
        ),
        "sr": (
            "<p>Odbor za odbranu i unutrašnje poslove sastao se 2019. jedanaest puta, ređe "
            f"nego što zakon predviđa{tag(CAPTURE[0])}, a Zaštitnik građana utvrdio je da je "
            f"policija sprovela manje od polovine njegovih preporuka{tag(CAPTURE[1])}. Odbor "
            f"godišnje izveštaje službi bezbednosti nije ni razmatrao{tag(CAPTURE[0])}, dok su "
            f"rukovodioci u policiji godinama ostajali vršioci dužnosti{tag(CAPTURE[2])}.</p>"
        ),
        "notes": [
            (
                CAPTURE[0],
                "<p>National Assembly of the Republic of Serbia, <i>Report on the Work of the "
                "Defence and Internal Affairs Committee in 2019</i> (Belgrade, 2020), pp. 3–7, "
                '<a href="https://www.parlament.gov.rs/">www.parlament.gov.rs</a>.</p>',
                "<p>Narodna skupština Republike Srbije, <i>Izveštaj o radu Odbora za odbranu i "
                "unutrašnje poslove u 2019. godini</i> (Beograd, 2020), str. 3–7, "
                '<a href="https://www.parlament.gov.rs/">www.parlament.gov.rs</a>.</p>',
            ),
            (
                CAPTURE[1],
                "<p>Protector of Citizens, <i>Regular Annual Report for 2019</i> (Belgrade: "
                "Protector of Citizens, 2020), p. 112.</p>",
                "<p>Zaštitnik građana, <i>Redovan godišnji izveštaj za 2019. godinu</i> "
                "(Beograd: Zaštitnik građana, 2020), str. 112.</p>",
            ),
            (
                CAPTURE[2],
                "<p>Saša Đorđević and Marija Ignjatijević, <i>Police Reform in Serbia: Towards "
                "the Creation of an Effective and Accountable Police Service</i> (Belgrade: "
                "BCSP, 2019), pp. 21–24.</p>",
                "<p>Saša Đorđević i Marija Ignjatijević, <i>Reforma policije u Srbiji: ka "
                "efikasnoj i odgovornoj policiji</i> (Beograd: BCBP, 2019), str. 21–24.</p>",
            ),
        ],
    },
    "safe-city-without-safeguards": {
        "en": (
            "<p>The Ministry of Interior announced some 8,000 cameras with facial recognition "
            f"for Belgrade{tag(SAFE_CITY[0])}, without the impact assessment that the Law on "
            f"Personal Data Protection requires{tag(SAFE_CITY[1])}.</p>"
        ),
        "sr": (
            "<p>Ministarstvo unutrašnjih poslova najavilo je oko 8.000 kamera sa "
            f"prepoznavanjem lica za Beograd{tag(SAFE_CITY[0])}, bez procene uticaja koju "
            f"zahteva Zakon o zaštiti podataka o ličnosti{tag(SAFE_CITY[1])}.</p>"
        ),
        "notes": [
            (
                SAFE_CITY[0],
                "<p>Ministry of Interior, press release “Safe City project in Belgrade”, "
                "30 January 2019.</p>",
                "<p>Ministarstvo unutrašnjih poslova, saopštenje „Projekat Bezbedan grad u "
                "Beogradu”, 30. januar 2019.</p>",
            ),
            (
                SAFE_CITY[1],
                "<p>Law on Personal Data Protection, <i>Official Gazette of the Republic of "
                "Serbia</i>, no. 87/2018, Art. 54.</p>",
                "<p>Zakon o zaštiti podataka o ličnosti, <i>Službeni glasnik Republike "
                "Srbije</i>, br. 87/2018, čl. 54.</p>",
            ),
        ],
    },
    "the-security-sector-in-the-state-of-emergency-testing-democracy": {
        "en": (
            "<p>During the state of emergency the government adopted 44 decrees without the "
            f"National Assembly{tag(EMERGENCY[0])}; the Assembly confirmed them only after "
            f"seven weeks{tag(EMERGENCY[1])}.</p>"
        ),
        "sr": (
            "<p>Tokom vanrednog stanja Vlada je bez Narodne skupštine donela 44 uredbe"
            f"{tag(EMERGENCY[0])}; Skupština ih je potvrdila tek posle sedam nedelja"
            f"{tag(EMERGENCY[1])}.</p>"
        ),
        "notes": [
            (
                EMERGENCY[0],
                "<p>Decision on Declaring a State of Emergency, <i>Official Gazette of the "
                "Republic of Serbia</i>, no. 29/2020.</p>",
                "<p>Odluka o proglašenju vanrednog stanja, <i>Službeni glasnik Republike "
                "Srbije</i>, br. 29/2020.</p>",
            ),
            (
                EMERGENCY[1],
                "<p>Decision on Confirming the Decision on Declaring a State of Emergency, "
                "<i>Official Gazette of the Republic of Serbia</i>, no. 62/2020.</p>",
                "<p>Odluka o potvrđivanju Odluke o proglašenju vanrednog stanja, <i>Službeni "
                "glasnik Republike Srbije</i>, br. 62/2020.</p>",
            ),
        ],
    },
}


def with_footnotes(slug, body, language):
    """`body` with the publication's paragraph citing its sources after the first heading."""
    if slug not in FOOTNOTES:
        return body
    position = next(
        (number + 1 for number, (kind, _value) in enumerate(body) if kind == "heading"),
        len(body),
    )
    return [*body[:position], ("paragraph", FOOTNOTES[slug][language]), *body[position:]]


def add_footnotes(page, slug):
    """The English notes, added to the page before it is saved."""
    for order, (note_id, english, _serbian) in enumerate(FOOTNOTES.get(slug, {}).get("notes", [])):
        page.footnotes.add(
            Footnote(uuid=note_id, text=english, locale_id=page.locale_id, sort_order=order)
        )


def translate_footnotes(translation, slug):
    """The Serbian texts of the notes copied with the translation (same ids and keys)."""
    serbian = {note_id: text for note_id, _english, text in FOOTNOTES[slug]["notes"]}
    for footnote in translation.footnotes.all():
        footnote.text = serbian.get(str(footnote.uuid), footnote.text)
        footnote.save(update_fields=["text"])
