"""PDFs made for tests: one page per word, and hostile ones that a PDF library spends
unbounded memory and time on."""

import zlib

from publications.pdf import assemble_pdf

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def assemble(objects):
    """A PDF of these object bodies (1 is the catalogue), with a correct cross-reference."""
    return assemble_pdf(objects)


def stream(content, compressed=False):
    if compressed:
        content = zlib.compress(content, 9)
        return (
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
            + content
            + (b"\nendstream")
        )
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def pdf_of_pages(contents, compressed=False):
    """A PDF with one A4 page per content stream, all in Helvetica as /F1."""
    count = len(contents)
    font = 3 + 2 * count
    kids = b" ".join(b"%d 0 R" % (3 + index) for index in range(count))
    pages = [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, 3 + count + index)
        for index in range(count)
    ]
    return assemble(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
            *pages,
            *(stream(content, compressed) for content in contents),
            FONT,
        ]
    )


def one_word_a_page(words):
    """A PDF whose page n shows words[n] alone."""
    return pdf_of_pages([b"BT /F1 24 Tf 72 720 Td (%s) Tj ET" % word.encode() for word in words])


def operator_flood(decompressed_bytes):
    """One page whose content stream, a few kilobytes compressed, inflates to
    `decompressed_bytes` of text operators: millions of them. pypdf's text extraction
    spends seconds of CPU and hundreds of megabytes on five megabytes of it; seventy
    megabytes (a decompression bomb, within pypdf's own limit per stream) take gigabytes."""
    operators = b"BT /F1 1 Tf (a) Tj ET\n"
    return pdf_of_pages([operators * (decompressed_bytes // len(operators))], compressed=True)
