import logging
from typing import NamedTuple

from pypdf import PdfReader

logger = logging.getLogger("bcsp.publications")

# Enough for search; a 300-page report's full text is not needed to find it.
MAX_EXTRACTED_CHARS = 500_000


class PdfContents(NamedTuple):
    text: str  # "" when it cannot be read
    page_count: int | None  # None when it cannot be read


def read_pdf(file):
    """The text and the number of pages of a PDF, read once (never raises)."""
    try:
        file.open("rb")
        file.seek(0)
        reader = PdfReader(file)
        if reader.is_encrypted:
            logger.warning("Skipping text extraction for encrypted PDF %s", file.name)
            return PdfContents("", encrypted_page_count(reader))
        parts, size = [], 0
        for pdf_page in reader.pages:
            text = pdf_page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size >= MAX_EXTRACTED_CHARS:
                break
        text = "\n".join(parts)[:MAX_EXTRACTED_CHARS].replace("\x00", "")
        return PdfContents(text, len(reader.pages))
    except Exception:  # a broken upload must never stop an editor saving the document
        logger.warning("Could not extract text from PDF %s", file.name, exc_info=True)
        return PdfContents("", None)
    finally:
        try:
            file.seek(0)
        except Exception:  # noqa: S110 - the file may already be closed
            pass


def encrypted_page_count(reader):
    """Pages of an encrypted PDF that opens without a password (only printing or copying
    is restricted), else None."""
    try:
        reader.decrypt("")
        return len(reader.pages)
    except Exception:  # noqa: BLE001 - a locked file simply has no known page count
        return None


def pdf_page_count(file):
    """The number of pages of a PDF, or None when it cannot be read (never raises)."""
    try:
        with file.open("rb"):
            reader = PdfReader(file)
            if reader.is_encrypted:
                return encrypted_page_count(reader)
            return len(reader.pages)
    except Exception:  # noqa: BLE001 - an unreadable file simply has no known page count
        logger.warning("Could not count the pages of PDF %s", file.name, exc_info=True)
        return None


def extract_pdf_text(file):
    """Return the text of a PDF, or "" when it cannot be read (never raises)."""
    return read_pdf(file).text


def build_simple_pdf(lines, title="BCSP"):
    """A minimal one-page PDF with the given lines of text (for demo content and tests)."""

    def escape(text):
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text_ops = ["BT", "/F1 12 Tf", "72 760 Td", "16 TL"]
    for line in lines:
        text_ops.append(f"({escape(line)}) Tj T*")
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (" + escape(title).encode("latin-1", "replace") + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
