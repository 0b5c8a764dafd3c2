"""A translation made in the admin is not public until it is translated and published.

These also pin what bcsp_site.translating relies on in wagtail-localize: its submit, update
and edit views at their addresses, TranslationCreator submitting linked objects through
create_translations() for its target_locales, and Wagtail publishing aliases with their
original.
"""

import datetime
import importlib
import io
import re

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.urls import resolve, reverse
from wagtail.models import Locale, Page
from wagtail_localize.models import (
    LocaleSynchronization,
    StringSegment,
    StringTranslation,
    Translation,
    TranslationSource,
)
from wagtail_localize.segments import StringSegmentValue
from wagtail_localize.segments.extract import extract_segments

from authors.models import AuthorPage
from bcsp_site import translating
from bcsp_site.demo.serbian import publish_translation
from publications.models import PublicationKind
from tests.support.factories import (
    PublicationKindFactory,
    PublicationPageFactory,
    StandardPageFactory,
    menu,
)
from tests.support.sitemaps import sitemap_text

TITLE = "Parliamentary oversight of the services"
SUMMARY = "What the committee asked the services."
SERBIAN = {
    "title": "Skupštinski nadzor nad službama",
    "slug": "skupstinski-nadzor-nad-sluzbama",
    "summary": "Šta je odbor pitao službe.",
}


@pytest.fixture
def serbian(db):
    return Locale.objects.get_or_create(language_code="sr")[0]


@pytest.fixture
def serbian_site(home_page, publication_index, serbian):
    """The Serbian home and publication index, and a kind translated by hand."""
    home_sr = publish_translation(home_page, serbian, title="Beogradski centar")
    index_sr = publish_translation(publication_index, serbian, title="Publikacije")
    kind = PublicationKindFactory(name="Report", slug="report")
    kind_sr = PublicationKind.objects.create(
        locale=serbian, translation_key=kind.translation_key, name="Izveštaj", slug="report"
    )
    return {"home": home_sr, "index": index_sr, "kind": kind, "kind_sr": kind_sr}


@pytest.fixture
def publication(publication_index, serbian_site):
    page = PublicationPageFactory(
        parent=publication_index,
        title=TITLE,
        slug="parliamentary-oversight",
        kind=serbian_site["kind"],
        publication_date=datetime.date(2024, 5, 20),
        summary=SUMMARY,
    )
    page.save_revision().publish()
    return page


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Run what publishing leaves until the transaction commits (wagtail-localize publishes
    a translation then); tests run inside a transaction that never commits."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def submit(admin_client, page, locale, **extra):
    response = admin_client.post(
        f"/admin/localize/submit/page/{page.pk}/", {"locales": [locale.pk], **extra}
    )
    assert response.status_code == 302
    return page.get_translation(locale).specific


def translation_record(instance, locale):
    return Translation.objects.get(
        source__object_id=instance.translation_key, target_locale=locale, enabled=True
    )


def translate_segments(instance, locale, values, *, only=None):
    """Translate the string segments of `instance`'s translation into `locale`: values by
    field path, else the source text marked as Serbian. `only` limits it to those paths."""
    record = translation_record(instance, locale)
    for segment in StringSegment.objects.filter(source=record.source).select_related(
        "string", "context"
    ):
        path = segment.context.path
        if only is not None and path not in only:
            continue
        StringTranslation.objects.update_or_create(
            translation_of=segment.string,
            locale=locale,
            context=segment.context,
            defaults={
                "data": values.get(path, f"[sr] {segment.string.data}"),
                "translation_type": StringTranslation.TRANSLATION_TYPE_MANUAL,
            },
        )
    return record


def press_publish(admin_client, page, **kwargs):
    """The translation editor's "Publish in Serbian" button."""
    return admin_client.post(
        f"/admin/pages/{page.pk}/edit/", {"action": "publish"}, follow=True, **kwargs
    )


def fresh(page):
    return Page.objects.get(pk=page.pk).specific


# Translate this page ----------------------------------------------------------------------


