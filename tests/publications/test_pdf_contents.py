"""A PDF's text and page count are read by a task once the document's save commits, never in
the request; in a child process whose limits stop a hostile PDF without stopping the
worker; and a task queued for a file that was replaced since changes nothing."""

import logging
import re

import pypdf
import pytest
from django.core.files.base import ContentFile
from wagtail.models import Collection

from publications import pdf_sandbox
from publications.covers import render_pdf_cover
from publications.models import PublicationDocument
from publications.pdf import build_simple_pdf
from publications.pdf_contents import read_pdf_contents
from tests.support.factories import PublicationPageFactory
from tests.support.pdfs import one_word_a_page, operator_flood

pytestmark = pytest.mark.django_db


def report(words):
    return build_simple_pdf([words], title="Annual report")


def found(client, query):
    response = client.get("/en/search/", {"q": query})
    return [publication.title for publication in response.context["results"]]


def save_pdf(capture, content, name="report.pdf", title="Report"):
    """A document saved in code, its tasks run once the save commits."""
    with capture(execute=True):
        document = PublicationDocument.objects.create(
            title=title, file=ContentFile(content, name=name)
        )
    document.refresh_from_db()
    return document


def run(callbacks):
    for callback in callbacks:
        callback()


@pytest.fixture
def nothing_parsed_here(monkeypatch):
    """Fails any attempt to parse a PDF, in this process or in a child."""

    def unexpected(*args, **kwargs):
        raise AssertionError("a PDF was parsed in the request")

    monkeypatch.setattr(pypdf, "PdfReader", unexpected)
    monkeypatch.setattr("publications.pdf.PdfReader", unexpected)
    monkeypatch.setattr(pdf_sandbox, "run_child", unexpected)
    return monkeypatch


def upload(admin_client, content, name="annual.pdf", title="Annual report"):
    return admin_client.post(
        "/admin/documents/add/",
        {
            "title": title,
            "file": ContentFile(content, name=name),
            "collection": Collection.get_first_root_node().pk,
        },
    )


# Never in the request -------------------------------------------------------------------------


def test_the_admin_upload_returns_before_the_pdf_is_read_and_the_task_makes_it_searchable(
    admin_client, client, publication_index, nothing_parsed_here, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(admin_client, report("Procurement of drones in Zrenjanin"))
    assert response.status_code == 302
    document = PublicationDocument.objects.get(title="Annual report")
    assert (document.extracted_text, document.page_count) == ("", None)
    assert document.file_size == document.file.size  # storage metadata, kept at once

    with django_capture_on_commit_callbacks(execute=True):
        page = PublicationPageFactory(parent=publication_index, title="Drones", pdf=document)
        page.save_revision().publish()
    assert found(client, "Zrenjanin") == []
    label = re.search(r'download__button"[^>]*>([^<]*)<', client.get(page.url).content.decode())
    assert "pages" not in label[1]  # unknown until the task has run

    nothing_parsed_here.undo()
    run(callbacks)
    document.refresh_from_db()
    assert "Zrenjanin" in document.extracted_text
    assert document.page_count == 2
    assert found(client, "zrenjanin drones") == ["Drones"]
    label = re.search(r'download__button"[^>]*>([^<]*)<', client.get(page.url).content.decode())
    assert label[1].replace("\xa0", " ").endswith("· 2 pages")  # the kept page went stale


def test_the_multiple_upload_only_queues_the_reading(
    admin_client, nothing_parsed_here, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            "/admin/documents/multiple/add/",
            {"files[]": ContentFile(report("Border policing in Subotica"), name="border.pdf")},
        )
    assert response.status_code == 200
    assert response.json()["success"]
    document = PublicationDocument.objects.get()
    assert document.page_count is None

    nothing_parsed_here.undo()
    run(callbacks)
    document.refresh_from_db()
    assert "Subotica" in document.extracted_text
    assert document.page_count == 2


def test_replacing_the_file_in_the_admin_reads_the_new_one_in_the_task(
    admin_client, django_capture_on_commit_callbacks, request
):
    document = save_pdf(django_capture_on_commit_callbacks, report("Old findings"))
    nothing_parsed_here = request.getfixturevalue("nothing_parsed_here")
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            f"/admin/documents/edit/{document.pk}/",
            {
                "title": "Report",
                "file": ContentFile(report("Findings about Kikinda"), name="report-v2.pdf"),
                "collection": document.collection_id,
            },
        )
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.extracted_text, document.page_count) == ("", None)  # the old file's gone

    nothing_parsed_here.undo()
    run(callbacks)
    document.refresh_from_db()
    assert "Kikinda" in document.extracted_text
    assert "Old findings" not in document.extracted_text


def test_documents_that_are_not_pdfs_start_no_reader(
    nothing_parsed_here, django_capture_on_commit_callbacks
):
    sheet = save_pdf(django_capture_on_commit_callbacks, b"year,count\n2020,3\n", "data.csv")
    assert (sheet.extracted_text, sheet.page_count) == ("", None)


# A task for a file replaced since --------------------------------------------------------------


