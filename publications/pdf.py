import logging
import threading
from typing import NamedTuple

import pypdfium2
from pypdf import PdfReader

logger = logging.getLogger("bcsp.publications")

# Enough for search; a 300-page report's full text is not needed to find it. The settings
# PDF_TEXT_MAX_CHARS and PDF_TEXT_MAX_PAGES (publications.pdf_sandbox) pass these or others.
MAX_EXTRACTED_CHARS = 500_000
MAX_EXTRACTED_PAGES = 500


class PdfContents(NamedTuple):
    text: str  # "" when it cannot be read
    page_count: int | None  # None when it cannot be read


def read_pdf(file, *, max_pages=MAX_EXTRACTED_PAGES, max_chars=MAX_EXTRACTED_CHARS, name=None):
    """The text of the first `max_pages` pages (at most `max_chars` characters) and the
    number of pages of a PDF, read once. Never raises, except MemoryError: the child process
    that calls it (publications.pdf_sandbox) reports that as a limit reached.

    pypdf parses in this process without bounds of memory or time: call it only on trusted
    files, or through publications.pdf_sandbox."""
    name = name or getattr(file, "name", "")
    try:
        file.seek(0)
        reader = PdfReader(file)
        if reader.is_encrypted:
            logger.warning("Skipping text extraction for encrypted PDF %s", name)
            return PdfContents("", encrypted_page_count(reader))
        parts, size = [], 0
        for number, pdf_page in enumerate(reader.pages):
            if number >= max_pages:
                break
            text = pdf_page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size >= max_chars:
                break
        text = "\n".join(parts)[:max_chars].replace("\x00", "")
        return PdfContents(text, len(reader.pages))
    except MemoryError:
        raise
    except Exception:  # a broken upload simply has no text
        logger.warning("Could not extract text from PDF %s", name, exc_info=True)
        return PdfContents("", None)


def encrypted_page_count(reader):
    """Pages of an encrypted PDF that opens without a password (only printing or copying
    is restricted), else None."""
    try:
        reader.decrypt("")
        return len(reader.pages)
    except Exception:  # noqa: BLE001 - a locked file simply has no known page count
        return None


def pdf_page_count(file):
    """The number of pages of a PDF, or None when it cannot be read (never raises). In
    process: migration 0006 counted the pages of the documents it found with it."""
    try:
        with file.open("rb"):
            reader = PdfReader(file)
            if reader.is_encrypted:
                return encrypted_page_count(reader)
            return len(reader.pages)
    except Exception:  # noqa: BLE001 - an unreadable file simply has no known page count
        logger.warning("Could not count the pages of PDF %s", file.name, exc_info=True)
        return None


# The first page as a picture -----------------------------------------------------------------

# A4 portrait at 150 dpi: sharp enough for the largest cover the pages show (600 px wide, at
# twice the density on high-resolution screens).
FIRST_PAGE_WIDTH = 1240
# However the page is shaped, the picture is never taller than this (a strip of a page a
# metre long is still only ~15 MB of pixels while it is made).
FIRST_PAGE_MAX_HEIGHT = 3 * FIRST_PAGE_WIDTH
# PDFium must not be called from two threads at once (a server may run several).
_pdfium = threading.Lock()


def render_first_page(
    source, width=FIRST_PAGE_WIDTH, max_height=FIRST_PAGE_MAX_HEIGHT, *, name=None
):
    """The first page of a PDF (a path or a binary file) as an RGB Pillow image `width`
    pixels wide (narrower if the page is so tall that it would exceed `max_height`), or None
    when the PDF cannot be read or has no pages. Only page 1 is ever parsed for drawing;
    never raises, except MemoryError (as read_pdf).

    PDFium draws in this process without bounds of memory or time: call it only on trusted
    files, or through publications.pdf_sandbox."""
    try:
        with _pdfium:
            document = pypdfium2.PdfDocument(source)
            try:
                if len(document) == 0:
                    return None
                page = document[0]
                try:
                    page_width, page_height = page.get_size()
                    if not (page_width > 0 and page_height > 0):
                        return None
                    scale = min(width / page_width, max_height / page_height)
                    if min(page_width, page_height) * scale < 1:
                        return None  # a sliver, not a page
                    bitmap = page.render(scale=scale, may_draw_forms=False)
                    return bitmap.to_pil().convert("RGB")
                finally:
                    page.close()
            finally:
                document.close()
    except MemoryError:
        raise
    except Exception:  # a broken or hostile upload simply has no picture of its first page
        logger.warning("Could not render the first page of PDF %s", name or source, exc_info=True)
        return None


# The demo's and tests' PDFs ----------------------------------------------------------------

A4_WIDTH, A4_HEIGHT = 595, 842
MARGIN = 56
NAVY = "0.043 0.145 0.251"  # #0b2540
LIGHT = "0.62 0.71 0.81"
PANEL_BOTTOM = 150
DEFAULT_ORGANISATION = "Belgrade Centre for Security Policy"

