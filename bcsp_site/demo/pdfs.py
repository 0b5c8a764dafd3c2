"""The demo's PDFs: a report cover on page 1 (publications.pdf.build_simple_pdf), which
becomes the publication's cover once the background task has drawn it, then the text."""

from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from publications.pdf import build_simple_pdf


def pdf_lines(title, summary, text=None):
    """What the demo PDFs say after their cover: the title, the summary and the text."""
    return [title, "", summary, *([text] if text else [])]


def make_pdf(title, slug, lines, **cover):
    """The demo PDF titled `title` (PDF), made once (`cover`: see build_simple_pdf)."""
    document_model = get_document_model()
    document_title = f"{title} (PDF)"
    existing = document_model.objects.filter(title=document_title).first()
    if existing:
        return existing
    content = build_simple_pdf(lines, title=title, **cover)
    return document_model.objects.create(
        title=document_title, file=ContentFile(content, name=f"{slug[:60]}.pdf")
    )
