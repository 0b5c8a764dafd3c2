"""Uploads on S3-compatible storage, against a real SeaweedFS S3 server.

Images and renditions go to a bucket anyone may read, at addresses without signatures;
documents to a bucket nobody reads without a signature, served by the document view as a
redirect to a short-lived signed URL. Everything goes through the admin's own forms.
"""

import io
import re
import time
import urllib.error
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, CollectionViewRestriction

from bcsp_site.core.storage import documents_storage
from bcsp_site.settings.base import object_storage_origins, object_storages
from publications.pdf import build_simple_pdf
from tests.support.factories import PublicationPageFactory
from tests.support.seaweedfs import PRIVATE_BUCKET, PUBLIC_BUCKET

pytestmark = pytest.mark.s3


class Buckets:
    def __init__(self, server):
        self.server = server
        self.client = server.client()

    def keys(self, bucket):
        listing = self.client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def images(self):
        return self.keys(PUBLIC_BUCKET)

    def documents(self):
        return self.keys(PRIVATE_BUCKET)

    def object_url(self, bucket, key):
        return f"{self.server.endpoint_url}/{bucket}/{key}"

    def empty(self):
        for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
            for key in self.keys(bucket):
                self.client.delete_object(Bucket=bucket, Key=key)


def fetch(url):
    """(status, body) of a GET with no credentials at all, as a visitor's browser makes it."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - test server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def s3(seaweedfs, settings):
    """The site's uploads on SeaweedFS, configured from the same S3_* variables as production."""
    environ = seaweedfs.environ(bucket=PUBLIC_BUCKET, documents_bucket=PRIVATE_BUCKET)
    settings.STORAGES = {**settings.STORAGES, **object_storages(environ)}
    buckets = Buckets(seaweedfs)
    buckets.empty()
    yield buckets
    buckets.empty()


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "x" * 16)
    client.force_login(user)
    return client


