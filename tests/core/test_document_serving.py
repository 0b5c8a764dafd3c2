"""Documents are served only by the document view, which keeps private documents private:
those of a private collection, and those linked only from private pages."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    PageViewRestriction,
)
from wagtail.utils.sendfile import _get_sendfile

from publications.models import PublicationDocument
from publications.pdf import build_simple_pdf
from tests.support.factories import ImageFactory, PublicationPageFactory

REPORT = build_simple_pdf(["Findings."], title="Report")


@pytest.fixture
def document(db):
    return PublicationDocument.objects.create(
        title="Report", file=ContentFile(REPORT, name="report.pdf")
    )


def private_collection(restriction_type, **fields):
    collection = Collection.get_first_root_node().add_child(name=f"Private {restriction_type}")
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=restriction_type, **fields
    )
    return collection


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_public_pdf_is_served_to_anyone_and_kept_by_the_browser_only(client, document):
    response = client.get(document.url)
    assert response.status_code == 200
    assert body(response) == REPORT
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, max-age=300"
    assert "Cookie" not in response.get("Vary", "")


def test_a_private_collection_s_document_sends_visitors_to_sign_in(
    client, document, django_user_model
):
    document.collection = private_collection(CollectionViewRestriction.LOGIN)
    document.save()
    response = client.get(document.url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailcore_login"))
    assert response["Cache-Control"] == "private, no-store"

    client.force_login(django_user_model.objects.create_user("reader", password="x" * 16))
    response = client.get(document.url)
    assert response.status_code == 200
    assert body(response) == REPORT
    assert response["Cache-Control"] == "private, no-store"


def linking_page(parent, slug, document, how="attached", **fields):
    """A publication that links to `document`: as its PDF, or from a link in its text."""
    if how == "attached":
        return PublicationPageFactory(parent=parent, slug=slug, pdf=document, **fields)
    link = f'<p>See <a linktype="document" id="{document.pk}">the report</a>.</p>'
    return PublicationPageFactory(parent=parent, slug=slug, body=[("paragraph", link)], **fields)


@pytest.mark.parametrize("how", ["attached", "linked in the text"])
def test_a_document_linked_only_from_a_password_protected_page_asks_for_its_password(
    client, document, publication_index, how
):
    page = linking_page(publication_index, "secret", document, how)
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="s3cret-pass"
    )

    response = client.get(document.url)
    assert response.status_code == 403
    assert response["Cache-Control"] == "private, no-store"
    action = reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk])
    html = response.content.decode()
    assert f'action="{action}"' in html
    assert 'name="password"' in html

    wrong = client.post(action, {"password": "guess", "return_url": document.url})
    assert wrong.status_code == 200  # the form again, with its error
    assert client.get(document.url).status_code == 403

    passed = client.post(action, {"password": "s3cret-pass", "return_url": document.url})
    assert passed.status_code == 302
    assert passed["Location"] == document.url
    response = client.get(document.url)
    assert response.status_code == 200
    assert body(response) == REPORT
    assert response["Cache-Control"] == "private, no-store"


def test_a_restricted_ancestor_makes_the_linked_document_private(
    client, document, publication_index, django_user_model
):
    PageViewRestriction.objects.create(
        page=publication_index, restriction_type=PageViewRestriction.LOGIN
    )
    PublicationPageFactory(parent=publication_index, slug="members-only", pdf=document)
    response = client.get(document.url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailcore_login"))

    client.force_login(django_user_model.objects.create_user("member", password="x" * 16))
    assert client.get(document.url).status_code == 200


def test_a_document_also_linked_from_a_public_page_stays_public(
    client, document, publication_index
):
    secret = PublicationPageFactory(parent=publication_index, slug="secret", pdf=document)
    PageViewRestriction.objects.create(
        page=secret, restriction_type=PageViewRestriction.PASSWORD, password="s3cret-pass"
    )
    PublicationPageFactory(parent=publication_index, slug="open", pdf=document)
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=300"


def test_a_draft_linking_page_does_not_make_a_document_private(client, document, publication_index):
    draft = PublicationPageFactory(parent=publication_index, slug="draft", pdf=document, live=False)
    PageViewRestriction.objects.create(
        page=draft, restriction_type=PageViewRestriction.PASSWORD, password="s3cret-pass"
    )
    assert client.get(document.url).status_code == 200


@pytest.mark.parametrize("prefix", ["", "images/../", "./", "/"])
def test_documents_have_no_media_address(client, document, prefix):
    assert document.file.storage.exists(document.file.name)  # there, but not served
    assert client.get(f"/media/{prefix}{document.file.name}").status_code == 404


def test_images_are_still_served_from_the_media_address(client, db):
    image = ImageFactory()
    assert client.get(f"/media/{image.file.name}").status_code == 200


@pytest.fixture
def x_accel_redirect(settings):
    settings.SENDFILE_BACKEND = "django_sendfile.backends.nginx"
    settings.SENDFILE_ROOT = str(settings.MEDIA_ROOT)
    settings.SENDFILE_URL = "/protected-media"
    _get_sendfile.clear()  # Wagtail keeps the backend it loaded first
    yield
    _get_sendfile.clear()


def test_behind_nginx_the_file_is_handed_over_after_the_checks(client, document, x_accel_redirect):
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{document.file.name}"
    assert response.content == b""
    assert response["Content-Length"] == "0"  # the file's own length comes from nginx
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{document.filename}"'
    assert response["Cache-Control"] == "private, max-age=300"

    document.collection = private_collection(CollectionViewRestriction.LOGIN)
    document.save()
    response = client.get(document.url)
    assert response.status_code == 302
    assert "X-Accel-Redirect" not in response
