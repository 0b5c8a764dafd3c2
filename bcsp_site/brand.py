"""The organisation's mark and wordmark, drawn from one description.

The mark is a square with a shield cut out of it, the shield's right half filled again.
It is described once, as path commands on a 48-unit grid, and drawn from that description
as SVG (the wordmark in templates/components/logo.html, static/img/icon.svg) and as
pixels (the favicons, app icons and the social card, `manage.py make_brand_images`).

The wordmark sets the short name and the name as SVG text in the site's fonts. SVG text
does not wrap or grow its box, so the box is measured here with the font files themselves,
and each line is given that length (`textLength`): while the web font loads, or wherever it
cannot, the local stand-in is spaced to the same width instead of spilling out of the box.
"""

from dataclasses import dataclass
from functools import cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from PIL import ImageFont

NAVY = "#0b2540"
GRID = 48

# Path commands on the 48-unit grid: ("M", x, y), ("L", x, y), ("C", x1, y1, x2, y2, x, y), ("Z",).
SQUARE = [("M", 0, 0), ("L", 48, 0), ("L", 48, 48), ("L", 0, 48), ("Z",)]
SHIELD = [
    ("M", 12, 9),
    ("L", 36, 9),
    ("L", 36, 24),
    ("C", 36, 32, 30.5, 37.5, 24, 41),
    ("C", 17.5, 37.5, 12, 32, 12, 24),
    ("Z",),
]
SHIELD_RIGHT_HALF = [
    ("M", 24, 14),
    ("L", 31, 14),
    ("L", 31, 24),
    ("C", 31, 29, 27.8, 33, 24, 35.4),
    ("Z",),
]
# The shield: its outline and left half, that is the whole shield less its inner right half.
FIGURE = SHIELD + SHIELD_RIGHT_HALF
# The mark in one colour (fill-rule evenodd): the square with the figure cut out.
MARK = SQUARE + FIGURE


def _number(value):
    return f"{value:g}"


def svg_path(commands, scale=1, dx=0, dy=0):
    """The `d` attribute of an SVG path for these commands."""
    parts = []
    for command, *coordinates in commands:
        points = [
            _number(dx + value * scale if index % 2 == 0 else dy + value * scale)
            for index, value in enumerate(coordinates)
        ]
        parts.append(command + " ".join(points))
    return "".join(parts)


def polygons(commands, scale=1, dx=0, dy=0, steps=24):
    """The commands as closed polygons of points, curves flattened, for drawing with Pillow."""
    shapes, points = [], []
    for command, *coordinates in commands:
        if command == "M":
            points = [(coordinates[0], coordinates[1])]
        elif command == "L":
            points.append((coordinates[0], coordinates[1]))
        elif command == "C":
            (x0, y0), (x1, y1, x2, y2, x3, y3) = points[-1], coordinates
            for step in range(1, steps + 1):
                t = step / steps
                u = 1 - t
                points.append(
                    (
                        u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                        u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
                    )
                )
        elif command == "Z":
            shapes.append([(dx + x * scale, dy + y * scale) for x, y in points])
    return shapes


# The faces of the wordmark, with the families and local stand-ins of static/css/site.css.
SERIF_600 = "fonts/source-serif-4-600.woff2"
SANS_400 = "fonts/source-sans-3-400.woff2"
SERIF_STACK = (
    "'Source Serif 4', 'Source Serif 4 Fallback', 'Source Serif 4 Fallback Times', Georgia, serif"
)
SANS_STACK = "'Source Sans 3', 'Source Sans 3 Fallback', Arial, sans-serif"
MEASURE_SIZE = 1000


def font_path(name):
    """A font file of static/fonts/ (from the source folder, else the collected files)."""
    path = finders.find(name)
    return path or staticfiles_storage.path(name)


@cache
def load_font(name, size=MEASURE_SIZE):
    return ImageFont.truetype(font_path(name), size)


def text_width(text, face, size):
    """The advance width of `text` set in the font file `face` at `size` units."""
    try:
        font = load_font(face)
    except OSError:  # no font file: an average letter is about half an em wide
        return len(text) * size * 0.5
    return font.getlength(text) * size / MEASURE_SIZE


@dataclass(frozen=True)
class Wordmark:
    """What templates/components/logo.html needs to draw the wordmark."""

    short_name: str
    name: str
    width: float
    height: float = GRID
    mark_path: str = svg_path(MARK)
    text_x: float = 60
    short_name_y: float = 22
    short_name_size: float = 24
    short_name_length: float = 0
    name_y: float = 42
    name_size: float = 13
    name_length: float = 0
    serif: str = SERIF_STACK
    sans: str = SANS_STACK


@cache
def wordmark(short_name, name):
    """The wordmark's layout for these texts: the mark, then the short name over the name."""
    short_name_length = round(text_width(short_name, SERIF_600, 24), 1)
    name_length = round(text_width(name, SANS_400, 13), 1)
    return Wordmark(
        short_name=short_name,
        name=name,
        width=round(60 + max(short_name_length, name_length) + 1, 1),
        short_name_length=short_name_length,
        name_length=name_length,
    )