def test_translate_this_page_makes_a_draft_that_visitors_cannot_reach(
    admin_client, client, publication, serbian
):
    draft = submit(admin_client, publication, serbian)

    assert not draft.live
    assert draft.url == "/sr/publications/parliamentary-oversight/"
    assert client.get(draft.url).status_code == 404
    for address in ("/sr/publications/", "/sr/publications/feed/"):
        response = client.get(address)
        assert response.status_code == 200, address
        assert TITLE not in response.content.decode(), address
        assert draft.url not in response.content.decode(), address
    assert draft.url not in sitemap_text(client)
    search = client.get("/sr/search/", {"q": "parliamentary oversight"}).content.decode()
    assert TITLE not in search
    english = client.get(publication.url).content.decode()
    assert draft.url not in english  # neither hreflang nor the language switcher


def test_the_explorer_shows_the_translation_as_a_draft(admin_client, publication, serbian):
    draft = submit(admin_client, publication, serbian)
    listing = admin_client.get(f"/admin/pages/{draft.get_parent().pk}/").content.decode()
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{TITLE}(?:(?!</tr>).)*</tr>", listing, re.S)[0]
    text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    assert "Current page status: draft" in text


def test_publishing_is_refused_until_every_field_is_translated(
    admin_client, client, publication, serbian, publish
):
    draft = submit(admin_client, publication, serbian)
    translate_segments(publication, serbian, SERBIAN, only={"title"})

    response = publish(press_publish, admin_client, draft)

    html = response.content.decode()
    assert "was not published in Serbian, as these are not translated yet: Slug, Summary." in html
    assert not fresh(draft).live
    assert client.get(draft.url).status_code == 404

    translate_segments(publication, serbian, SERBIAN)
    response = publish(press_publish, admin_client, draft)

    assert f"Published &#x27;{SERBIAN['title']}&#x27; in Serbian." in response.content.decode()
    published = fresh(draft)
    assert published.live
    page = client.get("/sr/publications/skupstinski-nadzor-nad-sluzbama/")
    assert page.status_code == 200
    assert SERBIAN["summary"] in page.content.decode()
    assert SUMMARY not in page.content.decode()
    assert (
        "/sr/publications/skupstinski-nadzor-nad-sluzbama/"
        in client.get(publication.url).content.decode()
    )


def test_translating_a_page_leaves_its_kinds_published_translation_alone(
    admin_client, publication, serbian, serbian_site
):
    kind = serbian_site["kind"]
    kind.name = "Research report"
    kind.save()

    draft = submit(admin_client, publication, serbian)

    kind_sr = PublicationKind.objects.get(pk=serbian_site["kind_sr"].pk)
    assert kind_sr.name == "Izveštaj"
    assert draft.kind_id == kind_sr.pk


def test_translating_a_section_leaves_its_published_translations_alone(
    admin_client, client, home_page, serbian_site, serbian, publish
):
    about = StandardPageFactory(parent=home_page, title="About", slug="about", intro="Who we are.")
    mission = StandardPageFactory(parent=about, title="Mission", slug="mission", intro="Why.")
    donors = StandardPageFactory(parent=about, title="Donors", slug="donors", intro="Who pays.")
    for page in (about, mission, donors):
        page.save_revision().publish()

    # Mission first: its untranslated parent gets a placeholder, which is never live.
    mission_sr = submit(admin_client, mission, serbian)
    placeholder = mission_sr.get_parent()
    assert placeholder.alias_of_id == about.pk
    assert not placeholder.live
    translate_segments(mission, serbian, {"title": "Misija", "slug": "misija", "intro": "Zašto."})
    publish(press_publish, admin_client, mission_sr)
    assert client.get("/sr/about/misija/").status_code == 200
    assert client.get("/sr/about/").status_code == 404

    # The English mission changes and is synced (not published) for its translator; then the
    # whole section is translated.
    mission.intro = "Why we work."
    mission.save_revision().publish()
    publish(sync, admin_client, mission)
    response = admin_client.post(
        f"/admin/localize/submit/page/{about.pk}/",
        {"locales": [serbian.pk], "include_subtree": "on"},
    )
    assert response.status_code == 302

    about_sr = fresh(placeholder)
    assert about_sr.alias_of_id is None and not about_sr.live
    assert not donors.get_translation(serbian).live
    assert fresh(mission_sr).live
    page = client.get("/sr/about/misija/").content.decode()
    assert "Zašto." in page
    assert "Why we work." not in page


# Sync translated pages ----------------------------------------------------------------------


