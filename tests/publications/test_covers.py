"""Covers: a publication without a cover image shows the first page of its PDF, drawn in the
background after the PDF is saved, at portrait sizes in every list and on its own page."""

import io
import logging
import re

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks.signals import task_enqueued
from PIL import Image as PILImage
from PIL import ImageStat
from pypdf import PdfWriter
from wagtail.images import get_image_model
from wagtail.models import Collection

from bcsp_site.core.renditions import SOCIAL_RENDITION
from bcsp_site.models import HomeFeaturedPublication
from publications import covers
from publications.covers import (
    COVER_RENDITIONS,
    PDF_COVERS_COLLECTION,
    PREPARED_COVER_RENDITIONS,
    render_pdf_cover,
)
from publications.models import PublicationDocument
from publications.pdf import build_simple_pdf
from publications.templatetags.publication_tags import cover_renditions
from tests.support.factories import ImageFactory, OpEdPageFactory, PublicationPageFactory

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def report_pdf(title="The Security Sector in a Captured State", **cover):
    return build_simple_pdf(["Mechanisms, actors and consequences."], title=title, **cover)


def make_pdf(capture, title="Captured State", content=None, name="captured-state.pdf"):
    """A PDF document saved as an editor saves one, its tasks run once the save commits."""
    with capture(execute=True):
        document = PublicationDocument.objects.create(
            title=title, file=ContentFile(content or report_pdf(), name=name)
        )
    document.refresh_from_db()
    return document


def pixels(image):
    with image.open_file() as handle:
        picture = PILImage.open(handle)
        picture.load()
    return picture.convert("RGB")


def srcset_images(html):
    """The <img> tags with a srcset, as {attribute: value} dicts."""
    return [
        dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        for tag in re.findall(r"<img [^>]*srcset=[^>]*>", html)
    ]


# Drawing the first page ----------------------------------------------------------------------


def test_saving_a_pdf_draws_its_first_page_as_a_portrait_picture(
    db, django_capture_on_commit_callbacks
):
    content = report_pdf(kind="Report", year=2020)
    document = make_pdf(django_capture_on_commit_callbacks, content=content)

    image = document.first_page_image
    assert image is not None
    assert image.title == "Captured State (first page)"
    assert image.collection.name == PDF_COVERS_COLLECTION
    assert image.collection.get_parent() == Collection.get_first_root_node()
    assert (image.width, image.height) == (1240, round(1240 * 842 / 595))  # A4 portrait
    picture = pixels(image)
    assert picture.size == (image.width, image.height)
    # Not blank: the navy panel at the top, white paper below it, and text in between.
    assert picture.getpixel((20, 20)) == pytest.approx((11, 37, 64), abs=3)
    assert picture.getpixel((20, 1700)) == (255, 255, 255)
    assert max(ImageStat.Stat(picture).stddev) > 40
    assert len(picture.getcolors(maxcolors=1_000_000)) > 50  # anti-aliased lettering
    # Every size the pages show it at is made already.
    made = set(image.renditions.values_list("filter_spec", flat=True))
    assert made == set(PREPARED_COVER_RENDITIONS)


def test_one_collection_holds_every_first_page(db, django_capture_on_commit_callbacks):
    first = make_pdf(django_capture_on_commit_callbacks, name="one.pdf")
    second = make_pdf(django_capture_on_commit_callbacks, title="Other", name="two.pdf")
    assert first.first_page_image.collection == second.first_page_image.collection
    assert Collection.objects.filter(name=PDF_COVERS_COLLECTION).count() == 1


def test_replacing_the_file_draws_it_again_and_deletes_the_old_picture(
    db, django_capture_on_commit_callbacks
):
    document = make_pdf(django_capture_on_commit_callbacks)
    old = document.first_page_image
    old_file = old.file.name
    storage = old.file.storage
    old_pixels = pixels(old)

    # Saving other fields keeps the picture.
    with django_capture_on_commit_callbacks(execute=True):
        document.title = "Captured State, 2nd edition"
        document.save()
    document.refresh_from_db()
    assert document.first_page_image_id == old.pk
    assert document.first_page_image.title == "Captured State, 2nd edition (first page)"

    with django_capture_on_commit_callbacks(execute=True):
        document.file = ContentFile(report_pdf("A Different Title Altogether"), name="v2.pdf")
        document.save()
    document.refresh_from_db()

    new = document.first_page_image
    assert new is not None and new.pk != old.pk
    assert new.title == "Captured State, 2nd edition (first page)"
    assert pixels(new).tobytes() != old_pixels.tobytes()
    assert not get_image_model().objects.filter(pk=old.pk).exists()
    assert not storage.exists(old_file)


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\nthis is not a PDF at all\n%%EOF\n",
        b"%PDF-1.7\n" + b"\x00" * 2000,
        build_simple_pdf(["text"])[:400],  # cut short in transfer
    ],
    ids=["garbage", "zeros", "truncated"],
)
def test_a_broken_pdf_has_no_picture_and_raises_nothing(
    db, django_capture_on_commit_callbacks, caplog, content
):
    with caplog.at_level(logging.WARNING, logger="bcsp.publications"):
        document = make_pdf(django_capture_on_commit_callbacks, content=content, name="b.pdf")
    assert document.first_page_image is None
    assert "Could not render the first page of PDF" in caplog.text
    assert not get_image_model().objects.exists()


