"""The demo content command: safe to run again, and its bulk generator builds a valid tree."""

import io
import re
from collections import Counter

from django.core.management import call_command
from taggit.models import Tag
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from authors.models import AuthorPage
from bcsp_site.models import HomeFeaturedPublication, HomePage
from publications.models import (
    OpEdPage,
    PublicationAuthor,
    PublicationKind,
    PublicationPage,
    PublicationPageTag,
)


def load(*args):
    output = io.StringIO()
    call_command("load_demo_content", *args, stdout=output)
    return output.getvalue()


def snapshot():
    return {
        "pages": Counter(Page.objects.values_list("content_type__model", flat=True)),
        "kinds": PublicationKind.objects.count(),
        "tags": Tag.objects.count(),
        "author links": PublicationAuthor.objects.count(),
        "tag links": PublicationPageTag.objects.count(),
        "featured": list(
            HomeFeaturedPublication.objects.order_by("sort_order").values_list(
                "publication__slug", flat=True
            )
        ),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
    }


def assert_tree_is_sound():
    problems = Page.find_problems()
    assert all(not found for found in problems), problems
    paths = list(Page.objects.values_list("url_path", flat=True))
    assert len(paths) == len(set(paths))


def test_running_twice_creates_nothing_twice(db):
    load()
    first = snapshot()
    load()
    assert snapshot() == first
    assert first["pages"]["homepage"] == 2  # English and its Serbian translation
    assert PublicationPage.objects.count() == 6
    assert OpEdPage.objects.count() == 2
    assert AuthorPage.objects.count() == 7
    assert len(first["featured"]) == 5
    assert first["images"] == 5
    assert first["documents"] == 1
    assert_tree_is_sound()


def test_demo_site_pages_answer(client, db):
    load()
    home = HomePage.objects.get(locale__language_code="en")
    assert home.live
    for path in (
        "/en/",
        "/en/publications/",
        "/en/publications/2020/",
        "/en/publications/tags/covid-19/",
        "/en/publications/the-security-sector-in-a-captured-state/",
        "/en/publications/public-recording-with-secret-cameras/",
        "/en/authors/",
        "/en/authors/sasa-djordjevic/",
    ):
        assert client.get(path).status_code == 200, path


def test_generated_publications_are_topped_up_not_duplicated(client, db):
    output = load("--no-images", "--publications", "12")
    assert "12/12 publications generated" in output
    generated = PublicationPage.objects.filter(slug__startswith="generated-")
    assert generated.count() == 12
    assert_tree_is_sound()

    output = load("--no-images", "--publications", "12")
    assert "12 synthetic publications already exist" in output
    assert generated.count() == 12

    load("--no-images", "--publications", "20")
    assert generated.count() == 20
    assert generated.filter(live=True, author_links__isnull=False).exists()
    assert PublicationPageTag.objects.filter(content_object__in=generated).count() >= 20
    assert_tree_is_sound()

    listing = client.get("/en/publications/").content.decode()
    assert f"{PublicationPage.objects.count()} publications" in listing
    newest = generated.order_by("-publication_date", "-pk").first()
    assert client.get(newest.url).status_code == 200
    assert client.get(f"/en/publications/{newest.publication_date.year}/").status_code == 200


def test_generated_publications_are_searchable(client, db):
    load("--no-images", "--publications", "5")
    html = client.get("/en/search/?q=synthetic+publication").content.decode()
    found = set(re.findall(r'href="/en/publications/(generated-\d+)/"', html))
    assert found == {f"generated-{n}" for n in range(1, 6)}