# The standard fonts' WinAnsiEncoding lacks some Serbian Latin letters. Đ is written as the
# identical-looking Eth; č, ć and đ as their base letter with a caron, an acute or a bar (a
# lowered macron) put over it from a font of marks (/M1, /M2). Each mark's advance width
# ends it where its base letter ends, so the text flows on without jumps, and the fonts'
# ToUnicode maps make copied or indexed text read "c" + combining caron, "d" + combining
# stroke (publications.text folds those like č and đ) and Đ.
MARKED = {"č": 1, "ć": 2, "Č": 3, "Ć": 4, "đ": 5}
# mark code: (base letter, glyph, centre as a share of the base letter's width, rise in
# thousandths of the font size)
MARKS = {
    1: ("c", "caron", 0.5, 0),
    2: ("c", "acute", 0.5, 0),
    3: ("C", "caron", 0.5, 190),
    4: ("C", "acute", 0.5, 190),
    5: ("d", "macron", 0.8, -40),
}
MARK_UNICODE = {1: "030C", 2: "0301", 3: "030C", 4: "0301", 5: "0335"}
MARK_WIDTH = 333
# Advance widths of the base letters (1/1000 of the size), from the fonts' Adobe metrics.
BASE_WIDTHS = {"F1": {"c": 500, "C": 722, "d": 556}, "F2": {"c": 556, "C": 722, "d": 611}}
FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold"}
ETH = str.maketrans({"Đ": "\xd0"})


def mark_start(font, code):
    """Where mark `code` starts, from its base letter's origin (1/1000 of the size)."""
    base, _glyph, centre, _rise = MARKS[code]
    return BASE_WIDTHS[font][base] * centre - MARK_WIDTH / 2


def mark_advance(font, code):
    """The mark's advance width: from where it starts to where its base letter ends."""
    return BASE_WIDTHS[font][MARKS[code][0]] - mark_start(font, code)


def to_unicode_cmap(mapping):
    """A ToUnicode CMap stream body for single-byte codes: {code: "hex UTF-16"}."""
    chars = "\n".join(f"<{code:02X}> <{unicode}>" for code, unicode in mapping.items())
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
        f"{len(mapping)} beginbfchar\n{chars}\nendbfchar\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode("ascii")


def pdf_string(codes):
    """Character codes as a PDF string literal."""
    out = []
    for code in codes:
        if chr(code) in "()\\":
            out.append("\\" + chr(code))
        elif 32 <= code < 127:
            out.append(chr(code))
        else:
            out.append(f"\\{code:03o}")
    return "(" + "".join(out) + ")"


def shown(text, font, size, tracking=0):
    """Operators that show `text` in font F1 or F2 at the current point ("?" for characters
    the fonts cannot show)."""
    ops, codes = [], []
    for char in text.translate(ETH):
        if char not in MARKED:
            try:
                codes.append(char.encode("cp1252")[0])
            except UnicodeEncodeError:
                codes.append(ord("?"))
            continue
        code = MARKED[char]
        base, _glyph, _centre, rise = MARKS[code]
        back = mark_advance(font, code) + tracking * 1000 / size
        rise = rise * size / 1000
        ops += [
            f"{pdf_string([*codes, ord(base)])} Tj [{back:.1f}] TJ",
            f"/M{font[1]} {size} Tf {rise:.2f} Ts {pdf_string([code])} Tj 0 Ts /{font} {size} Tf",
        ]
        codes = []
    if codes:
        ops.append(f"{pdf_string(codes)} Tj")
    return " ".join(ops)


def text_width(text, size, bold=False):
    """Roughly how wide `text` is in Helvetica (never narrower than it is), in points."""
    units = 0
    for char in text:
        if char in " ijl.,:;'|!":
            units += 280
        elif char in "frtI()-[]/":
            units += 390
        elif char in "mwMW@":
            units += 950
        elif char.isupper():
            units += 780 if bold else 730
        else:
            units += 620 if bold else 570
    return units * size / 1000


