"""English and Serbian: prefixes, negotiation, the switcher, hreflang, scoping, catalogues."""

import datetime
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Locale, Page

from bcsp_site.demo.serbian import publish_translation
from bcsp_site.models import HomeFeaturedPublication
from newsletter.models import Subscriber
from publications.models import PublicationKind, PublicationTag
from tests.support.factories import (
    AuthorPageFactory,
    OpEdPageFactory,
    PublicationKindFactory,
    PublicationPageFactory,
)

CATALOGUE = (
    Path(settings.BASE_DIR)
    / "bcsp_site"
    / "translations"
    / "site"
    / "sr"
    / "LC_MESSAGES"
    / "django.po"
)
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


translate = publish_translation


@pytest.fixture
def serbian():
    return Locale.objects.get_or_create(language_code="sr")[0]


@pytest.fixture
def bilingual(home_page, publication_index, author_index, serbian):
    """Both language trees, one publication translated and one only in English."""
    author = AuthorPageFactory(parent=author_index, title="Saša Đorđević", slug="sasa-djordjevic")
    translated = PublicationPageFactory(
        parent=publication_index,
        title="The Security Sector in a Captured State",
        slug="captured-state",
        publication_date=datetime.date(2020, 6, 30),
        authors=[author],
        tag_names=["state capture"],
    )
    english_only = PublicationPageFactory(
        parent=publication_index,
        title="Pandemic of geopolitics",
        slug="pandemic-of-geopolitics",
        publication_date=datetime.date(2020, 4, 23),
        tag_names=["state capture"],
    )
    home_sr = translate(home_page, serbian, title="Beogradski centar za bezbednosnu politiku")
    home_sr.featured_links.all().delete()
    index_sr = translate(publication_index, serbian, title="Publikacije")
    authors_sr = translate(author_index, serbian, title="Autori")
    author_sr = translate(author, serbian)
    kind_sr = PublicationKind.objects.create(
        locale=serbian,
        translation_key=translated.kind.translation_key,
        name="Analiza",
        slug="analysis",
    )
    translated_sr = translate(
        translated,
        serbian,
        title="Sektor bezbednosti u zarobljenoj državi",
        slug="sektor-bezbednosti-u-zarobljenoj-drzavi",
        kind=kind_sr,
    )
    translated_sr.author_links.update(author=author_sr)
    return {
        "home_sr": home_sr,
        "index_sr": index_sr,
        "authors_sr": authors_sr,
        "author": author,
        "author_sr": author_sr,
        "translated": translated,
        "translated_sr": translated_sr,
        "english_only": english_only,
    }


def switcher_links(html):
    nav = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S)[0]
    return dict(re.findall(r'<a href="/language/(\w+)/\?next=([^"]+)"', nav))


def hreflangs(html):
    return dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', html))


# Prefixes, negotiation and the remembered choice ------------------------------------------


def test_each_prefix_serves_its_language(client, bilingual):
    english = client.get("/en/").content.decode()
    serbian = client.get("/sr/").content.decode()
    assert '<html lang="en">' in english
    assert "Skip to main content" in english
    assert '<html lang="sr">' in serbian
    assert "Pređi na glavni sadržaj" in serbian
    assert "Skip to main content" not in serbian
    assert "Beogradski centar za bezbednosnu politiku" in serbian


@pytest.mark.parametrize(
    ("accept", "cookie", "expected"),
    [
        ("", None, "/en/"),
        ("sr", None, "/sr/"),
        ("sr-Latn-RS,sr;q=0.9,en;q=0.5", None, "/sr/"),
        ("de-DE,de;q=0.9", None, "/en/"),
        ("en-GB,en;q=0.9", "sr", "/sr/"),
        ("sr", "en", "/en/"),
    ],
)
def test_root_sends_visitors_to_their_language(client, bilingual, accept, cookie, expected):
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302
    assert response["Location"] == expected
    assert "Accept-Language" in response.get("Vary", "")


