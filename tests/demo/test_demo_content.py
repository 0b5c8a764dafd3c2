"""The demo content command: safe to run again, and its bulk generator builds a valid tree."""

import io
import re
from collections import Counter

from django.core.management import call_command
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Locale, Page
from wagtail_footnotes.models import Footnote

from authors.models import AuthorPage
from bcsp_site.demo.bulk import child_path, position_of
from bcsp_site.models import HomeFeaturedPublication, HomePage
from publications.models import (
    OpEdPage,
    PublicationAuthor,
    PublicationKind,
    PublicationPage,
    PublicationPageTag,
    PublicationTag,
)


def load(*args):
    output = io.StringIO()
    call_command("load_demo_content", *args, stdout=output)
    return output.getvalue()


def snapshot():
    return {
        "pages": Counter(Page.objects.values_list("content_type__model", flat=True)),
        "kinds": PublicationKind.objects.count(),
        "tags": PublicationTag.objects.count(),
        "author links": PublicationAuthor.objects.count(),
        "tag links": PublicationPageTag.objects.count(),
        "featured": list(
            HomeFeaturedPublication.objects.order_by("sort_order").values_list(
                "publication__slug", flat=True
            )
        ),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "footnotes": Footnote.objects.count(),
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
    english = {"locale__language_code": "en"}
    assert PublicationPage.objects.filter(**english).count() == 12
    assert OpEdPage.objects.filter(**english).count() == 2
    assert AuthorPage.objects.filter(**english).count() == 7
    assert HomeFeaturedPublication.objects.filter(home__locale__language_code="en").count() == 5
    # Two thirds of the publications have a PDF; the pictures of their first pages are
    # drawn by the task queued once the load commits (test_demo_covers_are_pdf_first_pages).
    assert first["documents"] == 15
    assert first["images"] == 0
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
    assert "Generated and indexed 12 publications" in output
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
    english = PublicationPage.objects.filter(locale__language_code="en").count()
    assert f"{english} publications" in listing
    newest = generated.order_by("-publication_date", "-pk").first()
    assert client.get(newest.url).status_code == 200
    assert client.get(f"/en/publications/{newest.publication_date.year}/").status_code == 200


def test_generated_publications_are_searchable(client, db):
    load("--no-images", "--publications", "5")
    html = client.get("/en/search/?q=synthetic+publication").content.decode()
    found = set(re.findall(r'href="/en/publications/(generated-\d+)/"', html))
    assert found == {f"generated-{n}" for n in range(1, 6)}


def test_demo_has_serbian_translations_linked_to_the_english_pages(client, db):
    load()
    serbian = PublicationPage.objects.filter(locale__language_code="sr", live=True)
    assert serbian.count() >= 3
    assert OpEdPage.objects.filter(locale__language_code="sr", live=True).exists()
    for page in serbian:
        original = page.get_translation(Locale.objects.get(language_code="en"))
        assert original.live
        assert page.kind.locale_id == page.locale_id
        assert all(link.author.locale_id == page.locale_id for link in page.author_links.all())
    home = HomePage.objects.get(locale__language_code="sr")
    featured = home.featured_links.values_list("publication__locale__language_code", flat=True)
    assert set(featured) == {"sr"}
    for path in (
        "/sr/",
        "/sr/publications/",
        "/sr/publications/javno-snimanje-tajnim-kamerama/",
        "/sr/authors/",
        "/sr/authors/sasa-djordjevic/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="sr">' in response.content.decode()


def test_demo_publications_cite_their_sources_in_footnotes_in_both_languages(client, db):
    load()
    for language, heading in (("en", "Notes"), ("sr", "Napomene")):
        cited = PublicationPage.objects.filter(
            locale__language_code=language, live=True, footnotes__isnull=False
        ).distinct()
        assert cited.count() == 3, language
        for page in cited:
            html = client.get(page.url).content.decode()
            assert f'<h2 id="notes-heading" class="footnotes__heading">{heading}</h2>' in html
            notes = page.footnotes.all()
            assert {note.locale_id for note in notes} == {page.locale_id}
            assert html.count('<li id="note-') == len(notes)
            assert all(note.text[3:40] in html for note in notes)
    english = PublicationPage.objects.get(
        locale__language_code="en", slug="the-security-sector-in-a-captured-state"
    )
    serbian = english.get_translation(Locale.objects.get(language_code="sr"))
    assert sorted(note.translation_key for note in serbian.footnotes.all()) == sorted(
        note.translation_key for note in english.footnotes.all()
    )
    assert "Zaštitnik građana" in client.get(serbian.url).content.decode()


def test_demo_home_pages_show_six_latest_publications_beside_the_carousel(client, db):
    load()
    for language in ("en", "sr"):
        html = client.get(f"/{language}/").content.decode()
        carousel = html.split('id="carousel-slides"')[1].split("</ol>")[0]
        featured = re.findall(r'class="carousel__title"><a href="([^"]+)"', carousel)
        latest_section = html.split('id="latest-heading"')[1].split("</section>")[0]
        latest = re.findall(r'class="card__title"><a href="([^"]+)"', latest_section)
        assert len(featured) == 5, language
        assert len(latest) >= 6, (language, latest)
        assert not set(featured) & set(latest), language
        assert all(url.startswith(f"/{language}/publications/") for url in featured + latest)
        assert f'<a href="/{language}/publications/">' in latest_section


def test_translating_a_page_in_the_admin_keeps_the_serbian_kind_names(admin_client, db):
    load()
    serbian = Locale.objects.get(language_code="sr")
    names = dict(PublicationKind.objects.filter(locale=serbian).values_list("slug", "name"))
    english_only = PublicationPage.objects.get(slug="pandemic-of-geopolitics")
    assert english_only.get_translation_or_none(serbian) is None

    response = admin_client.post(
        f"/admin/localize/submit/page/{english_only.pk}/", {"locales": [serbian.pk]}
    )

    assert response.status_code == 302
    assert dict(PublicationKind.objects.filter(locale=serbian).values_list("slug", "name")) == names
    assert names["op-ed"] == "Autorski tekst"
    translation = english_only.get_translation(serbian).specific
    assert translation.kind.name == "Autorski tekst"


def test_generated_paths_follow_treebeards_path_format():
    assert child_path("0001", 1) == "00010001"
    assert child_path("0001", len(Page.alphabet)) == "00010010"
    assert position_of(child_path("00010002", 12345)) == 12345


def test_demo_covers_are_pdf_first_pages(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load()
    for language in ("en", "sr"):
        publications = list(
            PublicationPage.objects.filter(locale__language_code=language).select_related(
                "pdf__first_page_image"
            )
        )
        with_pdf = [page for page in publications if page.pdf_id]
        assert len(with_pdf) / len(publications) > 0.6, language
        assert all(page.cover_is_pdf_page for page in with_pdf), language
        assert not [page for page in publications if page.cover_image_id], language
        assert OpEdPage.objects.filter(locale__language_code=language, pdf__isnull=False).exists()
        # The carousel shows five covers, each the first page of the publication's PDF.
        html = client.get(f"/{language}/").content.decode()
        carousel = html.split('id="carousel-slides"')[1].split("</ol>")[0]
        assert len(re.findall(r'<div class="cover cover--carousel">\s*<img ', carousel)) == 5, (
            language
        )
    serbian = PublicationPage.objects.get(slug="sektor-bezbednosti-u-zarobljenoj-drzavi")
    english = PublicationPage.objects.get(slug="the-security-sector-in-a-captured-state")
    assert serbian.pdf_id != english.pdf_id  # a Serbian edition, with a Serbian cover
    assert "IZVEŠTAJ" in serbian.pdf.extracted_text
    images = get_image_model().objects.all()
    assert {image.collection.name for image in images} == {"PDF covers"}
    assert images.count() == PublicationPage.objects.filter(pdf__isnull=False).count()

    with django_capture_on_commit_callbacks(execute=True):
        load()
    assert get_image_model().objects.count() == images.count()