def wrap(text, size, width, bold=False):
    """`text` in lines no wider than `width` points."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and text_width(candidate, size, bold) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def text_at(text, x, y, font, size, colour, tracking=0):
    return (
        f"BT /{font} {size} Tf {tracking} Tc {colour} rg {x} {y} Td "
        f"{shown(text, font, size, tracking)} ET"
    )


def cover_page(title, kind, organisation, year, subtitle):
    """Page 1: a report cover. On a navy panel the organisation, then the kind in small
    capitals and the title, set large and centred on the page's height (so a landscape cut
    of the middle, as social media show it, keeps them), and the year; `subtitle` (the
    authors, say) on the white strip below."""
    width = A4_WIDTH - 2 * MARGIN
    ops = [
        f"{NAVY} rg 0 {PANEL_BOTTOM} {A4_WIDTH} {A4_HEIGHT - PANEL_BOTTOM} re f",
        f"{NAVY} rg 0 0 {A4_WIDTH} 10 re f",
        text_at(organisation.upper(), MARGIN, 784, "F2", 10, "1 1 1", tracking=1.6),
        f"0.4 0.5 0.62 rg {MARGIN} 766 {width} 0.8 re f",
    ]
    # The largest size at which the title fits in six lines.
    for size in (40, 34, 28, 24, 20):
        lines = wrap(title, size, width, bold=True)[:6]
        if len(lines) < 6:
            break
    leading = round(size * 1.15)
    height = 60 + len(lines) * leading  # accent bar, kind and title
    top = A4_HEIGHT / 2 + height / 2 + 20
    ops.append(f"0.95 0.66 0.16 rg {MARGIN} {top - 6:.0f} 48 6 re f")
    if kind:  # in small capitals: capitals of a smaller size, spaced out
        ops.append(text_at(kind.upper(), MARGIN, round(top - 36), "F2", 12, LIGHT, tracking=2.4))
    y = round(top - 60 - size * 0.8)
    for line in lines:
        ops.append(text_at(line, MARGIN, y, "F2", size, "1 1 1"))
        y -= leading
    if year:
        ops.append(f"1 1 1 rg {MARGIN} {PANEL_BOTTOM + 76} 28 1.5 re f")
        ops.append(text_at(str(year), MARGIN, PANEL_BOTTOM + 44, "F1", 18, "1 1 1", tracking=1))
    y = PANEL_BOTTOM - 52
    for line in wrap(subtitle, 14, width, bold=True)[:2]:
        ops.append(text_at(line, MARGIN, y, "F2", 14, NAVY))
        y -= 19
    return "\n".join(ops)


def text_page(lines):
    """Page 2: the body text, wrapped, as much as fits on the page."""
    ops = [f"BT /F1 11 Tf 0.1 0.1 0.1 rg {MARGIN} 770 Td 16 TL"]
    wrapped = [part for line in lines for part in wrap(line, 11, A4_WIDTH - 2 * MARGIN) or [""]]
    for line in wrapped[:44]:
        ops.append(f"{shown(line, 'F1', 11)} T*")
    ops.append("ET")
    return "\n".join(ops)


def stream(content):
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def build_simple_pdf(
    lines, title="BCSP", *, kind="", organisation=DEFAULT_ORGANISATION, year=None, subtitle=""
):
    """A small two-page A4 PDF, for demo content and tests: a report cover (a navy panel with
    the organisation, the kind in small capitals, the title and the year; `subtitle` below
    it), then the given lines of text. Standard fonts only, nothing embedded."""
    pages = [
        cover_page(title, kind, organisation, year, subtitle).encode("latin-1"),
        text_page(lines).encode("latin-1"),
    ]
    # 1 catalogue, 2 page tree, 3-4 pages, 5-6 their contents, 7-8 text fonts, 9-10 mark
    # fonts, 11-12 ToUnicode maps (text, marks), 13 document information.
    resources = b"/Resources << /Font << /F1 7 0 R /F2 8 0 R /M1 9 0 R /M2 10 0 R >> >>"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] %s /Contents %d 0 R >>"
    text_fonts = [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding "
        b"/ToUnicode 11 0 R >>" % FONTS[name].encode()
        for name in ("F1", "F2")
    ]
    glyphs = " ".join(f"/{MARKS[code][1]}" for code in MARKS)
    mark_fonts = [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /FirstChar 1 /LastChar %d "
        b"/Widths [%s] /Encoding << /Differences [1 %s] >> /ToUnicode 12 0 R >>"
        % (
            FONTS[name].encode(),
            len(MARKS),
            " ".join(f"{mark_advance(name, code):.1f}" for code in MARKS).encode(),
            glyphs.encode(),
        )
        for name in ("F1", "F2")
    ]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        page % (A4_WIDTH, A4_HEIGHT, resources, 5),
        page % (A4_WIDTH, A4_HEIGHT, resources, 6),
        *(stream(content) for content in pages),
        *text_fonts,
        *mark_fonts,
        stream(to_unicode_cmap({0xD0: "0110"})),
        stream(to_unicode_cmap(MARK_UNICODE)),
        b"<< /Title <FEFF%s> >>" % title.encode("utf-16-be").hex().upper().encode(),
    ]
    return assemble_pdf(objects, info=len(objects))


def assemble_pdf(objects, info=None):
    """A PDF file of these object bodies (object 1 is the catalogue, object `info` the
    document's information, if given), with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    info_entry = b" /Info %d 0 R" % info if info else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        info_entry,
        xref,
    )
    return bytes(out)
