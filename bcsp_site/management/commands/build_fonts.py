"""Build the site's web fonts (static/fonts/) from the Fontsource npm packages.

``make fonts`` installs the pinned packages into build/fonts/ and runs this. Fontsource
splits every face into a "latin" file and a "latin-ext" file covering all of Latin Extended
(Vietnamese, African and phonetic letters, ~33 KB per face of the sans). The site needs
Latin plus the Central European letters of Serbian Latin (č ć đ š ž …), and English pages
show Serbian names too, so each face here is one file: Fontsource's latin file merged with
the Latin Extended-A letters of its latin-ext file, then subset once more with fontTools.
On a first visit to the home page that is 61 KB of fonts in three requests, where
Fontsource's own files would be 137 KB in six (and its variable fonts more still).

Needs the development extras (fontTools with WOFF2 support).
"""

import io
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# The families, and the faces the site uses: (weight, style).
FACES = {
    "source-serif-4": [(400, "normal"), (400, "italic"), (600, "normal")],
    "source-sans-3": [(400, "normal"), (600, "normal")],
}
# Fontsource's "latin" subset (its unicode.json), kept whole.
LATIN = (
    "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,"
    "U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD"
)
# Taken from "latin-ext": Latin Extended-A (Serbian, Croatian, Slovenian and the other
# Central European letters) and the spacing caron, breve and other accents.
EXTENDED = "U+0100-017F,U+02C7,U+02D8-02DD"
UNICODE_RANGE = f"{LATIN},{EXTENDED}"


def code_points(ranges):
    points = set()
    for part in ranges.split(","):
        first, _, last = part.removeprefix("U+").partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return sorted(points)


def font_name(family, weight, style):
    return f"{family}-{weight}{'-italic' if style == 'italic' else ''}.woff2"


class Command(BaseCommand):
    help = "Build static/fonts/ from the Fontsource packages installed by `make fonts`."

    def add_arguments(self, parser):
        parser.add_argument(
            "packages",
            help="The @fontsource folder of the npm install: build/fonts/node_modules/@fontsource.",
        )
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "static" / "fonts"), help="Where to."
        )

    def handle(self, packages, output, **options):
        try:
            # Here, not at the top: only the development extras install fontTools.
            from fontTools import subset
            from fontTools.merge import Merger
            from fontTools.ttLib import TTFont
        except ImportError as error:
            raise CommandError("Needs fontTools: make install-dev") from error
        packages, output = Path(packages), Path(output)
        output.mkdir(parents=True, exist_ok=True)
        for old in output.iterdir():
            if old.is_file():
                old.unlink()

        def plain(font):
            data = io.BytesIO()
            font.flavor = None
            font.recalcTimestamp = False  # the same packages give the same files
            font.save(data)
            data.seek(0)
            return data

        def subset_font(font, ranges):
            options = subset.Options()
            options.layout_features = ["*"]
            options.name_IDs = ["*"]
            options.notdef_outline = True
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=code_points(ranges))
            subsetter.subset(font)
            return font

        for family, faces in FACES.items():
            files = packages / family / "files"
            if not files.is_dir():
                raise CommandError(f"{files} is missing: run `make fonts`.")
            for weight, style in faces:
                stem = f"{family}-{{subset}}-{weight}-{style}.woff2"
                latin = TTFont(files / stem.format(subset="latin"), recalcTimestamp=False)
                extended = subset_font(
                    TTFont(files / stem.format(subset="latin-ext"), recalcTimestamp=False),
                    EXTENDED,
                )
                merged = Merger().merge([plain(latin), plain(extended)])
                # The merger dates the font today; keep the source's dates instead.
                merged["head"].created = latin["head"].created
                merged["head"].modified = latin["head"].modified
                font = subset_font(TTFont(plain(merged), recalcTimestamp=False), UNICODE_RANGE)
                font.flavor = "woff2"
                target = output / font_name(family, weight, style)
                font.save(target)
                self.stdout.write(f"{target.name}: {target.stat().st_size} bytes")
            shutil.copyfile(packages / family / "LICENSE", output / f"LICENSE-{family}.txt")