def test_a_stale_task_does_not_overwrite_the_newer_file_s_results(
    admin_client, django_capture_on_commit_callbacks
):
    """Wagtail's form deletes the old file before storing the new one, so the new file can
    take the very same name: the task knows its file by the bytes' hash as well."""
    file_name = "stale-task-report.pdf"  # used by no other test: the media folder outlives tests
    with django_capture_on_commit_callbacks() as first:
        upload(admin_client, report("First draft about Valjevo"), name=file_name)
    document = PublicationDocument.objects.get()
    first_name = document.file.name
    with django_capture_on_commit_callbacks() as second:
        admin_client.post(
            f"/admin/documents/edit/{document.pk}/",
            {
                "title": "Annual report",
                "file": ContentFile(report("Final text about Vranje"), name=file_name),
                "collection": document.collection_id,
            },
        )
    document.refresh_from_db()
    assert document.file.name == first_name  # the same name, other bytes

    run(second)
    run(first)  # late: the worker was busy
    document.refresh_from_db()
    assert "Vranje" in document.extracted_text
    assert "Valjevo" not in document.extracted_text


def test_a_task_for_a_file_that_was_replaced_stores_nothing(django_capture_on_commit_callbacks):
    document = save_pdf(django_capture_on_commit_callbacks, report("Findings about Pirot"))
    old_name, old_hash = document.file.name, document.file_hash
    document.file = ContentFile(report("Findings about Sombor"), name="report-v2.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        document.save()
    assert read_pdf_contents.call(document.pk, old_name, old_hash) is False
    document.refresh_from_db()
    assert "Sombor" in document.extracted_text
    assert "Pirot" not in document.extracted_text


def test_the_task_may_run_twice(client, publication_index, django_capture_on_commit_callbacks):
    document = save_pdf(django_capture_on_commit_callbacks, report("Police reform in Novi Pazar"))
    with django_capture_on_commit_callbacks(execute=True):
        PublicationPageFactory(
            parent=publication_index, title="Police reform", pdf=document
        ).save_revision().publish()
    arguments = (document.pk, document.file.name, document.file_hash)
    assert read_pdf_contents.call(*arguments) is True
    assert read_pdf_contents.call(*arguments) is True
    again = PublicationDocument.objects.get(pk=document.pk)
    assert (again.extracted_text, again.page_count) == (document.extracted_text, 2)
    assert found(client, "Novi Pazar") == ["Police reform"]


def test_a_deleted_document_s_task_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        document = PublicationDocument.objects.create(
            title="Report", file=ContentFile(report("Gone"), name="gone.pdf")
        )
    document.delete()
    run(callbacks)
    assert not PublicationDocument.objects.exists()


# Limits -------------------------------------------------------------------------------------------


def test_text_is_taken_from_the_first_pages_only(settings, django_capture_on_commit_callbacks):
    settings.PDF_TEXT_MAX_PAGES = 2
    document = save_pdf(
        django_capture_on_commit_callbacks, one_word_a_page(["Alpha", "Bravo", "Charlie", "Delta"])
    )
    assert document.extracted_text.split() == ["Alpha", "Bravo"]
    assert document.page_count == 4  # counted all the same


def test_text_is_cut_at_the_character_limit(settings, django_capture_on_commit_callbacks):
    settings.PDF_TEXT_MAX_CHARS = 8
    document = save_pdf(django_capture_on_commit_callbacks, one_word_a_page(["Alphabetical"]))
    assert document.extracted_text == "Alphabet"


@pytest.mark.parametrize(
    ("limits", "flood", "reason"),
    [
        # Millions of text operators: seconds of CPU.
        ({"PDF_PARSE_CPU_SECONDS": 1}, 5_000_000, "seconds of CPU time"),
        # A decompression bomb: 70 MB of operators from a few kilobytes.
        ({"PDF_PARSE_MEMORY_MB": 160}, 70_000_000, "MB of memory"),
        # Whatever keeps the reader busy past the wall-clock limit is killed too.
        ({"PDF_PARSE_TIMEOUT_SECONDS": 1}, 5_000_000, "took longer than 1 seconds"),
    ],
    ids=["cpu", "memory", "wall-clock"],
)
def test_a_hostile_pdf_is_stopped_and_the_worker_goes_on(
    settings, caplog, django_capture_on_commit_callbacks, limits, flood, reason
):
    defaults = {name: getattr(settings, name) for name in limits}
    for name, value in limits.items():
        setattr(settings, name, value)
    with caplog.at_level(logging.WARNING, logger="bcsp.publications"):
        hostile = save_pdf(django_capture_on_commit_callbacks, operator_flood(flood), "bomb.pdf")
    assert (hostile.extracted_text, hostile.page_count) == ("", None)
    assert f"Gave up reading PDF {hostile.file.name}" in caplog.text
    assert reason in caplog.text

    # The same worker reads the next PDF as usual.
    for name, value in defaults.items():
        setattr(settings, name, value)
    document = save_pdf(django_capture_on_commit_callbacks, report("Demining in Bujanovac"))
    assert "Bujanovac" in document.extracted_text


def test_the_first_page_of_a_hostile_pdf_is_not_drawn(
    settings, caplog, django_capture_on_commit_callbacks
):
    settings.PDF_PARSE_CPU_SECONDS = 1
    with django_capture_on_commit_callbacks() as callbacks:
        hostile = PublicationDocument.objects.create(
            title="Bomb", file=ContentFile(operator_flood(70_000_000), name="bomb.pdf")
        )
    with caplog.at_level(logging.WARNING, logger="bcsp.publications"):
        assert render_pdf_cover.call(hostile.pk) is None
    assert "Gave up reading PDF" in caplog.text
    hostile.refresh_from_db()
    assert hostile.first_page_image is None
    del callbacks


def test_the_child_gets_none_of_the_worker_s_secrets(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "do-not-pass-this-on")
    assert "SECRET_KEY" not in pdf_sandbox.child_environment()
    assert set(pdf_sandbox.child_environment()) == {"PATH", "PYTHONPATH"}
