"""Covers: the picture that stands for a publication, and the pictures of PDFs' first pages.

A publication's cover is its cover image or, failing that, the first page of its PDF
(PublicationPage.cover). The first page is drawn in the background once the PDF is saved
(render_pdf_cover, queued on commit by PublicationDocument.save), never in a web request,
by PDFium in a child process under the limits of publications.pdf_sandbox, and kept as a
Wagtail image in the "PDF covers" collection, so it gets renditions, WebP and srcset like
any other image. Replacing the file draws it again and deletes the old picture;
deleting the document deletes its picture.

The covers are shown as portrait documents (A4-like, 1:1.414) at the sizes in
COVER_RENDITIONS: the templates' srcset_image tags ask for exactly these, and they are made
ahead, when a page is published or a first page is drawn, so no visitor waits for them.
"""

import io
import posixpath

from django.core.files.base import ContentFile
from django.db import transaction
from django_tasks import task
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.utils.file import hash_filelike

from bcsp_site.core.renditions import SOCIAL_RENDITION, prepare_renditions

from .pdf_sandbox import render_first_page

# Rendition filter specs by where a cover is shown, largest first, as the templates'
# srcset_image tags spell them (fill-{240x340,120x170}-c100 format-webp, …).
COVER_RENDITIONS = {
    # listing cards
    "card": ("fill-240x340-c100|format-webp", "fill-120x170-c100|format-webp"),
    # the home page carousel
    "carousel": ("fill-480x680-c100|format-webp", "fill-320x453-c100|format-webp"),
    # the top of the publication's own page
    "page": ("fill-600x849-c100|format-webp", "fill-400x566-c100|format-webp"),
}
# Everything a cover is shown at, the image shared on social media included.
PREPARED_COVER_RENDITIONS = (
    *dict.fromkeys(spec for specs in COVER_RENDITIONS.values() for spec in specs),
    SOCIAL_RENDITION,
)
PDF_COVERS_COLLECTION = "PDF covers"
FIRST_PAGE_SUFFIX = " (first page)"
JPEG_QUALITY = 88


def pdf_covers_collection():
    """The "PDF covers" collection under the root collection, made when first needed."""
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=PDF_COVERS_COLLECTION).first()
    return existing or root.add_child(name=PDF_COVERS_COLLECTION)


def first_page_title(document_title):
    image_model = get_image_model()
    limit = image_model._meta.get_field("title").max_length - len(FIRST_PAGE_SUFFIX)
    return document_title[:limit] + FIRST_PAGE_SUFFIX


def save_first_page_image(picture, document):
    """Store `picture` (a Pillow image of the document's first page) as a Wagtail image."""
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    data = buffer.getvalue()
    name = posixpath.splitext(posixpath.basename(document.file.name))[0] or "document"
    image = get_image_model()(
        title=first_page_title(document.title),
        file=ContentFile(data, name=f"{name[:60]}-first-page.jpg"),
        collection=pdf_covers_collection(),
        file_size=len(data),
        file_hash=hash_filelike(io.BytesIO(data)),
    )
    image.save()
    return image


@task()
def render_pdf_cover(document_id):
    """Draw the first page of document `document_id` as its first_page_image, replacing (and
    deleting) the one drawn before. A document that is not a PDF, or whose first page cannot
    be drawn, is left without one. Returns the new image's id, or None."""
    documents = get_document_model().objects
    document = documents.filter(pk=document_id).first()
    if document is None:
        return None
    file_name = document.file.name
    # The slow part, outside any transaction.
    picture = render_first_page(document.file) if file_name and document.is_pdf else None
    with transaction.atomic():
        document = documents.select_for_update().filter(pk=document_id).first()
        if document is None or document.file.name != file_name:
            return None  # deleted or replaced meanwhile: the new file's own task draws it
        previous = document.first_page_image
        image = save_first_page_image(picture, document) if picture is not None else None
        document.first_page_image = image
        document.save(update_fields=["first_page_image"])
        if previous is not None:
            previous.delete()
    if image is None:
        return None
    prepare_renditions.call(image.pk, list(PREPARED_COVER_RENDITIONS))
    return image.pk


def enqueue_cover_render(document):
    """Queue render_pdf_cover for `document` once the current transaction commits."""
    document_id = document.pk
    transaction.on_commit(lambda: render_pdf_cover.enqueue(document_id))


def rename_first_page_image(document):
    """Keep the picture's title in step with its document's (it names it in the library)."""
    get_image_model().objects.filter(pk=document.first_page_image_id).update(
        title=first_page_title(document.title)
    )


def delete_first_page_image(sender, instance, **kwargs):
    """A deleted document's first page goes with it (connected to post_delete)."""
    if instance.first_page_image_id:
        get_image_model().objects.filter(pk=instance.first_page_image_id).delete()
