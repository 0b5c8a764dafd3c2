"""The PDF download button: its size, kept when the PDF is saved, and its page count, counted
by the task that reads the PDF once the save commits."""

import io
import re
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from pypdf import PdfWriter

from publications import pdf_contents
from publications.models import PublicationDocument
from publications.pdf import pdf_page_count
from publications.templatetags.publication_tags import pdf_download_label
from tests.support.factories import PublicationPageFactory


def pdf_bytes(pages, password=None):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password is not None:
        writer.encrypt(user_password=password, owner_password="owner-secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def make_document(db, django_capture_on_commit_callbacks):
    """A PDF document saved as an editor saves one, its tasks run once the save commits."""

    def make(pages, name="report.pdf", **encryption):
        return saved(
            django_capture_on_commit_callbacks,
            PublicationDocument(
                title="Report", file=ContentFile(pdf_bytes(pages, **encryption), name=name)
            ),
        )

    return make


def saved(capture, document):
    with capture(execute=True):
        document.save()
    document.refresh_from_db()
    return document


def plain(text):
    return text.replace("\xa0", " ")


def test_the_page_count_is_kept_with_the_document_when_it_is_saved(
    make_document, django_capture_on_commit_callbacks
):
    document = make_document(36)
    assert document.page_count == 36
    assert document.file_size == len(document.file.read())

    document.file = ContentFile(pdf_bytes(3), name="report-v2.pdf")
    assert saved(django_capture_on_commit_callbacks, document).page_count == 3


def test_pages_never_read_the_pdf(client, publication_index, make_document, monkeypatch):
    page = PublicationPageFactory(parent=publication_index, slug="report", pdf=make_document(36))

    def unexpected(*args, **kwargs):
        raise AssertionError("the PDF was read while serving a page")

    monkeypatch.setattr(pdf_contents, "read_pdf_text", unexpected)
    monkeypatch.setattr(PublicationDocument, "save", unexpected)
    html = client.get(page.url).content.decode()
    labels = re.findall(r'class="button download__button"[^>]*>([^<]*)</a>', html)
    assert len(labels) == 2  # by the title, and again after the text
    for label in labels:
        assert re.fullmatch(r"Download PDF · \d+(\.\d)? KB · 36 pages", plain(label))


def test_a_pdf_that_opens_only_with_a_password_has_no_page_count(make_document):
    assert make_document(2, password="reader-secret").page_count is None
    assert make_document(2, password="").page_count == 2  # only printing or copying restricted


def test_a_broken_pdf_has_no_page_count(db, django_capture_on_commit_callbacks):
    broken = saved(
        django_capture_on_commit_callbacks,
        PublicationDocument(
            title="Broken", file=ContentFile(b"%PDF-1.4 not really", name="broken.pdf")
        ),
    )
    assert broken.page_count is None
    assert pdf_page_count(broken.file) is None
    assert plain(pdf_download_label(broken)) == "Download PDF · 19 bytes"


def test_other_documents_have_no_page_count(db, django_capture_on_commit_callbacks):
    sheet = saved(
        django_capture_on_commit_callbacks,
        PublicationDocument(
            title="Data", file=ContentFile(b"year,count\n2020,3\n", name="data.csv")
        ),
    )
    assert sheet.page_count is None


@pytest.mark.parametrize(
    ("language", "size", "pages", "label"),
    [
        ("en", 1_234_567, 1, "Download PDF · 1.2 MB · 1 page"),
        ("en", 1_234_567, 36, "Download PDF · 1.2 MB · 36 pages"),
        ("en", 2048, 1234, "Download PDF · 2.0 KB · 1,234 pages"),
        ("sr", 1_234_567, 36, "Preuzmite PDF · 1,2 MB · 36 strana"),
        ("sr", 1_234_567, 1, "Preuzmite PDF · 1,2 MB · 1 strana"),
        ("sr", 1_234_567, 2, "Preuzmite PDF · 1,2 MB · 2 strane"),
        ("sr", 1_234_567, 5, "Preuzmite PDF · 1,2 MB · 5 strana"),
        ("sr", 1_234_567, 11, "Preuzmite PDF · 1,2 MB · 11 strana"),
        ("sr", 1_234_567, 21, "Preuzmite PDF · 1,2 MB · 21 strana"),
        ("sr", 1_234_567, 22, "Preuzmite PDF · 1,2 MB · 22 strane"),
        ("sr", 2048, 1234, "Preuzmite PDF · 2,0 KB · 1.234 strane"),
        ("sr", None, None, "Preuzmite PDF"),
    ],
)
def test_the_button_speaks_the_reader_s_language(language, size, pages, label):
    missing_file = SimpleNamespace(size=None)
    document = SimpleNamespace(file_size=size, page_count=pages, file=missing_file)
    with translation.override(language):
        assert plain(pdf_download_label(document)) == label
