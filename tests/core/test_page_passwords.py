"""The password of a protected page, or of a private collection of documents, cannot be
guessed: each address gets a few tries per restriction in a window, then a 429 with the
form again, while the right password from anyone else still works."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from publications.models import PublicationDocument
from tests.support.factories import PublicationPageFactory

PASSWORD = "s3cret-pass"  # noqa: S105


@pytest.fixture(autouse=True)
def few_attempts(settings):
    settings.PAGE_PASSWORD_ATTEMPTS = 3
    settings.PAGE_PASSWORD_WINDOW = 600


@pytest.fixture
def protected(publication_index):
    page = PublicationPageFactory(parent=publication_index, slug="protected", title="Protected")
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password=PASSWORD
    )
    action = reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk])
    return page, action


def guess(client, action, password, return_url, ip="203.0.113.7"):
    return client.post(action, {"password": password, "return_url": return_url}, REMOTE_ADDR=ip)


def test_guessing_a_page_password_is_stopped_after_a_few_tries(client, protected):
    page, action = protected
    for _attempt in range(3):
        response = guess(client, action, "wrong", page.url)
        assert response.status_code == 200
        assert "The password you have entered is not correct" in response.content.decode()

    limited = guess(client, action, "wrong", page.url)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) == 600
    html = limited.content.decode()
    assert "Too many attempts" in html
    assert 'name="password"' in html  # the form again
    assert f'value="{page.url}"' in html  # where the visitor was going is kept
    assert "no-store" in limited["Cache-Control"] or "private" in limited["Cache-Control"]

    # Even the right password waits out the window from this address...
    assert guess(client, action, PASSWORD, page.url).status_code == 429
    assert 'name="password"' in client.get(page.url).content.decode()  # still locked


def test_the_right_password_from_another_address_still_works(client, protected):
    page, action = protected
    for _attempt in range(5):
        guess(client, action, "wrong", page.url)
    passed = guess(client, action, PASSWORD, page.url, ip="198.51.100.20")
    assert passed.status_code == 302
    assert passed["Location"] == page.url
    assert 'name="password"' not in client.get(page.url).content.decode()


def test_one_ipv6_network_shares_its_tries(client, protected):
    page, action = protected
    for host in range(1, 4):
        guess(client, action, "wrong", page.url, ip=f"2001:db8:1:2::{host}")
    assert guess(client, action, "wrong", page.url, ip="2001:db8:1:2::99").status_code == 429


def test_another_page_id_in_the_address_does_not_buy_more_tries(
    client, protected, publication_index
):
    """The form's address names the page the visitor was on, which any descendant fits:
    the tries count against the restriction itself."""
    page, action = protected
    restriction_id = action.rstrip("/").split("/")[-2]
    for attempt in range(3):
        other = reverse(
            "wagtailcore_authenticate_with_password",
            args=[restriction_id, publication_index.pk + attempt],
        )
        guess(client, action if attempt == 0 else other, "wrong", page.url)
    assert guess(client, action, "wrong", page.url).status_code == 429


def test_guessing_a_document_collection_password_is_stopped(client, db):
    collection = Collection.get_first_root_node().add_child(name="Board papers")
    restriction = CollectionViewRestriction.objects.create(
        collection=collection,
        restriction_type=CollectionViewRestriction.PASSWORD,
        password=PASSWORD,
    )
    document = PublicationDocument.objects.create(
        title="Minutes",
        file=ContentFile(b"%PDF-1.4 minutes", name="minutes.pdf"),
        collection=collection,
    )
    action = reverse("wagtaildocs_authenticate_with_password", args=[restriction.pk])
    for _attempt in range(3):
        assert guess(client, action, "wrong", document.url).status_code == 200
    limited = guess(client, action, "wrong", document.url)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) == 600
    assert "Too many attempts" in limited.content.decode()
    assert 'name="password"' in limited.content.decode()

    passed = guess(client, action, PASSWORD, document.url, ip="198.51.100.20")
    assert passed.status_code == 302
    assert passed["Location"] == document.url
