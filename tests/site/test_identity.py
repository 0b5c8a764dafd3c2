"""The organisation's identity: the logo in the header and footer (built-in wordmark or an
uploaded logo per language), the favicons and app icons, the default social card, and the
self-hosted fonts."""

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from fontTools.ttLib import TTFont
from PIL import Image
from wagtail.models import Locale, Site

from bcsp_site.core.organisation import OrganisationSettings, OrganisationText
from tests.support.admin_forms import organisation_settings_form, organisation_settings_url
from tests.support.factories import ImageFactory, StandardPageFactory

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
SERBIAN_LETTERS = "čćđšžČĆĐŠŽ"


class Logos(HTMLParser):
    """Every element with the class "logo": its tag, attributes, and the text inside it."""

    def __init__(self):
        super().__init__()
        self.logos, self.open = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "logo" in (attrs.get("class") or "").split():
            self.logos.append({"tag": tag, **attrs, "text": ""})
            if tag == "svg":
                self.open = self.logos[-1]

    def handle_endtag(self, tag):
        if tag == "svg":
            self.open = None

    def handle_data(self, data):
        if self.open is not None:
            self.open["text"] += data.strip() + " "


def logos(html):
    parser = Logos()
    parser.feed(html)
    return {logo["class"].split("--")[-1]: logo for logo in parser.logos}


def organisation():
    return OrganisationSettings.for_site(Site.objects.get(is_default_site=True))


def png_logo(title, width=600, height=200):
    data = io.BytesIO()
    Image.new("RGBA", (width, height), (255, 255, 255, 0)).save(data, format="PNG")
    return ImageFactory(
        title=title, file=ContentFile(data.getvalue(), name="logo.png"), width=width, height=height
    )


@pytest.fixture
def serbian_home(home_page):
    serbian = Locale.objects.get_or_create(language_code="sr")[0]
    translation = home_page.copy_for_translation(serbian)
    translation.title = "Beogradski centar za bezbednosnu politiku"
    translation.save_revision().publish()
    return translation


# The logo -----------------------------------------------------------------------------------


def test_header_and_footer_show_the_wordmark_named_after_the_organisation(client, home_page):
    html = client.get("/en/").content.decode()
    found = logos(html)
    assert set(found) == {"header", "footer"}
    for logo in found.values():
        assert logo["tag"] == "svg"
        assert logo["role"] == "img"
        assert logo["aria-label"] == "Belgrade Centre for Security Policy"
        assert logo["fill"] == "currentColor"  # the header's or the footer's text colour
        assert logo["text"].split() == "BCSP Belgrade Centre for Security Policy".split()
    # The header's logo is the link home; the footer's opens the information block.
    assert re.search(r'<a class="site-brand" href="/en/"><svg class="logo logo--header"', html)
    assert re.search(
        r'<section class="footer-info"[^>]*>\s*<svg class="logo logo--footer"[^>]*>.*?</svg>'
        r'\s*<h2 id="footer-info-heading">',
        html,
        re.S,
    )


def test_the_wordmark_speaks_the_page_language(client, home_page, serbian_home):
    found = logos(client.get("/sr/").content.decode())
    assert found["header"]["aria-label"] == "Beogradski centar za bezbednosnu politiku"
    assert found["header"]["text"].split()[0] == "BCBP"


def advance(text, font_file, size):
    """The width of `text` in a font file, from its glyphs' advances (no kerning)."""
    font = TTFont(STATIC / "fonts" / font_file)
    glyphs, widths = font.getBestCmap(), font["hmtx"]
    units = sum(widths[glyphs[ord(letter)]][0] for letter in text)
    return units * size / font["head"].unitsPerEm


def test_the_wordmark_box_fits_its_texts(client, home_page):
    html = client.get("/en/").content.decode()
    logo = logos(html)["header"]
    width = float(logo["viewbox"].split()[2])
    assert logo["viewbox"] == f"0 0 {logo['width']} 48"
    svg = re.search(r'<svg class="logo logo--header".*?</svg>', html, re.S)[0]
    lines = re.findall(r'<text x="60" [^>]*font-size="(\d+)"[^>]*textLength="([\d.]+)"', svg)
    (short_size, short_length), (name_size, name_length) = lines
    # Each line is given its width in the web font, and the box holds the longer one.
    assert float(short_length) == pytest.approx(
        advance("BCSP", "source-serif-4-600.woff2", int(short_size)), rel=0.03
    )
    assert float(name_length) == pytest.approx(
        advance("Belgrade Centre for Security Policy", "source-sans-3-400.woff2", int(name_size)),
        rel=0.03,
    )
    assert width == pytest.approx(60 + max(float(short_length), float(name_length)), abs=2)


