"""The editor's paths in the admin that the browser tests walk, checked without a browser:
preview headers, starting a page again, the author chooser and the dashboard."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import rich_text

from tests.support.factories import PublicationPageFactory

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


# Starting a page again ----------------------------------------------------------------------


def author_form(title, slug):
    """What the page editor sends for a new author page (autosave sends the same)."""
    return {
        "title": title,
        "slug": slug,
        "role": "",
        "biography": rich_text(""),
        "email": "",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
    }


def add_author_url(author_index):
    return reverse("wagtailadmin_pages:add", args=["authors", "authorpage", author_index.pk])


@pytest.mark.parametrize(
    ("slug", "title"),
    [
        ("jane-doe", "Jane Doe"),
        ("jane-doe-2", "Jane Doe"),
        ("djordje-djordjevic", "Đorđe Đorđević"),
        ("report-2020", "Report 2020"),
    ],
)
def test_slugs_made_from_the_title_are_told_from_typed_ones(slug, title):
    from bcsp_site.core.page_forms import slug_follows_title

    assert slug_follows_title(slug, title)
    assert not slug_follows_title("about-jane", title)
    assert not slug_follows_title(slug, "")


def test_a_new_page_whose_title_slug_is_taken_gets_the_next_free_one(
    superuser_client, author_index
):
    from tests.support.factories import AuthorPageFactory

    abandoned = AuthorPageFactory(
        parent=author_index, title="Jane Doe", slug="jane-doe", live=False
    )
    AuthorPageFactory(parent=author_index, title="Jane Doe", slug="jane-doe-2")

    response = superuser_client.post(
        add_author_url(author_index),
        author_form("Jane Doe", "jane-doe"),
        HTTP_ACCEPT="application/json",  # as autosave sends it
    )

    assert response.status_code == 200, response.content
    saved = response.json()
    assert saved["field_updates"]["slug"] == "jane-doe-3"
    from authors.models import AuthorPage

    assert AuthorPage.objects.get(pk=saved["pk"]).slug == "jane-doe-3"
    abandoned.refresh_from_db()
    assert abandoned.slug == "jane-doe"


def test_a_typed_slug_that_is_taken_names_and_links_the_page_holding_it(
    superuser_client, author_index
):
    from authors.models import AuthorPage
    from tests.support.factories import AuthorPageFactory

    holder = AuthorPageFactory(parent=author_index, title="Jane <Doe>", slug="jane", live=False)

    response = superuser_client.post(add_author_url(author_index), author_form("Someone", "jane"))

    assert response.status_code == 200
    errors = response.context["form"].errors["slug"]
    assert len(errors) == 1
    edit_url = reverse("wagtailadmin_pages:edit", args=[holder.pk])
    assert errors[0] == (
        "The slug “jane” is already used by "
        f'“<a href="{edit_url}">Jane &lt;Doe&gt;</a>” (draft) in the same section. '
        "Choose another slug, or open that page and carry on with it."
    )
    assert errors[0] in response.content.decode()
    assert not AuthorPage.objects.filter(title="Someone").exists()


# The author chooser -------------------------------------------------------------------------


@pytest.fixture
def two_languages_of_authors(home_page, author_index):
    """Authors in English, each translated into Serbian, and one only in Serbian."""
    from wagtail.models import Locale

    from bcsp_site.demo.serbian import publish_translation
    from tests.support.factories import AuthorPageFactory

    serbian = Locale.objects.get_or_create(language_code="sr")[0]
    publish_translation(home_page, serbian, title="Početna")
    authors_sr = publish_translation(author_index, serbian, title="Autori")
    english = [
        AuthorPageFactory(parent=author_index, title=title, slug=slug)
        for title, slug in [
            ("Saša Đorđević", "sasa-djordjevic"),
            ("Predrag Milošević", "predrag-milosevic"),
            ("Isidora Stakić", "isidora-stakic"),
        ]
    ]
    translated = [publish_translation(author, serbian) for author in english]
    only_serbian = AuthorPageFactory(parent=authors_sr, title="Đorđe Jovanović", slug="djordje")
    return {
        "en": english,
        "sr": translated,
        "only_serbian": only_serbian,
        "authors_sr": authors_sr,
    }


def chooser_search(client, text, language):
    return client.get(
        reverse("wagtailadmin_choose_page_search"),
        {"page_type": "authors.authorpage", "locale": language, "multiple": "1", "q": text},
    )


def found(response):
    return [page.pk for page in response.context["pages"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Djordjevic", ["Saša Đorđević"]),
        ("dordevic", ["Saša Đorđević"]),
        ("Đorđević", ["Saša Đorđević"]),
        ("Milosevic", ["Predrag Milošević"]),
        ("sasa djord", ["Saša Đorđević"]),
        ("STAKIĆ", ["Isidora Stakić"]),
        ("nobody", []),
    ],
)
def test_author_search_folds_diacritics_and_lists_each_person_once(
    superuser_client, two_languages_of_authors, text, expected
):
    english = {page.pk: page.title for page in two_languages_of_authors["en"]}

    response = chooser_search(superuser_client, text, "en")

    assert response.status_code == 200
    assert [english.get(pk) for pk in found(response)] == expected


def test_author_search_prefers_the_pages_language_and_still_finds_the_others(
    superuser_client, two_languages_of_authors
):
    serbian = {page.title: page.pk for page in two_languages_of_authors["sr"]}
    only_serbian = two_languages_of_authors["only_serbian"]

    assert found(chooser_search(superuser_client, "Djordjevic", "sr")) == [serbian["Saša Đorđević"]]
    # Someone with no English page yet is still found from an English page (once).
    assert found(chooser_search(superuser_client, "Jovanovic", "en")) == [only_serbian.pk]


def test_author_chooser_opens_on_the_author_index_of_the_pages_language(
    superuser_client, author_index, two_languages_of_authors
):
    for language, index in [("en", author_index), ("sr", two_languages_of_authors["authors_sr"])]:
        response = superuser_client.get(
            reverse("publications_choose_author"),
            {"page_type": "authors.authorpage", "locale": language, "multiple": "1"},
        )
        assert response.status_code == 200
        assert response.json()["parent_page_id"] == index.pk


def test_other_page_choosers_search_as_before(superuser_client, two_languages_of_authors):
    response = superuser_client.get(
        reverse("wagtailadmin_choose_page_search"), {"q": "Djordjevic", "locale": "en"}
    )
    assert response.status_code == 200
    assert found(response) == []  # Wagtail's own search: no folding outside the author chooser


def test_author_search_costs_the_same_queries_with_more_authors(
    superuser_client, author_index, two_languages_of_authors
):
    """(Wagtail draws each row of the results with a few queries of its own; at most 25
    rows are drawn.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.support.factories import AuthorPageFactory

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert found(chooser_search(superuser_client, "Djordjevic", "en"))
        return len(queries)

    few = count()
    for number in range(30):
        AuthorPageFactory(parent=author_index, title=f"Jovan Petrović {number}")
    assert count() == few


# The dashboard ------------------------------------------------------------------------------


def fill_dashboard(publication, size, serbian):
    """``size`` pending comments, bulletins, sign-ups and draft translations."""
    from wagtail_localize.models import Translation, TranslationSource

    from comments.models import Comment
    from newsletter.models import Bulletin, Subscriber

    start = Subscriber.objects.count()
    for number in range(size):
        Comment.objects.create(page=publication, name="Reader", email="r@example.org", text="Hi")
        Bulletin.objects.create(subject=f"Sent {start + number}", status=Bulletin.Status.SENT)
        Bulletin.objects.create(subject=f"Draft {start + number}")
        Subscriber.objects.create(email=f"s{start + number}@example.org", status="confirmed")
        page = PublicationPageFactory(parent=publication.get_parent())
        source, _created = TranslationSource.get_or_create_from_instance(page)
        Translation.objects.create(source=source, target_locale=serbian).save_target(publish=False)


def dashboard_queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_dashboard_costs_the_same_queries_at_two_sizes(superuser_client, publication):
    from wagtail.models import Locale

    from bcsp_site.demo.serbian import publish_translation

    serbian = Locale.objects.get_or_create(language_code="sr")[0]
    home_sr = publish_translation(publication.get_parent().get_parent(), serbian, title="Početna")
    publish_translation(publication.get_parent(), serbian, title="Publikacije")
    assert home_sr.pk

    fill_dashboard(publication, 2, serbian)
    small, html = dashboard_queries(superuser_client)
    assert "2 comments awaiting moderation" in html
    assert "2 translated pages are not published yet" in html

    fill_dashboard(publication, 12, serbian)
    large, html = dashboard_queries(superuser_client)
    assert "14 comments awaiting moderation" in html
    assert "14 translated pages are not published yet" in html
    assert "14 sign-ups in the last 30 days" in html
    assert large == small


def test_dashboard_panels_show_only_to_those_who_act_on_them(client, django_user_model, db):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("reader", "reader@example.org", PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    for heading in ["Reader comments", "Translations in progress", "E-bulletin"]:
        assert heading not in html