def test_a_password_protected_pdf_has_no_picture(db, django_capture_on_commit_callbacks):
    writer = PdfWriter(clone_from=io.BytesIO(report_pdf()))
    writer.encrypt(user_password="secret", owner_password="owner-secret")
    content = io.BytesIO()
    writer.write(content)
    document = make_pdf(django_capture_on_commit_callbacks, content=content.getvalue())
    assert document.first_page_image is None


def test_a_pdf_replaced_by_a_broken_one_loses_its_old_picture(
    db, django_capture_on_commit_callbacks
):
    document = make_pdf(django_capture_on_commit_callbacks)
    old = document.first_page_image
    with django_capture_on_commit_callbacks(execute=True):
        document.file = ContentFile(b"%PDF-1.4\nbroken", name="broken.pdf")
        document.save()
    document.refresh_from_db()
    assert document.first_page_image is None
    assert not get_image_model().objects.filter(pk=old.pk).exists()


def test_documents_that_are_not_pdfs_get_no_picture(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = PublicationDocument.objects.create(
            title="Data", file=ContentFile(b"year,count\n2020,3\n", name="data.csv")
        )
    document.refresh_from_db()
    assert document.first_page_image is None


def test_an_odd_page_shape_is_drawn_within_bounds(db, django_capture_on_commit_callbacks):
    """A page a few metres tall is drawn no taller than three times the width."""
    content = build_simple_pdf(["x"]).replace(
        b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 595 9000]"
    )
    document = make_pdf(django_capture_on_commit_callbacks, content=content, name="tall.pdf")
    image = document.first_page_image
    assert image.height <= 3 * 1240
    assert image.width < image.height


def test_deleting_the_document_deletes_its_picture(db, django_capture_on_commit_callbacks):
    document = make_pdf(django_capture_on_commit_callbacks)
    image_id = document.first_page_image_id
    with django_capture_on_commit_callbacks(execute=True):
        document.delete()
    assert not get_image_model().objects.filter(pk=image_id).exists()