def png(colour, size=(900, 1200)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf(title):
    return build_simple_pdf([f"The text of {title}."], title=title, year=2024)


def admin_post(client, commit, url, data):
    """Post an admin form the way a browser does, running what waits for the commit (the
    deletion of replaced files, the drawing of a PDF's first page) as the request ends."""
    with commit(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def root_collection():
    return Collection.get_first_root_node().pk


def test_uploads_renditions_downloads_replacements_and_deletions_go_to_the_buckets(
    s3, editor, client, publication_index, django_capture_on_commit_callbacks
):
    commit = django_capture_on_commit_callbacks

    # An image and a PDF, uploaded through the admin's add forms.
    photo = png("navy")
    admin_post(
        editor,
        commit,
        reverse("wagtailimages:add"),
        {
            "title": "Cover",
            "file": SimpleUploadedFile("cover.png", photo, "image/png"),
            "collection": root_collection(),
        },
    )
    report = pdf("Border policing in 2024")
    admin_post(
        editor,
        commit,
        reverse("wagtaildocs:add"),
        {
            "title": "Border report",
            "file": SimpleUploadedFile("border.pdf", report),
            "collection": root_collection(),
        },
    )
    image = get_image_model().objects.get(title="Cover")
    document = get_document_model().objects.get(title="Border report")
    assert "original_images/cover.png" in s3.images()
    assert s3.documents() == ["documents/border.pdf"]
    # The PDF was read from the private bucket for its text and its first page, which is
    # kept as an image (in the public bucket) with its cover renditions made ahead.
    assert document.page_count == 2
    assert "Border policing" in document.extracted_text
    first_page = document.first_page_image
    assert first_page is not None
    assert f"original_images/{first_page.file.name.rsplit('/', 1)[1]}" in s3.images()

    # Images are readable by anyone at their plain address; documents by nobody.
    status, body = fetch(s3.object_url(PUBLIC_BUCKET, image.file.name))
    assert (status, body) == (200, photo)
    status, _body = fetch(s3.object_url(PRIVATE_BUCKET, document.file.name))
    assert status == 403

    # A public page shows the image's renditions straight from the bucket.
    page = PublicationPageFactory(
        parent=publication_index, slug="border", cover_image=image, pdf=document
    )
    html = client.get(page.url).content.decode()
    sources = re.findall(r'<img[^>]*\ssrc="([^"]+)"', html)
    cover_sources = [src for src in sources if "/images/cover" in src]
    assert cover_sources, sources
    for src in cover_sources:
        assert src.startswith(f"{s3.server.endpoint_url}/{PUBLIC_BUCKET}/images/cover.")
        assert "?" not in src  # no signature: the page stays cacheable
        key = src.split(f"/{PUBLIC_BUCKET}/", 1)[1]
        assert key in s3.images()
        status, body = fetch(src)
        assert status == 200 and body[8:12] == b"WEBP"
    assert document.url in html

    # The document view redirects to a signed URL of the private object, which works.
    response = client.get(document.url)
    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(f"{s3.server.endpoint_url}/{PRIVATE_BUCKET}/documents/border.pdf?")
    assert "X-Amz-Signature=" in signed
    assert fetch(signed) == (200, report)
    assert response["Cache-Control"] == "private, max-age=150"  # half the URL's 300 s

    # Replacing the image's file deletes the old file and its renditions.
    old_renditions = [key for key in s3.images() if key.startswith("images/cover.")]
    assert old_renditions
    admin_post(
        editor,
        commit,
        reverse("wagtailimages:edit", args=[image.pk]),
        {
            "title": "Cover",
            "file": SimpleUploadedFile("cover-2.png", png("teal"), "image/png"),
            "collection": root_collection(),
            "tags": "",
        },
    )
    image.refresh_from_db()
    assert image.file.name == "original_images/cover-2.png"
    images = s3.images()
    assert "original_images/cover-2.png" in images
    assert "original_images/cover.png" not in images
    assert not set(old_renditions) & set(images)

    # Replacing the document's file deletes the old one; the view serves the new one.
    report_v2 = pdf("Border policing in 2025")
    admin_post(
        editor,
        commit,
        reverse("wagtaildocs:edit", args=[document.pk]),
        {
            "title": "Border report",
            "file": SimpleUploadedFile("border-2025.pdf", report_v2),
            "collection": root_collection(),
            "tags": "",
        },
    )
    document.refresh_from_db()
    assert s3.documents() == ["documents/border-2025.pdf"]
    assert fetch(client.get(document.url)["Location"]) == (200, report_v2)

    # Deleting them deletes their files (and the picture of the PDF's first page).
    admin_post(editor, commit, reverse("wagtaildocs:delete", args=[document.pk]), {})
    admin_post(editor, commit, reverse("wagtailimages:delete", args=[image.pk]), {})
    assert s3.documents() == []
    assert not [key for key in s3.images() if "cover" in key or "border" in key]


def test_a_signed_document_url_expires(s3, settings, db):
    environ = {**s3.server.environ(PUBLIC_BUCKET, PRIVATE_BUCKET), "S3_SIGNED_URL_SECONDS": "1"}
    settings.STORAGES = {**settings.STORAGES, **object_storages(environ)}
    document = get_document_model().objects.create(
        title="Short-lived", file=SimpleUploadedFile("short.pdf", pdf("Short-lived"))
    )
    signed = document.file.url
    assert "X-Amz-Expires=1&" in signed
    assert fetch(signed)[0] == 200
    time.sleep(2.5)  # past the signature's lifetime, by the server's own clock
    assert fetch(signed)[0] == 403


def test_documents_default_to_the_images_bucket_and_stay_signed(s3, settings, db):
    environ = s3.server.environ(PUBLIC_BUCKET, PRIVATE_BUCKET)
    del environ["S3_DOCUMENTS_BUCKET"]
    settings.STORAGES = {**settings.STORAGES, **object_storages(environ)}
    assert documents_storage.bucket_name == PUBLIC_BUCKET
    assert "X-Amz-Signature=" in documents_storage.url("documents/any.pdf")


def test_without_s3_bucket_uploads_stay_on_local_disk():
    assert object_storages({}) == {}
    assert object_storages({"S3_BUCKET": " ", "S3_ENDPOINT_URL": "http://x"}) == {}


def test_images_on_s3_are_allowed_by_the_content_security_policy():
    assert object_storage_origins({}) == []
    assert object_storage_origins(
        {"S3_BUCKET": "media", "S3_ENDPOINT_URL": "http://127.0.0.1:8333"}
    ) == ["http://127.0.0.1:8333"]
    assert object_storage_origins(
        {"S3_BUCKET": "media", "S3_CUSTOM_DOMAIN": "media.bezbednost.org"}
    ) == ["https://media.bezbednost.org"]
    assert object_storage_origins({"S3_BUCKET": "media"}) == ["https://media.s3.amazonaws.com"]


def test_queued_deletions_name_the_storage_not_its_keys(s3, settings):
    """Wagtail queues a file's deletion with its storage's arguments: the alias, no secret."""
    assert documents_storage.deconstruct() == (
        "bcsp_site.core.s3.configured_storage",
        ("documents",),
        {},
    )


def test_a_private_document_on_s3_is_signed_only_for_those_who_may_read_it(
    s3, client, django_user_model
):
    collection = Collection.get_first_root_node().add_child(name="Board papers")
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.LOGIN
    )
    document = get_document_model().objects.create(
        title="Minutes",
        file=SimpleUploadedFile("minutes.pdf", pdf("Minutes")),
        collection=collection,
    )
    response = client.get(document.url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailcore_login"))
    assert response["Cache-Control"] == "private, no-store"

    client.force_login(django_user_model.objects.create_user("member", password="x" * 16))
    response = client.get(document.url)
    assert response["Location"].startswith(f"{s3.server.endpoint_url}/{PRIVATE_BUCKET}/")
    assert response["Cache-Control"] == "private, no-store"  # not even the signed address
    assert fetch(response["Location"])[0] == 200
