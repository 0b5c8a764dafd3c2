"""The editor's paths in the admin that the browser tests walk, checked without a browser:
preview headers, starting a page again, the author chooser and the dashboard."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PublicationPageFactory

PASSWORD = "a-long-enough-password-42"


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(user)
    return client


@pytest.fixture
def publication(publication_index):
    return PublicationPageFactory(parent=publication_index, title="Oversight of the police")


# Previews -----------------------------------------------------------------------------------


def test_previews_may_be_framed_by_the_admin_only(superuser_client, publication):
    publication.title = "A draft title nobody has published"
    revision = publication.save_revision()

    response = superuser_client.get(
        reverse("wagtailadmin_pages:revisions_view", args=[publication.pk, revision.pk])
    )

    assert response.status_code == 200
    assert b"A draft title nobody has published" in response.content
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert csp_directives(response)["frame-ancestors"] == "'self'"
    assert "private" in response["Cache-Control"]


def test_public_pages_still_refuse_every_frame(superuser_client, publication):
    publication.title = "A draft title nobody has published"
    revision = publication.save_revision()
    superuser_client.get(
        reverse("wagtailadmin_pages:revisions_view", args=[publication.pk, revision.pk])
    )

    visitor = Client()
    for _attempt in range(2):  # the second answer comes from the page cache
        response = visitor.get(publication.url)
        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY"
        assert csp_directives(response)["frame-ancestors"] == "'none'"
        assert b"A draft title nobody has published" not in response.content
        assert b"Oversight of the police" in response.content
    assert response["X-Cache"] == "hit"