@pytest.fixture
def published_translation(admin_client, publication, serbian, publish):
    draft = submit(admin_client, publication, serbian)
    translate_segments(publication, serbian, SERBIAN)
    publish(press_publish, admin_client, draft)
    assert fresh(draft).live
    return fresh(draft)


def sync(admin_client, page, **data):
    source = TranslationSource.objects.get_for_instance(page)
    return admin_client.post(f"/admin/localize/update/{source.pk}/", data, follow=True)


def test_syncing_a_published_translation_never_publishes_untranslated_text(
    admin_client, client, publication, serbian, published_translation, publish
):
    publication.summary = "What the committee asked the services, and what it did not."
    publication.save_revision().publish()

    response = publish(sync, admin_client, publication, publish_translations="on")

    html = response.content.decode()
    assert "stays as it was in Serbian until these are translated" in html
    assert "Summary" in html
    serbian_page = client.get(published_translation.url).content.decode()
    assert SERBIAN["summary"] in serbian_page
    assert "and what it did not" not in serbian_page
    assert fresh(published_translation).live

    # Once the new summary is translated, syncing publishes it.
    new_summary = {"summary": "Šta je odbor pitao službe, a šta nije."}
    translate_segments(publication, serbian, new_summary, only={"summary"})
    publish(sync, admin_client, publication, publish_translations="on")
    serbian_page = client.get(published_translation.url).content.decode()
    assert "Šta je odbor pitao službe, a šta nije." in serbian_page


def test_syncing_brings_published_translations_the_source_untranslatable_changes(
    admin_client, client, publication, published_translation, publish
):
    publication.publication_date = datetime.date(2024, 6, 3)
    publication.save_revision().publish()

    publish(sync, admin_client, publication, publish_translations="on")

    assert fresh(published_translation).publication_date == datetime.date(2024, 6, 3)


def test_syncing_without_publishing_changes_nothing_visitors_see(
    admin_client, client, publication, published_translation, publish
):
    publication.title = "Oversight of the services"
    publication.publication_date = datetime.date(2024, 6, 3)
    publication.save_revision().publish()

    publish(sync, admin_client, publication)

    translation = fresh(published_translation)
    assert translation.title == SERBIAN["title"]
    assert translation.publication_date == datetime.date(2024, 5, 20)


def test_syncing_leaves_a_draft_translation_to_its_translator(
    admin_client, publication, serbian, publish
):
    draft = submit(admin_client, publication, serbian)
    translate_segments(publication, serbian, SERBIAN)

    publish(sync, admin_client, publication, publish_translations="on")

    assert not fresh(draft).live


# Kinds and menus --------------------------------------------------------------------------


def edit_snippet_url(instance):
    meta = instance._meta
    return reverse(f"wagtailsnippets_{meta.app_label}_{meta.model_name}:edit", args=[instance.pk])


def test_a_kind_is_translated_as_a_draft_that_visitors_do_not_see(
    admin_client, client, serbian_site, serbian, publish
):
    briefing = PublicationKindFactory(name="Briefing", slug="briefing")
    response = admin_client.post(
        f"/admin/localize/submit/snippet/publications/publicationkind/{briefing.pk}/",
        {"locales": [serbian.pk]},
    )
    assert response.status_code == 302
    draft = briefing.get_translation(serbian)
    assert not draft.live
    for address in ("/sr/search/?q=izve%C5%A1taj", "/sr/publications/"):
        html = client.get(address).content.decode()
        assert "Izveštaj" in html, address  # the published kind is offered…
        assert "Briefing" not in html, address  # …the draft is not
    assert client.get("/sr/publications/", {"kind": "briefing"}).status_code == 404

    response = publish(
        admin_client.post, edit_snippet_url(draft), {"action": "publish"}, follow=True
    )
    assert "not translated yet: Name, Slug." in response.content.decode()
    assert not PublicationKind.objects.get(pk=draft.pk).live

    translate_segments(briefing, serbian, {"name": "Brifing", "slug": "brifing"})
    publish(admin_client.post, edit_snippet_url(draft), {"action": "publish"})
    published = PublicationKind.objects.get(pk=draft.pk)
    assert published.live and published.name == "Brifing"
    assert "Brifing" in client.get("/sr/search/?q=izve%C5%A1taj").content.decode()