def test_choosing_a_language_is_remembered(client, bilingual):
    response = client.get("/language/sr/", {"next": "/sr/publications/"})
    assert response.status_code == 302
    assert response["Location"] == "/sr/publications/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sr"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").headers["Location"] == "/sr/"

    client.get("/language/en/", {"next": "/en/"})
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="sr").headers["Location"] == "/en/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/sr/", "/en/publications/", "", "sr/"]
)
def test_choosing_a_language_never_redirects_elsewhere(client, bilingual, target):
    response = client.get("/language/sr/", {"next": target})
    assert response["Location"] == "/sr/"


def test_unknown_language_choice_falls_back_to_the_default(client, bilingual):
    response = client.get("/language/xx/", {"next": "/xx/"})
    assert response["Location"] == "/en/"


# The switcher and hreflang ----------------------------------------------------------------


def test_switcher_links_a_page_to_its_translation(client, bilingual):
    html = client.get("/en/publications/captured-state/").content.decode()
    assert switcher_links(html) == {
        "sr": "%2Fsr%2Fpublications%2Fsektor-bezbednosti-u-zarobljenoj-drzavi%2F"
    }
    back = client.get("/sr/publications/sektor-bezbednosti-u-zarobljenoj-drzavi/").content.decode()
    assert switcher_links(back) == {"en": "%2Fen%2Fpublications%2Fcaptured-state%2F"}
    assert '<span aria-current="true" lang="sr">Srpski</span>' in back


def test_switcher_falls_back_to_the_nearest_translated_ancestor(client, bilingual):
    html = client.get("/en/publications/pandemic-of-geopolitics/").content.decode()
    assert switcher_links(html) == {"sr": "%2Fsr%2Fpublications%2F"}
    followed = client.get("/language/sr/", {"next": "/sr/publications/"}, follow=True)
    assert followed.status_code == 200


def test_switcher_goes_to_the_home_page_when_no_ancestor_is_translated(client, bilingual):
    untranslated_section = PublicationPageFactory(
        parent=bilingual["english_only"].get_parent(), slug="lonely"
    )
    bilingual["index_sr"].unpublish()
    assert not Page.objects.get(pk=bilingual["index_sr"].pk).live
    html = client.get(untranslated_section.url).content.decode()
    assert switcher_links(html) == {"sr": "%2Fsr%2F"}


def test_switcher_keeps_a_year_archive_only_where_that_year_exists(client, bilingual):
    html = client.get("/en/publications/2020/").content.decode()
    assert switcher_links(html) == {"sr": "%2Fsr%2Fpublications%2F2020%2F"}
    PublicationPageFactory(
        parent=bilingual["translated"].get_parent(), publication_date=datetime.date(2015, 1, 1)
    )
    html = client.get("/en/publications/2015/").content.decode()
    assert switcher_links(html) == {"sr": "%2Fsr%2Fpublications%2F"}


def test_switcher_keeps_the_search_query(client, bilingual):
    html = client.get("/en/search/", {"q": "državi"}).content.decode()
    assert switcher_links(html) == {"sr": "%2Fsr%2Fsearch%2F%3Fq%3Ddr%25C5%25BEavi"}


def test_switcher_follows_a_new_translation_on_the_next_request(client, bilingual, serbian):
    html = client.get("/en/publications/pandemic-of-geopolitics/").content.decode()
    assert switcher_links(html) == {"sr": "%2Fsr%2Fpublications%2F"}
    translate(bilingual["english_only"], serbian, slug="pandemija-geopolitike")
    html = client.get("/en/publications/pandemic-of-geopolitics/").content.decode()
    assert switcher_links(html) == {"sr": "%2Fsr%2Fpublications%2Fpandemija-geopolitike%2F"}


def switcher_targets(html):
    """{code: (address the switcher leads to, whether it is the same place)}."""
    nav = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S)[0]
    return {
        code: (unquote(target), "title=" not in rest)
        for code, target, rest in re.findall(
            r'<a href="/language/(\w+)/\?next=([^"]+)"([^>]*)>', nav
        )
    }


