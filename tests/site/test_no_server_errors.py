"""Whatever a visitor sends, the site answers with a page or a 4xx, never a 500: a few
requests that once did, then a property-based test that drives every public URL."""

import pytest
from django.core.files.base import ContentFile

from publications.models import PublicationDocument


@pytest.fixture
def document(db):
    return PublicationDocument.objects.create(
        title="Report", file=ContentFile(b"%PDF-1.4 report", name="report.pdf")
    )


@pytest.mark.parametrize(
    "path",
    [
        "/media/images/" + "a" * 300 + ".png",
        "/media/" + "a" * 5000,
        "/media/" + "/".join(["a" * 200] * 30),
    ],
)
def test_a_very_long_media_name_is_not_found(client, db, path):
    # Not found; the language redirect may first offer /en/… for a name a page could have.
    assert client.get(path).status_code in {302, 404}


@pytest.mark.parametrize("filename", ["a" * 300 + ".pdf", "a" * 5000, "report.pdf/" + "b" * 300])
def test_a_document_under_a_very_long_name_is_not_a_server_error(client, document, filename):
    response = client.get(f"/documents/{document.pk}/{filename}")
    assert response.status_code < 500