def test_a_picture_of_a_file_replaced_meanwhile_is_thrown_away(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    """Drawing takes a while: when the file is replaced in the meantime, the older file's
    picture is not kept (the newer file's own task draws that one)."""
    document = make_pdf(django_capture_on_commit_callbacks)
    current = document.first_page_image_id
    draw = covers.render_first_page

    def replaced_while_drawing(file):
        picture = draw(file)
        PublicationDocument.objects.filter(pk=document.pk).update(file="documents/newer.pdf")
        return picture

    monkeypatch.setattr(covers, "render_first_page", replaced_while_drawing)
    assert render_pdf_cover.call(document.pk) is None
    document.refresh_from_db()
    assert document.first_page_image_id == current
    assert list(get_image_model().objects.values_list("pk", flat=True)) == [current]


# Never in the request ------------------------------------------------------------------------


def test_uploading_a_pdf_in_the_admin_only_queues_the_drawing(
    admin_client, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    queued = []

    def remember(sender, task_result, **kwargs):
        queued.append(task_result)

    task_enqueued.connect(remember)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                "/admin/documents/add/",
                {
                    "title": "Annual report",
                    "file": ContentFile(report_pdf(), name="annual.pdf"),
                    "collection": Collection.get_first_root_node().pk,
                },
            )
    finally:
        task_enqueued.disconnect(remember)
    assert response.status_code == 302
    document = PublicationDocument.objects.get(title="Annual report")
    assert document.first_page_image is None
    assert not get_image_model().objects.exists()
    drawings = [result for result in queued if result.task.name == render_pdf_cover.name]
    assert [result.args for result in drawings] == [[document.pk]]


def test_the_drawing_waits_for_the_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = PublicationDocument.objects.create(
            title="Report", file=ContentFile(report_pdf(), name="report.pdf")
        )
        assert not get_image_model().objects.exists()
    assert not get_image_model().objects.exists()  # not committed yet
    for callback in callbacks:
        callback()
    document.refresh_from_db()
    assert document.first_page_image is not None


# Which picture is the cover --------------------------------------------------------------------


def test_the_cover_image_comes_first_then_the_pdfs_first_page(
    publication_index, django_capture_on_commit_callbacks
):
    document = make_pdf(django_capture_on_commit_callbacks)
    cover_image = ImageFactory()
    page = PublicationPageFactory(parent=publication_index, pdf=document)
    assert page.cover == document.first_page_image
    assert page.cover_is_pdf_page

    page.cover_image = cover_image
    assert page.cover == cover_image
    assert not page.cover_is_pdf_page

    page.cover_image = None
    page.pdf = None
    assert page.cover is None
    assert not page.cover_is_pdf_page

    page.pdf = PublicationDocument.objects.create(
        title="Not drawn yet", file=ContentFile(report_pdf(), name="later.pdf")
    )
    assert page.cover is None
    assert not page.cover_is_pdf_page


def test_op_eds_have_covers_too(publication_index, django_capture_on_commit_callbacks):
    document = make_pdf(django_capture_on_commit_callbacks)
    page = OpEdPageFactory(parent=publication_index, pdf=document)
    assert page.cover == document.first_page_image
    assert page.cover_is_pdf_page


def test_the_rendition_sizes_are_portrait_and_named_in_one_place():
    assert cover_renditions() is COVER_RENDITIONS
    for specs in COVER_RENDITIONS.values():
        for spec in specs:
            width, height = map(int, re.search(r"fill-(\d+)x(\d+)-c100", spec).groups())
            assert 1.40 < height / width < 1.42  # A4's 1:√2


# What readers see ------------------------------------------------------------------------------


@pytest.fixture
def pdf_covered(home_page, publication_index, django_capture_on_commit_callbacks):
    """A published report whose only cover is its PDF's first page, in the carousel."""
    document = make_pdf(django_capture_on_commit_callbacks)
    page = PublicationPageFactory(
        parent=publication_index, slug="captured-state", title="Captured State", pdf=document
    )
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    HomeFeaturedPublication.objects.create(home=home_page, publication=page, sort_order=0)
    return page


@pytest.mark.parametrize(
    ("path", "shown_as"),
    [
        ("/en/publications/", "card"),
        ("/en/publications/2020/", "card"),
        ("/en/", "carousel"),
        ("/en/publications/captured-state/", "page"),
    ],
)
def test_pages_show_the_pdfs_first_page_as_the_cover(
    client, pdf_covered, page_cache_off, path, shown_as
):
    html = client.get(path).content.decode()
    large, small = COVER_RENDITIONS[shown_as]
    first_page = pdf_covered.pdf.first_page_image
    images = [
        image
        for image in srcset_images(html)
        if image["src"] == first_page.get_rendition(large).url
    ]
    assert len(images) == 1, html
    image = images[0]
    width, height = re.search(r"fill-(\d+)x(\d+)", large).groups()
    small_width = re.search(r"fill-(\d+)x", small).group(1)
    assert (image["width"], image["height"]) == (width, height)
    assert image["alt"] == ""
    sources = image["srcset"].split(", ")
    assert len(sources) == 2
    assert sources == [
        f"{first_page.get_rendition(large).url} {width}w",
        f"{first_page.get_rendition(small).url} {small_width}w",
    ]
    assert all(".webp " in source for source in sources)


def test_the_first_visit_after_publishing_makes_no_renditions(client, pdf_covered, page_cache_off):
    """The sizes the templates ask for are the ones made ahead."""
    with CaptureQueriesContext(connection) as queries:
        for path in ("/en/", "/en/publications/", "/en/publications/captured-state/"):
            assert client.get(path).status_code == 200
    made = [query for query in queries if query["sql"].startswith('INSERT INTO "wagtailimages_')]
    assert not made


def test_shared_links_show_the_pdfs_first_page(client, pdf_covered, page_cache_off):
    html = client.get("/en/publications/captured-state/").content.decode()
    image = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    rendition = pdf_covered.pdf.first_page_image.get_rendition(SOCIAL_RENDITION)
    assert image == f"http://localhost{rendition.url}"


def test_a_publication_without_cover_or_pdf_shows_no_image(
    client, publication_index, page_cache_off
):
    PublicationPageFactory(parent=publication_index, slug="plain", title="Plain")
    html = client.get("/en/publications/").content.decode()
    assert "Plain" in html
    assert not srcset_images(html)


# Filling in the pictures of PDFs saved before ---------------------------------------------------


def test_the_command_draws_the_missing_first_pages(db, django_capture_on_commit_callbacks):
    # Saved before pictures were drawn: their tasks never ran.
    documents = [
        PublicationDocument.objects.create(
            title=f"Report {number}", file=ContentFile(report_pdf(), name=f"r{number}.pdf")
        )
        for number in range(2)
    ]
    PublicationDocument.objects.create(title="Data", file=ContentFile(b"a,b\n", name="d.csv"))

    def run(*args):
        output = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("render_pdf_covers", *args, stdout=output)
        return output.getvalue()

    assert "Queued the first pages of 2 PDF documents." in run()
    pictures = {
        document.pk: document.first_page_image_id
        for document in PublicationDocument.objects.filter(pk__in=[d.pk for d in documents])
    }
    assert all(pictures.values())

    assert "Queued the first pages of 0 PDF documents." in run()

    assert "Queued the first pages of 2 PDF documents." in run("--all")
    redrawn = dict(
        PublicationDocument.objects.filter(pk__in=pictures).values_list("pk", "first_page_image")
    )
    assert all(redrawn.values())
    assert not set(redrawn.values()) & set(pictures.values())
    assert get_image_model().objects.count() == 2