@pytest.fixture
def tagged(bilingual, serbian):
    """The Serbian tag of the translated publication, named in Serbian."""
    tag = PublicationTag.objects.get(locale=serbian, name="state capture")
    tag.name, tag.slug, tag.needs_translation = "zarobljena država", "", False
    tag.save()
    return tag


def test_switcher_keeps_a_tag_page_where_the_other_language_has_it(client, bilingual, tagged):
    html = client.get("/en/publications/tags/state-capture/").content.decode()
    assert switcher_targets(html) == {"sr": ("/sr/publications/tags/zarobljena-dr%C5%BEava/", True)}
    assert hreflangs(html)["sr"] == "http://localhost/sr/publications/tags/zarobljena-dr%C5%BEava/"
    back = client.get("/sr/publications/tags/zarobljena-dr%C5%BEava/").content.decode()
    assert switcher_targets(back) == {"en": ("/en/publications/tags/state-capture/", True)}
    # No Serbian publication carries it any more: the Serbian list of publications.
    bilingual["translated_sr"].tags.clear()
    bilingual["translated_sr"].save_revision().publish()
    html = client.get("/en/publications/tags/state-capture/").content.decode()
    assert switcher_targets(html) == {"sr": ("/sr/publications/", False)}
    assert "sr" not in hreflangs(html)


def test_switcher_keeps_a_listings_filters_and_page(client, bilingual, tagged):
    author = bilingual["author"]
    html = client.get(
        "/en/publications/",
        {"kind": "analysis", "tag": "state-capture", "author": author.slug, "utm_source": "x"},
    ).content.decode()
    assert switcher_targets(html) == {
        "sr": (
            "/sr/publications/?kind=analysis&tag=zarobljena-dr%C5%BEava&author=sasa-djordjevic",
            True,
        )
    }
    html = client.get("/en/publications/2020/", {"page": "2", "tag": "state-capture"})
    assert switcher_targets(html.content.decode()) == {
        "sr": ("/sr/publications/2020/?tag=zarobljena-dr%C5%BEava&page=2", True)
    }
    # A filter with nothing to match in Serbian is left out, and the link says so.
    PublicationPageFactory(
        parent=bilingual["translated"].get_parent(), slug="borders", tag_names=["borders"]
    )
    html = client.get("/en/publications/", {"tag": "borders"}).content.decode()
    assert switcher_targets(html) == {"sr": ("/sr/publications/", False)}
    # hreflang names the list itself, whatever the filters.
    assert hreflangs(html) == {
        "en": "http://localhost/en/publications/",
        "sr": "http://localhost/sr/publications/",
        "x-default": "http://localhost/en/publications/",
    }


def test_switcher_keeps_an_authors_page_number(client, bilingual):
    html = client.get("/en/authors/sasa-djordjevic/", {"page": "3"}).content.decode()
    assert switcher_targets(html) == {"sr": ("/sr/authors/sasa-djordjevic/?page=3", True)}
    assert hreflangs(html)["sr"] == "http://localhost/sr/authors/sasa-djordjevic/?page=3"


def test_switcher_keeps_a_searchs_words_filters_and_page(client, bilingual, tagged):
    query = {"q": "sektor", "kind": "analysis", "tag": "state capture", "year_from": "2019"}
    html = client.get("/en/search/", {**query, "page": "2"}).content.decode()
    assert switcher_targets(html) == {
        "sr": (
            "/sr/search/?q=sektor&kind=analysis&tag=zarobljena-dr%C5%BEava&year_from=2019&page=2",
            True,
        )
    }
    followed = client.get(switcher_targets(html)["sr"][0])
    assert followed.status_code == 200
    assert "Oznaka: zarobljena država" in followed.content.decode()
    # A search of one content language is the same search in either interface language.
    html = client.get("/en/search/", {**query, "tag": "zarobljena-država", "language": "sr"})
    assert switcher_targets(html.content.decode()) == {
        "sr": (
            "/sr/search/?q=sektor&kind=analysis&tag=zarobljena-dr%C5%BEava&year_from=2019"
            "&language=sr",
            True,
        )
    }