def test_an_uploaded_logo_replaces_the_wordmark_in_its_language_only(
    client, home_page, serbian_home
):
    settings = organisation()
    serbian_text = OrganisationText.objects.get(organisation=settings, language_code="sr")
    serbian_text.logo = png_logo("BCBP logo")
    serbian_text.save()

    serbian = logos(client.get("/sr/").content.decode())
    for logo in serbian.values():
        assert logo["tag"] == "img"
        assert logo["alt"] == "Beogradski centar za bezbednosnu politiku"
        assert re.fullmatch(r"/media/images/logo\w*\.height-160\.png", logo["src"])
        assert (logo["width"], logo["height"]) == ("480", "160")
    english = logos(client.get("/en/").content.decode())
    assert {logo["tag"] for logo in english.values()} == {"svg"}


def test_the_logo_for_every_language_shows_where_a_language_has_none(
    client, home_page, serbian_home
):
    settings = organisation()
    settings.logo = ImageFactory(
        title="Mark",
        file=ContentFile(
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100">'
            b'<rect width="100" height="100"/></svg>',
            name="mark.svg",
        ),
        width=300,
        height=100,
    )
    settings.save()
    serbian_text = OrganisationText.objects.get(organisation=settings, language_code="sr")
    serbian_text.logo = png_logo("BCBP logo")
    serbian_text.save()

    english = logos(client.get("/en/").content.decode())["header"]
    assert english["tag"] == "img"
    assert english["src"].endswith(".svg")  # an SVG stays an SVG, shown only through <img>
    assert english["alt"] == "Belgrade Centre for Security Policy"
    serbian = logos(client.get("/sr/").content.decode())["header"]
    assert serbian["src"].endswith(".png")


def test_a_logo_whose_file_is_gone_gives_way_to_the_wordmark(client, home_page):
    settings = organisation()
    settings.logo = ImageFactory()
    settings.save()
    settings.logo.file.storage.delete(settings.logo.file.name)
    response = client.get("/en/")
    assert response.status_code == 200
    assert logos(response.content.decode())["header"]["tag"] == "svg"


def test_editor_uploads_a_logo_in_the_settings(admin_client, home_page, serbian_home):
    logo, svg = (
        png_logo("Logo"),
        ImageFactory(
            file=ContentFile(
                b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"/>', "a.svg"
            ),
            width=9,
            height=9,
        ),
    )

    def post(**fields):
        data = organisation_settings_form({"sr": {"logo": logo.pk}}, **fields)
        return admin_client.post(organisation_settings_url(), data)

    # An SVG cannot be the sharing image: it is cropped and converted to JPEG.
    response = post(default_social_image=svg.pk)
    assert response.status_code == 200
    assert "SVG images can only be the organisation" in response.content.decode()

    assert post(logo=svg.pk).status_code == 302
    assert logos(admin_client.get("/sr/").content.decode())["header"]["src"].endswith(".png")
    assert logos(admin_client.get("/en/").content.decode())["header"]["src"].endswith(".svg")


# Sharing ------------------------------------------------------------------------------------


def test_pages_without_an_image_are_shared_with_the_site_card(client, home_page):
    StandardPageFactory(parent=home_page, slug="contact")
    for path in ("/en/", "/en/contact/", "/en/search/"):
        html = client.get(path).content.decode()
        assert (
            '<meta property="og:image" content="http://localhost/static/img/social-card.png">'
            in html
        )
        assert (
            '<meta name="twitter:image" content="http://localhost/static/img/social-card.png">'
            in html
        )
    assert client.get("/static/img/social-card.png").status_code == 200
    with Image.open(STATIC / "img" / "social-card.png") as card:
        assert card.size == (1200, 630)


# Icons --------------------------------------------------------------------------------------


def test_icons_have_their_declared_sizes(client, home_page):
    html = client.get("/en/").content.decode()
    assert '<link rel="apple-touch-icon" href="/static/img/apple-touch-icon.png">' in html
    assert '<link rel="icon" href="/static/img/icon.svg" type="image/svg+xml">' in html
    with Image.open(STATIC / "img" / "apple-touch-icon.png") as icon:
        assert icon.size == (180, 180)
        assert icon.mode == "RGB"  # iOS shows transparency as black
    with Image.open(STATIC / "img" / "favicon.ico") as favicon:
        assert favicon.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    svg = (STATIC / "img" / "icon.svg").read_text()
    assert "prefers-color-scheme:dark" in svg

    manifest = json.loads(client.get("/en/manifest.webmanifest").content)
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
                assert "{}x{}".format(*image.size) == icon["sizes"], icon["src"]
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes


def test_the_maskable_icon_keeps_the_shield_inside_the_safe_zone():
    with Image.open(STATIC / "img" / "icon-maskable-512.png") as icon:
        icon = icon.convert("RGB")
        navy = icon.getpixel((0, 0))
        shield = [
            (x, y)
            for y in range(0, 512, 4)
            for x in range(0, 512, 4)
            if sum(abs(a - b) for a, b in zip(icon.getpixel((x, y)), navy, strict=True)) > 60
        ]
    assert shield
    # Every mask keeps the circle of 40% of the size around the middle.
    assert max(((x - 256) ** 2 + (y - 256) ** 2) ** 0.5 for x, y in shield) <= 0.4 * 512