def test_a_publication_waits_for_its_kind_to_be_translated(
    admin_client, client, publication_index, serbian_site, serbian, publish
):
    briefing = PublicationKindFactory(name="Briefing", slug="briefing")
    page = PublicationPageFactory(
        parent=publication_index, title=TITLE, slug="parliamentary-oversight", kind=briefing
    )
    page.save_revision().publish()
    draft = submit(admin_client, page, serbian)
    kind_sr = briefing.get_translation(serbian)
    assert draft.kind_id == kind_sr.pk and not kind_sr.live
    translate_segments(page, serbian, SERBIAN)

    response = publish(press_publish, admin_client, draft)

    assert "not translated yet: Kind." in response.content.decode()
    assert not fresh(draft).live

    translate_segments(briefing, serbian, {"name": "Brifing", "slug": "brifing"})
    publish(admin_client.post, edit_snippet_url(kind_sr), {"action": "publish"})
    publish(press_publish, admin_client, draft)
    html = client.get("/sr/publications/skupstinski-nadzor-nad-sluzbama/").content.decode()
    assert "Brifing" in html
    assert "Briefing" not in html


def test_a_publication_waits_for_its_new_tags_to_be_named(
    admin_client, client, publication, serbian, publish
):
    publication.tags.add("intelligence services")
    publication.save_revision().publish()
    draft = submit(admin_client, publication, serbian)
    made = draft.tag_list[0]
    assert made.locale == serbian and made.needs_translation
    translate_segments(publication, serbian, SERBIAN)

    response = publish(press_publish, admin_client, draft)

    assert "not translated yet: Tags." in response.content.decode()
    assert not fresh(draft).live

    made.name, made.slug, made.needs_translation = "bezbednosne službe", "", False
    made.save()
    publish(press_publish, admin_client, draft)
    html = client.get("/sr/publications/skupstinski-nadzor-nad-sluzbama/").content.decode()
    assert "bezbednosne službe" in html
    assert "intelligence services" not in html


def test_a_menu_is_translated_as_a_draft_copy_edited_in_the_usual_editor(
    admin_client, client, home_page, serbian_site, serbian
):
    footer = menu("footer", [("E-bulletin", "/en/e-bulletin/")])
    footer.save_revision().publish()
    response = admin_client.post(
        f"/admin/localize/submit/snippet/bcsp_site/navigationmenu/{footer.pk}/",
        {"locales": [serbian.pk]},
    )
    assert response.status_code == 302
    copy = footer.get_translation(serbian)
    assert not copy.live
    assert "E-bulletin" not in client.get("/sr/").content.decode()
    listing = admin_client.get(reverse("wagtailsnippets_bcsp_site_navigationmenu:list"))
    listing = " ".join(re.sub(r"<[^>]+>", " ", listing.content.decode()).split())
    assert "Serbian 1 draft" in listing
    assert "English 1 live" in listing

    # Its links are edited like any menu's, not in the translation editor.
    editor = admin_client.get(edit_snippet_url(copy)).content.decode()
    assert 'name="items-0-label"' in editor
    assert not Translation.objects.filter(target_locale=serbian, enabled=True).exists()

    item = copy.items.get()
    item.label, item.link_url = "E-bilten", "/sr/e-bulletin/"
    item.save()
    copy.save_revision().publish()
    html = client.get("/sr/").content.decode()
    assert "E-bilten" in html
    assert "E-bulletin" not in html


def test_the_header_keeps_its_fallback_until_the_languages_header_menu_is_published(
    client, home_page, serbian_site, serbian
):
    about = StandardPageFactory(parent=home_page, title="About", slug="about", show_in_menus=True)
    about.save_revision().publish()
    publish_translation(about, serbian, title="O nama", slug="o-nama")
    header = menu("header", [("Kontakt", "/sr/kontakt/")], language="sr")
    header.live = False
    header.save()

    html = client.get("/sr/").content.decode()
    assert "O nama" in html
    assert "Kontakt" not in html


# Placeholders -------------------------------------------------------------------------------