def test_switcher_lookups_are_cached_and_do_not_grow(
    client, bilingual, serbian, tagged, page_cache_off
):
    """The switcher's lookups for routes and filters cost a fixed few queries, once per
    content generation."""
    index = bilingual["translated"].get_parent()
    paths = [
        "/en/publications/tags/state-capture/",
        "/sr/publications/tags/zarobljena-dr%C5%BEava/",
        "/en/publications/?kind=analysis&tag=state-capture&author=sasa-djordjevic&page=2",
        "/sr/publications/?kind=analysis&tag=zarobljena-dr%C5%BEava&page=2",
        "/en/search/?q=sektor&kind=analysis&tag=state-capture",
    ]

    def counts():
        found = []
        for path in paths:
            client.get(path)
            with CaptureQueriesContext(connection) as warm:
                assert client.get(path).status_code == 200, path
            cache.clear()
            with CaptureQueriesContext(connection) as cold:
                client.get(path)
            found.append((len(warm), len(cold)))
        return found

    small = counts()
    author = bilingual["author"]
    for number in range(12):
        english = PublicationPageFactory(
            parent=index,
            slug=f"more-{number}",
            authors=[author],
            tag_names=["state capture", f"topic {number}"],
        )
        translate(english, serbian, slug=f"vise-{number}")
    assert counts() == small


def test_hreflang_lists_existing_translations_and_x_default(client, bilingual):
    html = client.get("/sr/publications/sektor-bezbednosti-u-zarobljenoj-drzavi/").content.decode()
    assert hreflangs(html) == {
        "en": "http://localhost/en/publications/captured-state/",
        "sr": "http://localhost/sr/publications/sektor-bezbednosti-u-zarobljenoj-drzavi/",
        "x-default": "http://localhost/en/publications/captured-state/",
    }
    untranslated = client.get("/en/publications/pandemic-of-geopolitics/").content.decode()
    assert hreflangs(untranslated) == {
        "en": "http://localhost/en/publications/pandemic-of-geopolitics/",
        "x-default": "http://localhost/en/publications/pandemic-of-geopolitics/",
    }


# Content in one language only -------------------------------------------------------------


def test_listings_show_the_current_language_only(client, bilingual):
    english_title = "The Security Sector in a Captured State"
    serbian_title = "Sektor bezbednosti u zarobljenoj državi"
    for path in (
        "/sr/",
        "/sr/publications/",
        "/sr/publications/2020/",
        "/sr/publications/tags/state-capture/",
        "/sr/authors/sasa-djordjevic/",
        "/sr/publications/feed/",
    ):
        html = client.get(path).content.decode()
        assert serbian_title in html, path
        assert english_title not in html, path
        assert "Pandemic of geopolitics" not in html, path
    for path in (
        "/en/",
        "/en/publications/",
        "/en/publications/2020/",
        "/en/publications/tags/state-capture/",
        "/en/authors/sasa-djordjevic/",
        "/en/publications/feed/",
    ):
        html = client.get(path).content.decode()
        assert english_title in html, path
        assert serbian_title not in html, path


@pytest.mark.parametrize(
    "query", ["zarobljenoj državi", "zarobljenoj drzavi", "ZAROBLJENOJ DRŽAVI"]
)
def test_serbian_search_matches_with_and_without_diacritics(client, bilingual, query):
    html = client.get("/sr/search/", {"q": query}).content.decode()
    assert 'href="/sr/publications/sektor-bezbednosti-u-zarobljenoj-drzavi/"' in html
    assert "/en/publications/captured-state/" not in html.split("</header>", 1)[1]


