"""Tags with a name in each language: per-language tags, their pages, what a translation
carries, the editor's autocomplete and the Tags snippets, search, and the data migration."""

import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F

from bcsp_site.demo.serbian import publish_translation
from publications.models import PublicationPage, PublicationPageTag, PublicationTag
from tests.core import test_i18n
from tests.support.factories import PublicationPageFactory

bilingual, serbian = test_i18n.bilingual, test_i18n.serbian  # the same two-language site


def names(page):
    return sorted(tag.name for tag in PublicationPage.objects.get(pk=page.pk).tags.all())


def tag_links(html):
    return dict(re.findall(r'<a href="([^"]+)" rel="tag">([^<]+)</a>', html))


# The tags of one language -----------------------------------------------------------------


def test_tags_given_by_name_are_the_pages_languages(bilingual, serbian):
    english, translated_sr = bilingual["translated"], bilingual["translated_sr"]
    english.tags.add("police")
    english.save()
    translated_sr.tags.add("police", "policija")
    translated_sr.save()
    police = PublicationTag.objects.filter(name="police")
    assert sorted(police.values_list("locale__language_code", flat=True)) == ["en", "sr"]
    assert {tag.locale_id for tag in PublicationPage.objects.get(pk=english.pk).tags.all()} == {
        english.locale_id
    }
    assert {tag.locale_id for tag in translated_sr.tags.all()} == {serbian.pk}


def test_a_translation_carries_the_counterparts_of_its_tags(bilingual, serbian):
    """Linked counterparts are used; a tag without one gets one, under the English name and
    address, marked for an editor to name. The English tags never move."""
    index = bilingual["translated"].get_parent()
    english = PublicationPageFactory(parent=index, slug="borders", tag_names=["borders", "police"])
    police_en = PublicationTag.objects.get(name="police", locale=english.locale)
    policija = PublicationTag.objects.create(
        name="policija", locale=serbian, translation_key=police_en.translation_key
    )

    translation = publish_translation(english, serbian, slug="granice")

    carried = {tag.name: tag for tag in translation.tags.all()}
    assert set(carried) == {"borders", "policija"}
    assert carried["policija"] == policija
    made = carried["borders"]
    assert made.locale == serbian and made.slug == "borders" and made.needs_translation
    assert (
        made.translation_key
        == PublicationTag.objects.get(name="borders", locale=english.locale).translation_key
    )
    assert names(english) == ["borders", "police"]
    assert not PublicationPageTag.objects.exclude(
        tag__locale_id=F("content_object__locale_id")
    ).exists()
    # Its revision (what the editor opens) holds the Serbian tags too.
    revision_tags = {
        item["tag"] for item in translation.get_latest_revision().content["tagged_items"]
    }
    assert revision_tags == {made.pk, policija.pk}


def test_tag_pages_list_their_own_languages_publications(client, bilingual, serbian):
    captured_sr = PublicationTag.objects.get(locale=serbian, name="state capture")
    captured_sr.name, captured_sr.slug = "zarobljena država", ""
    captured_sr.save()
    assert captured_sr.slug == "zarobljena-država"

    english = client.get("/en/publications/tags/state-capture/").content.decode()
    assert "Pandemic of geopolitics" in english
    assert "Sektor bezbednosti" not in english
    serbian_html = client.get("/sr/publications/tags/zarobljena-dr%C5%BEava/").content.decode()
    assert "Sektor bezbednosti u zarobljenoj državi" in serbian_html
    assert "Publikacije sa oznakom „zarobljena država“" in serbian_html
    assert client.get("/sr/publications/tags/state-capture/").status_code == 404
    assert client.get("/en/publications/tags/zarobljena-dr%C5%BEava/").status_code == 404
    assert client.get("/sr/publications/?tag=state-capture").status_code == 404
    assert client.get("/sr/publications/tags/zarobljena-dr%C5%BEava/feed/").status_code == 200

    page = client.get("/sr/publications/sektor-bezbednosti-u-zarobljenoj-drzavi/").content.decode()
    assert tag_links(page) == {"/sr/publications/tags/zarobljena-dr%C5%BEava/": "zarobljena država"}
    assert '"keywords": ["zarobljena država"]' in page