def test_favicon_answers_get_and_head(client, db):
    for method in (client.get, client.head):
        response = method("/favicon.ico")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/x-icon"
    assert client.get("/favicon.ico").content == (STATIC / "img" / "favicon.ico").read_bytes()


# Fonts --------------------------------------------------------------------------------------

FONT_FACE = re.compile(r"@font-face\s*{(?P<body>[^}]*)}")


def font_faces():
    """[{descriptor: value}] of the @font-face rules at the top of static/css/site.css."""
    css = re.sub(r"/\*.*?\*/", "", (STATIC / "css" / "site.css").read_text(), flags=re.S)
    faces = []
    for match in FONT_FACE.finditer(css):
        descriptors = {}
        for declaration in match["body"].split(";"):
            name, _, value = declaration.partition(":")
            if name.strip():
                descriptors[name.strip()] = " ".join(value.split())
        faces.append(descriptors)
    return faces


def test_the_fonts_folder_holds_only_woff2_files_and_their_licences():
    names = sorted(path.name for path in (STATIC / "fonts").iterdir())
    assert {name for name in names if not name.endswith(".woff2")} == {
        "LICENSE-source-sans-3.txt",
        "LICENSE-source-serif-4.txt",
    }
    for name in names:
        if name.startswith("LICENSE"):
            assert "SIL Open Font License" in (STATIC / "fonts" / name).read_text()


def test_every_font_face_points_at_a_file_that_exists_and_swaps():
    faces = font_faces()
    web_fonts = [face for face in faces if "url(" in face["src"]]
    assert {(f["font-family"], f["font-weight"], f["font-style"]) for f in web_fonts} == {
        ('"Source Serif 4"', "400", "normal"),
        ('"Source Serif 4"', "400", "italic"),
        ('"Source Serif 4"', "600", "normal"),
        ('"Source Sans 3"', "400", "normal"),
        ('"Source Sans 3"', "600", "normal"),
    }
    for face in web_fonts:
        assert face["font-display"] == "swap"
        [url] = re.findall(r'url\("\.\./(fonts/[^"]+\.woff2)"\)', face["src"])
        assert (STATIC / url).is_file(), url
    fallbacks = [face for face in faces if "url(" not in face["src"]]
    assert fallbacks and all(face["src"].startswith("local(") for face in fallbacks)
    assert all("size-adjust" in face for face in fallbacks)


def test_every_font_file_has_the_serbian_letters():
    for path in (STATIC / "fonts").glob("*.woff2"):
        characters = TTFont(path).getBestCmap()
        missing = [letter for letter in SERBIAN_LETTERS if ord(letter) not in characters]
        assert not missing, f"{path.name} lacks {missing}"


def test_the_preloaded_fonts_are_the_faces_of_text_and_headings(client, home_page):
    html = client.get("/en/").content.decode()
    preloads = re.findall(r'<link rel="preload" href="/static/([^"]+)" as="font"[^>]*>', html)
    assert preloads == ["fonts/source-sans-3-400.woff2", "fonts/source-serif-4-600.woff2"]
    assert html.count('type="font/woff2" crossorigin>') == 2
    faces = {
        re.search(r"fonts/[^\"]+", face["src"])[0]: (face["font-family"], face["font-weight"])
        for face in font_faces()
        if "url(" in face["src"]
    }
    assert faces[preloads[0]] == ('"Source Sans 3"', "400")
    assert faces[preloads[1]] == ('"Source Serif 4"', "600")
    # The faces are declared in the site's one stylesheet: no extra request before the page shows.
    stylesheets = re.findall(r'<link rel="stylesheet" href="/static/css/([^"]+)">', html)
    assert stylesheets == ["site.css"]
    # Nothing is fetched from another origin.
    fetched = re.findall(r'<link rel="(?:stylesheet|preload|icon|manifest)" href="([^"]+)"', html)
    fetched += re.findall(r'<script src="([^"]+)"', html)
    assert fetched and all(url.startswith("/") and not url.startswith("//") for url in fetched)


def test_the_brand_images_are_what_the_generator_draws(tmp_path):
    call_command("make_brand_images", output=str(tmp_path), stdout=io.StringIO())
    assert (tmp_path / "icon.svg").read_text() == (STATIC / "img" / "icon.svg").read_text()
    for name in ("icon-192.png", "icon-512.png", "icon-maskable-512.png", "apple-touch-icon.png"):
        with Image.open(tmp_path / name) as drawn, Image.open(STATIC / "img" / name) as committed:
            assert drawn.size == committed.size, name
            assert drawn.tobytes() == committed.tobytes(), name
    with Image.open(tmp_path / "social-card.png") as drawn:
        assert drawn.size == (1200, 630)