def test_english_search_does_not_return_serbian_pages(client, bilingual):
    html = client.get("/en/search/", {"q": "security sector"}).content.decode()
    assert 'href="/en/publications/captured-state/"' in html
    assert "zarobljenoj" not in html


def test_dates_are_formatted_per_language(client, bilingual):
    english = client.get("/en/publications/captured-state/").content.decode()
    serbian = client.get(
        "/sr/publications/sektor-bezbednosti-u-zarobljenoj-drzavi/"
    ).content.decode()
    assert "June 30, 2020" in english
    assert "30. jun 2020." in serbian


# The op-ed's provenance line --------------------------------------------------------------


def test_provenance_links_to_the_original_on_this_site(client, bilingual, serbian):
    index = bilingual["translated"].get_parent()
    original_kind = PublicationKindFactory(name="Autorski tekst", slug="op-ed", locale=serbian)
    op_ed = OpEdPageFactory(
        parent=index,
        title="Public Recording with Secret Cameras",
        slug="secret-cameras",
        outlet_name="Peščanik",
        outlet_url="https://pescanik.net/",
        original_language="sr",
        translator_name="Pavle Nedić",
    )
    html = client.get(op_ed.url).content.decode()
    assert '<a href="https://pescanik.net/" rel="noopener">Peščanik</a>' in html

    translate(
        op_ed,
        serbian,
        slug="javno-snimanje",
        original_language="",
        translator_name="",
        kind=original_kind,
    )
    html = client.get(op_ed.url).content.decode()
    assert '<a href="/sr/publications/javno-snimanje/" hreflang="sr">Peščanik</a>' in html
    original = client.get("/sr/publications/javno-snimanje/").content.decode()
    assert '<a href="https://pescanik.net/" rel="noopener">Peščanik</a>' in original


# Forms and emails in Serbian --------------------------------------------------------------