def test_a_placeholder_stays_unpublished_when_its_original_is_published(
    client, home_page, serbian_site, serbian
):
    about = StandardPageFactory(parent=home_page, title="About", slug="about")
    mission = StandardPageFactory(parent=about, title="Mission", slug="mission")
    mission.copy_for_translation(serbian, copy_parents=True)
    placeholder = about.get_translation(serbian)
    assert placeholder.alias_of_id == about.pk and not placeholder.live

    about.title = "About us"
    about.save_revision().publish()  # Wagtail publishes the page's aliases with it

    assert fresh(placeholder).title == "About us"
    assert not fresh(placeholder).live
    assert client.get("/sr/about/").status_code == 404


def test_a_language_synchronised_from_another_gets_only_unpublished_placeholders(
    client, home_page, publication, serbian_site, serbian
):
    LocaleSynchronization.objects.create(
        locale=serbian, sync_from=Locale.objects.get(language_code="en")
    )

    placeholder = publication.get_translation(serbian)
    assert placeholder.alias_of_id == publication.pk
    assert not placeholder.live
    assert client.get(placeholder.url).status_code == 404


def test_a_translation_turned_back_into_an_alias_leaves_the_site(
    admin_client, client, published_translation
):
    response = admin_client.post(
        f"/admin/localize/page/{published_translation.pk}/convert_to_alias/"
    )
    assert response.status_code == 302

    placeholder = fresh(published_translation)
    assert placeholder.alias_of_id is not None and not placeholder.live
    assert client.get(published_translation.url).status_code == 404


def test_the_migration_unpublishes_placeholders_made_before(
    home_page, serbian_site, serbian, publication_index
):
    about = StandardPageFactory(parent=home_page, title="About", slug="about")
    placeholder = about.copy_for_translation(serbian, alias=True)
    same_language = about.create_alias(update_slug="about-again")
    Page.objects.filter(pk__in=[placeholder.pk, same_language.pk]).update(live=True)

    migration = importlib.import_module("bcsp_site.migrations.0007_menu_drafts")
    migration.unpublish_placeholders(django_apps, None)

    assert not fresh(placeholder).live
    assert fresh(same_language).live


def test_an_alias_in_its_own_language_is_published_as_usual(home_page, publication_index):
    page = PublicationPageFactory(parent=publication_index, slug="original")
    page.save_revision().publish()
    alias = page.create_alias(update_slug="same-page-again")
    assert alias.live


# The demo's own translations ----------------------------------------------------------------


def text_segments(page):
    return {
        (segment.path, segment.render_text())
        for segment in extract_segments(page)
        if isinstance(segment, StringSegmentValue)
    }


def test_the_demo_publishes_only_translated_text(db):
    """The demo's Serbian pages and kinds are made in code, not in the translation editor:
    every text is translated, except slugs, outlets and people's names, the same in both."""
    call_command("load_demo_content", stdout=io.StringIO())
    english = Locale.objects.get(language_code="en")
    serbian = Locale.objects.get(language_code="sr")
    pages = Page.objects.filter(locale=serbian, live=True).specific()
    assert len(pages) > 10
    for page in pages:
        original = page.get_translation(english).specific
        same = {path for path, _text in text_segments(page) & text_segments(original)}
        allowed = {"slug", "outlet_name"} | ({"title"} if isinstance(page, AuthorPage) else set())
        assert same <= allowed, (page.url_path, same - allowed)
    for kind in PublicationKind.objects.filter(locale=serbian):
        assert kind.live
        assert kind.name != kind.get_translation(english).name, kind.slug


# What this relies on in wagtail-localize -----------------------------------------------------


@pytest.mark.parametrize(
    ("address", "view"),
    [
        ("/admin/localize/submit/page/1/", translating.SubmitPageTranslationView),
        (
            "/admin/localize/submit/snippet/publications/publicationkind/1/",
            translating.SubmitSnippetTranslationView,
        ),
        ("/admin/localize/update/1/", translating.UpdateTranslationsView),
    ],
)
def test_wagtail_localize_addresses_lead_to_the_views_that_keep_drafts(address, view):
    assert resolve(address).func.view_class is view


def test_new_translations_are_drafts_by_wagtail_localize_setting(settings):
    assert settings.WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE is False


def test_the_sync_form_says_what_publishing_does(admin_client, published_translation, publication):
    source = TranslationSource.objects.get_for_instance(publication)
    html = admin_client.get(f"/admin/localize/update/{source.pk}/").content.decode()
    assert "Those with new text to translate stay as they are" in html
    assert "will use the original language" not in html
