"""Draw the favicons, app icons and default social card (static/img/) from the mark.

The files are committed; run this (``make brand-images``) after changing the mark in
bcsp_site/brand.py or the fonts. The same inputs give the same files. The social card
carries the organisation's default names (ORGANISATION_DEFAULTS) in both languages; editors
who rename the organisation upload their own card under Settings › Organisation.
"""

import io
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageChops, ImageDraw

from bcsp_site.brand import (
    FIGURE,
    GRID,
    MARK,
    NAVY,
    SANS_400,
    SERIF_600,
    SQUARE,
    load_font,
    polygons,
    svg_path,
)
from bcsp_site.core.organisation import ORGANISATION_DEFAULTS

WHITE = "#ffffff"
SOFT = "#c9d4e3"  # the second line of the social card, light on navy
OVERSAMPLE = 8  # shapes are drawn this many times larger, then scaled down (anti-aliasing)


def draw_shapes(size, commands, colour, scale, dx=0, dy=0, image=None):
    """Fill `commands` (even-odd, as in the SVG) at `scale` pixels per grid unit."""
    big = Image.new("1", (size * OVERSAMPLE, size * OVERSAMPLE), 0)
    for shape in polygons(commands, scale * OVERSAMPLE, dx * OVERSAMPLE, dy * OVERSAMPLE):
        layer = Image.new("1", big.size, 0)
        ImageDraw.Draw(layer).polygon(shape, fill=1)
        big = ImageChops.logical_xor(big, layer)
    coverage = big.convert("L").resize((size, size), Image.Resampling.BOX)
    if image is None:
        image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    image.paste(Image.new("RGBA", (size, size), colour), (0, 0), coverage)
    return image


def icon(size, inset=0.0):
    """The mark on its navy square, full bleed; `inset` shrinks the shield (maskable icons
    keep everything inside the middle 80%)."""
    image = Image.new("RGBA", (size, size), NAVY)
    scale = size / GRID * (1 - inset)
    offset = size * inset / 2
    return draw_shapes(size, FIGURE, WHITE, scale, offset, offset, image)


def png_bytes(image, **options):
    data = io.BytesIO()
    image.save(data, format="PNG", optimize=True, **options)
    return data.getvalue()


def icon_svg():
    """The favicon as SVG: a navy square with a white shield, turned to white on navy when
    the browser's own interface is dark."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48">'
        f"<style>.ground{{fill:{NAVY}}}.figure{{fill:{WHITE}}}"
        f"@media (prefers-color-scheme:dark){{.ground{{fill:{WHITE}}}.figure{{fill:{NAVY}}}}}"
        "</style>"
        f'<path class="ground" d="{svg_path(SQUARE)}"/>'
        f'<path class="figure" fill-rule="evenodd" d="{svg_path(FIGURE)}"/>'
        "</svg>\n"
    )


def fit(text, face, size, width):
    """The largest font size up to `size` at which `text` fits in `width` pixels."""
    while size > 12 and load_font(face, size).getlength(text) > width:
        size -= 1
    return load_font(face, size)


def social_card():
    """1200×630: the mark, the short name, and the name in both languages, on navy."""
    width, height = 1200, 630
    card = Image.new("RGB", (width, height), NAVY)
    mark_size, left, top = 168, 96, 120
    mark = draw_shapes(mark_size, MARK, WHITE, mark_size / GRID)
    card.paste(mark, (left, top), mark)
    english, serbian = ORGANISATION_DEFAULTS["en"], ORGANISATION_DEFAULTS["sr"]
    draw = ImageDraw.Draw(card)
    text_left = left + mark_size + 56
    draw.text(
        (text_left, top + mark_size),
        english["short_name"],
        font=load_font(SERIF_600, 96),
        fill=WHITE,
        anchor="ls",
    )
    room = width - 2 * left
    english_name = fit(english["name"], SERIF_600, 56, room)
    serbian_name = fit(serbian["name"], SANS_400, 40, room)
    draw.text((left, top + 270), english["name"], font=english_name, fill=WHITE)
    draw.text((left, top + 350), serbian["name"], font=serbian_name, fill=SOFT)
    return card


class Command(BaseCommand):
    help = "Draw static/img/ favicons, app icons and the default social card from the mark."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "static" / "img"), help="Where to."
        )

    def handle(self, output, **options):
        output = Path(output)
        output.mkdir(parents=True, exist_ok=True)
        files = {
            "icon.svg": icon_svg().encode(),
            "icon-192.png": png_bytes(icon(192)),
            "icon-512.png": png_bytes(icon(512)),
            "icon-maskable-512.png": png_bytes(icon(512, inset=0.2)),
            "apple-touch-icon.png": png_bytes(icon(180).convert("RGB")),
            "social-card.png": png_bytes(social_card()),
        }
        sizes = [icon(size) for size in (48, 32, 16)]
        favicon = io.BytesIO()
        sizes[0].save(
            favicon, format="ICO", sizes=[(48, 48), (32, 32), (16, 16)], append_images=sizes[1:]
        )
        files["favicon.ico"] = favicon.getvalue()
        for name, data in files.items():
            (output / name).write_bytes(data)
            self.stdout.write(f"{name}: {len(data)} bytes")