def test_serbian_form_errors_are_in_serbian_latin(client, bilingual):
    response = client.post(
        "/sr/e-bulletin/",
        {"email": "not-an-address", "name": "Ana", "language": "sr", "consent": "on"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unesite ispravnu" in html
    errors = " ".join(re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', html, re.S))
    assert errors.strip()
    assert not CYRILLIC.search(errors), errors


def test_django_messages_are_latin_not_cyrillic(client, bilingual):
    with translation.override("sr"):
        assert gettext("This field is required.") == "Ovo polje se mora popuniti."
        assert gettext("Enter a whole number.") == "Unesite ceo broj."
    response = client.get("/sr/search/", {"q": "bezbednost", "year_from": "dve hiljade"})
    assert response.status_code == 400
    html = response.content.decode()
    with translation.override("sr"):
        expected = gettext("Enter a year as four digits, e.g. 2019.")
    assert expected != "Enter a year as four digits, e.g. 2019."
    assert expected in html
    assert not CYRILLIC.search(html)


def test_serbian_signup_gets_a_serbian_confirmation_email(client, bilingual):
    response = client.post(
        "/sr/e-bulletin/",
        {"email": "ana@example.org", "name": "Ana", "language": "sr", "consent": "on"},
    )
    assert response.status_code == 302
    assert Subscriber.objects.get().language == "sr"
    (message,) = mail.outbox
    assert "/sr/e-bulletin/confirm/" in message.body
    assert "Potvrdite" in message.subject or "potvrd" in message.body.lower()
    assert "Please confirm" not in message.body
    assert not CYRILLIC.search(message.subject + message.body)


# Translating in the admin -----------------------------------------------------------------


def test_editor_translates_a_page_in_the_admin(admin_client, bilingual, serbian):
    page = bilingual["english_only"]
    submit = f"/admin/localize/submit/page/{page.pk}/"
    assert admin_client.get(submit).status_code == 200
    response = admin_client.post(submit, {"locales": [serbian.pk]})
    assert response.status_code == 302
    translation = page.get_translation(serbian)
    assert translation.get_parent().pk == bilingual["index_sr"].pk
    edit = admin_client.get(f"/admin/pages/{translation.pk}/edit/")
    assert edit.status_code == 200
    assert "Pandemic of geopolitics" in edit.content.decode()


def test_a_translation_links_the_authors_and_picks_in_its_own_language(
    admin_client, bilingual, serbian
):
    index = bilingual["translated"].get_parent()
    page = PublicationPageFactory(parent=index, slug="with-author", authors=[bilingual["author"]])
    page.save_revision().publish()
    response = admin_client.post(
        f"/admin/localize/submit/page/{page.pk}/", {"locales": [serbian.pk]}
    )
    assert response.status_code == 302
    translation = page.get_translation(serbian).specific
    assert [link.author_id for link in translation.author_links.all()] == [
        bilingual["author_sr"].pk
    ]

    home_sr = bilingual["home_sr"]
    pick = HomeFeaturedPublication.objects.create(home=home_sr, publication=bilingual["translated"])
    assert pick.publication_id == bilingual["translated_sr"].pk


def test_editor_translates_a_kind_snippet_in_the_admin(admin_client, bilingual, serbian):
    kind = PublicationKindFactory(name="Study", slug="study")
    submit = f"/admin/localize/submit/snippet/publications/publicationkind/{kind.pk}/"
    assert admin_client.get(submit).status_code == 200
    response = admin_client.post(submit, {"locales": [serbian.pk]})
    assert response.status_code == 302
    assert PublicationKind.objects.filter(
        translation_key=kind.translation_key, locale=serbian
    ).exists()


# The catalogue ----------------------------------------------------------------------------


def test_serbian_catalogue_is_complete():
    catalogue = polib.pofile(str(CATALOGUE))
    assert len(catalogue.translated_entries()) > 300
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert [e.msgid for e in catalogue.obsolete_entries()] == []
    for entry in catalogue.translated_entries():
        assert not CYRILLIC.search(entry.msgstr + "".join(entry.msgstr_plural.values())), (
            entry.msgid
        )


def test_compiled_catalogue_matches_the_source():
    catalogue = polib.pofile(str(CATALOGUE))
    compiled = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    source = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in catalogue.translated_entries()
    }
    built = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in compiled if e.msgid}
    assert built == source, "run: python manage.py update_translations --compile-only"


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)"
)
def test_every_interface_string_is_in_the_catalogue(tmp_path):
    from bcsp_site.management.commands.update_translations import IGNORE

    target = tmp_path / "sr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copyfile(CATALOGUE, target / "django.po")
    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command("makemessages", locale=["sr"], ignore_patterns=IGNORE, verbosity=0)
    refreshed = polib.pofile(str(target / "django.po"))
    missing = [e.msgid for e in refreshed.untranslated_entries() + refreshed.fuzzy_entries()]
    assert missing == [], "translate these in bcsp_site/translations/site/sr/LC_MESSAGES/django.po"


def test_serbian_pages_cost_at_most_one_query_more(client, bilingual, page_cache_off):
    """Finding the Serbian translation of the site's root page is one query Wagtail makes."""
    for english, serbian in [
        ("/en/", "/sr/"),
        ("/en/publications/", "/sr/publications/"),
        (
            "/en/publications/captured-state/",
            "/sr/publications/sektor-bezbednosti-u-zarobljenoj-drzavi/",
        ),
        ("/en/authors/sasa-djordjevic/", "/sr/authors/sasa-djordjevic/"),
        ("/en/publications/tags/state-capture/", "/sr/publications/tags/state-capture/"),
        ("/en/publications/?tag=state-capture", "/sr/publications/?tag=state-capture"),
    ]:
        client.get(english)
        client.get(serbian)
        with CaptureQueriesContext(connection) as english_queries:
            client.get(english)
        with CaptureQueriesContext(connection) as serbian_queries:
            client.get(serbian)
        assert len(serbian_queries) <= len(english_queries) + 1, serbian