# The editor ---------------------------------------------------------------------------------


def test_autocomplete_offers_the_tags_of_one_language(admin_client, client, bilingual, serbian):
    PublicationTag.objects.create(name="policija", locale=serbian)
    PublicationTag.objects.create(name="police", locale=bilingual["translated"].locale)
    url = "/admin/publication-tags/autocomplete/"
    assert json.loads(admin_client.get(url, {"locale": "sr", "term": "pol"}).content) == [
        "policija"
    ]
    assert json.loads(admin_client.get(url, {"locale": "en", "term": "pol"}).content) == ["police"]
    assert json.loads(admin_client.get(url, {"locale": "xx", "term": "pol"}).content) == []
    assert client.get(url, {"locale": "sr", "term": "pol"}).status_code == 302  # signed out


def test_the_tag_field_asks_for_the_pages_language(admin_client, bilingual):
    for page, code in [(bilingual["translated"], "en"), (bilingual["translated_sr"], "sr")]:
        html = admin_client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
        assert f'data-w-tag-url-value="/admin/publication-tags/autocomplete/?locale={code}"' in html
    index_sr = bilingual["index_sr"]
    html = admin_client.get(
        f"/admin/pages/add/publications/publicationpage/{index_sr.pk}/"
    ).content.decode()
    assert 'data-w-tag-url-value="/admin/publication-tags/autocomplete/?locale=sr"' in html


def test_editor_translating_in_the_admin_gives_serbian_tags(admin_client, bilingual, serbian):
    english = bilingual["english_only"]
    english.save_revision().publish()
    response = admin_client.post(
        f"/admin/localize/submit/page/{english.pk}/", {"locales": [serbian.pk]}
    )
    assert response.status_code == 302
    translation = english.get_translation(serbian).specific
    assert [(tag.name, tag.locale_id) for tag in translation.tags.all()] == [
        ("state capture", serbian.pk)
    ]
    assert translation.tags.get() == PublicationTag.objects.get(
        locale=serbian, translation_key=english.tags.get().translation_key
    )

    # Syncing after the English tags change brings the new tags' counterparts.
    english.tags.add("borders")
    english.save_revision().publish()
    from wagtail_localize.models import Translation, TranslationSource

    source, _created = TranslationSource.update_or_create_from_instance(english)
    Translation.objects.get(source=source, target_locale=serbian).save_target()
    assert {(tag.name, tag.locale_id) for tag in translation.tags.all()} == {
        ("state capture", serbian.pk),
        ("borders", serbian.pk),
    }


def test_naming_a_tag_made_on_translation(admin_client, bilingual, serbian):
    made = PublicationTag.objects.get(locale=serbian, name="state capture")
    assert made.needs_translation
    url = f"/admin/publication-tags/edit/{made.pk}/"
    response = admin_client.post(
        url, {"name": "zarobljena država", "slug": made.slug, "needs_translation": "on"}
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.name, made.slug, made.needs_translation) == (
        "zarobljena država",
        "zarobljena-država",
        False,
    )


def test_a_tag_name_is_unique_within_its_language_only(admin_client, bilingual, serbian):
    PublicationTag.objects.create(name="policija", locale=serbian)
    made = PublicationTag.objects.get(locale=serbian, name="state capture")
    response = admin_client.post(
        f"/admin/publication-tags/edit/{made.pk}/", {"name": "policija", "slug": "policija"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This language already has a tag with this name." in html
    assert "This language already has a tag with this slug." in html
    made.refresh_from_db()
    assert made.name == "state capture"
    # The same name in the other language is another tag, and allowed.
    english = PublicationTag.objects.get(
        locale=bilingual["translated"].locale, name="state capture"
    )
    response = admin_client.post(
        f"/admin/publication-tags/edit/{english.pk}/", {"name": "policija", "slug": "policija"}
    )
    assert response.status_code == 302


def test_tags_list_in_the_admin_shows_languages_and_counterparts(admin_client, bilingual):
    html = admin_client.get("/admin/publication-tags/", {"locale": "sr"}).content.decode()
    assert "state capture" in html
    listing = admin_client.get(
        "/admin/publication-tags/", {"needs_translation": "true", "locale": "sr"}
    )
    assert listing.status_code == 200
    assert "state capture" in listing.content.decode()


# Search -----------------------------------------------------------------------------------


def suggestions(html):
    datalist = re.search(r'<datalist id="tag-suggestions">(.*?)</datalist>', html, re.S)[1]
    return set(re.findall(r'<option value="([^"]*)">', datalist))


def test_search_suggests_and_accepts_its_languages_tags(client, bilingual, serbian):
    police = PublicationTag.objects.create(name="policija", locale=serbian)  # used nowhere
    assert suggestions(client.get("/en/search/").content.decode()) == {"state capture"}
    assert suggestions(client.get("/sr/search/").content.decode()) == {"state capture"}
    assert police.name not in suggestions(client.get("/sr/search/").content.decode())
    sr_tag = PublicationTag.objects.get(locale=serbian, name="state capture")
    sr_tag.name = "zarobljena država"
    sr_tag.save()
    assert suggestions(client.get("/sr/search/").content.decode()) == {"zarobljena država"}
    assert suggestions(client.get("/en/search/", {"language": "sr"}).content.decode()) == {
        "zarobljena država"
    }

    found = client.get("/sr/search/", {"tag": "zarobljena država"})
    assert found.status_code == 200
    assert "Sektor bezbednosti u zarobljenoj državi" in found.content.decode()
    refused = client.get("/en/search/", {"tag": "zarobljena država"})
    assert refused.status_code == 400
    assert "There is no tag called “zarobljena država”." in refused.content.decode()
    assert 'value="zarobljena država"' in refused.content.decode()


# The data migration -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_migration_gives_each_language_its_own_tags(home_page, publication_index, serbian):
    """English tags stay English (same ids and addresses); tags of Serbian pages only
    become Serbian; a tag on pages of both languages gets a Serbian copy for the Serbian ones."""
    english = PublicationPageFactory(parent=publication_index, slug="english")
    both = PublicationPageFactory(parent=publication_index, slug="both")
    publish_translation(home_page, serbian, title="Početna")
    index_sr = publish_translation(publication_index, serbian, title="Publikacije")
    serbian_page = PublicationPageFactory(parent=index_sr, slug="srpski")
    page_ids = {"english": english.pk, "both": both.pk, "serbian": serbian_page.pk}

    executor = MigrationExecutor(connection)
    executor.migrate([("publications", "0003_search_text_index")])
    old = executor.loader.project_state([("publications", "0003_search_text_index")]).apps
    Tag, Tagging = (
        old.get_model("taggit", "Tag"),
        old.get_model("publications", "PublicationPageTag"),
    )
    tags = {
        name: Tag.objects.create(name=name, slug=slug)
        for name, slug in [
            ("police", "police"),
            ("COVID-19", "covid-19"),
            ("vanredno stanje", "vanredno-stanje"),
            ("unused", "unused"),
        ]
    }
    for page, tag in [
        ("english", "police"),
        ("english", "COVID-19"),
        ("both", "COVID-19"),
        ("serbian", "COVID-19"),
        ("serbian", "vanredno stanje"),
    ]:
        Tagging.objects.create(content_object_id=page_ids[page], tag=tags[tag])
    image_tag = Tag.objects.create(name="portrait", slug="portrait")
    old.get_model("taggit", "TaggedItem").objects.create(
        tag=image_tag,
        object_id=1,
        content_type=old.get_model("contenttypes", "ContentType").objects.get(
            app_label="wagtailimages", model="image"
        ),
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    english_locale = english.locale
    by_name = {(tag.name, tag.locale_id): tag for tag in PublicationTag.objects.all()}
    assert set(by_name) == {
        ("police", english_locale.pk),
        ("COVID-19", english_locale.pk),
        ("COVID-19", serbian.pk),
        ("vanredno stanje", serbian.pk),
        ("unused", english_locale.pk),
    }
    for name in ("police", "COVID-19", "unused"):
        kept = by_name[(name, english_locale.pk)]
        assert (kept.pk, kept.slug) == (tags[name].pk, tags[name].slug)
    covid_sr = by_name[("COVID-19", serbian.pk)]
    assert covid_sr.needs_translation and covid_sr.slug == "covid-19"
    assert covid_sr.translation_key == by_name[("COVID-19", english_locale.pk)].translation_key
    assert by_name[("vanredno stanje", serbian.pk)].pk == tags["vanredno stanje"].pk
    assert names(serbian_page) == ["COVID-19", "vanredno stanje"]
    assert {
        tag.locale_id for tag in PublicationPage.objects.get(pk=serbian_page.pk).tags.all()
    } == {serbian.pk}
    assert {tag.locale_id for tag in PublicationPage.objects.get(pk=both.pk).tags.all()} == {
        english_locale.pk
    }
    from taggit.models import Tag as SharedTag

    assert list(SharedTag.objects.values_list("name", flat=True)) == ["portrait"]
    # A new tag gets an id of its own (the id sequence moved past the copied ids).
    PublicationTag.objects.create(name="new", locale=english_locale)


@pytest.mark.django_db(transaction=True)
def test_migration_can_be_undone(home_page, publication_index, serbian):
    english = PublicationPageFactory(
        parent=publication_index, slug="english", tag_names=["COVID-19"]
    )
    publish_translation(home_page, serbian, title="Početna")
    index_sr = publish_translation(publication_index, serbian, title="Publikacije")
    publish_translation(english, serbian, slug="srpski")
    executor = MigrationExecutor(connection)
    executor.migrate([("publications", "0003_search_text_index")])
    old = executor.loader.project_state([("publications", "0003_search_text_index")]).apps
    Tagging = old.get_model("publications", "PublicationPageTag")
    assert sorted(Tagging.objects.values_list("tag__name", flat=True)) == ["COVID-19", "COVID-19"]
    assert old.get_model("taggit", "Tag").objects.count() == 1
    call_command("migrate", verbosity=0)
    assert index_sr.pk


def test_editor_translates_a_tag_with_wagtail_localize(admin_client, bilingual, serbian):
    tag = PublicationTag.objects.get(locale=bilingual["translated"].locale, name="state capture")
    PublicationTag.objects.filter(locale=serbian).delete()
    submit = f"/admin/localize/submit/snippet/publications/publicationtag/{tag.pk}/"
    assert admin_client.get(submit).status_code == 200
    assert admin_client.post(submit, {"locales": [serbian.pk]}).status_code == 302
    translation = PublicationTag.objects.get(translation_key=tag.translation_key, locale=serbian)
    edit = admin_client.get(f"/admin/publication-tags/edit/{translation.pk}/", follow=True)
    assert edit.status_code == 200
    assert "state capture" in edit.content.decode()


def test_slugs_are_made_free_within_each_language(bilingual, serbian):
    english = bilingual["translated"].locale
    first = PublicationTag.objects.create(name="Police", locale=english)
    second = PublicationTag.objects.create(name="police", locale=english)
    serbian_tag = PublicationTag.objects.create(name="police", locale=serbian)
    assert (first.slug, second.slug, serbian_tag.slug) == ("police", "police_1", "police")
    assert PublicationTag.objects.create(name="???", locale=english).slug == "tag"
