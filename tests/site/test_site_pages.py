"""Site pages (standard pages, the team), the editors' menus, breadcrumbs, organisation
settings per language, the favicon and the web manifest."""

import io
import json
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from wagtail.models import DraftStateMixin, Locale, Page, Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from authors.models import AuthorIndexPage, AuthorLink, AuthorPage
from bcsp_site.core.organisation import OrganisationSettings, OrganisationText
from bcsp_site.models import (
    HomePage,
    NavigationMenu,
    NavigationMenuItem,
    StandardPage,
    TeamPage,
)
from bcsp_site.navigation import page_trail
from publications.models import PublicationIndexPage, PublicationPage
from tests.support.admin_forms import organisation_settings_form, organisation_settings_url
from tests.support.factories import (
    AuthorPageFactory,
    ImageFactory,
    StandardPageFactory,
    TeamPageFactory,
    menu,
    team_groups,
)

# Publishing dates and states of draftable snippets, explained by Wagtail's own panels.
WAGTAIL_PUBLISHING_FIELDS = {field.name for field in DraftStateMixin._meta.fields}


def serbian():
    return Locale.objects.get_or_create(language_code="sr")[0]


def translate(page, title, slug):
    """Publish a Serbian translation of `page` (and of its parents, where missing)."""
    translation = page.copy_for_translation(serbian(), copy_parents=True)
    translation.title = title
    translation.slug = slug
    translation.save_revision().publish()
    return translation


@pytest.fixture
def serbian_home(home_page):
    translation = home_page.copy_for_translation(serbian())
    translation.title = "Beogradski centar za bezbednosnu politiku"
    translation.save_revision().publish()
    return translation


def nav_links(html, label):
    """[(text, href, aria-current)] of the <nav> with this aria-label (in the page's language)."""
    language = re.search(r'<html lang="([^"]+)"', html)
    with translation.override(language[1] if language else "en"):
        label = translation.gettext(label)
    nav = re.search(rf'<nav class="[^"]*" aria-label="{label}">(.*?)</nav>', html, re.S)
    if nav is None:
        return []
    return [
        (text, href, current or None)
        for href, current, text in re.findall(
            r'<a href="([^"]*)"(?: aria-current="([^"]*)")?>([^<]*)</a>', nav.group(1)
        )
    ]


def json_ld(html, schema_type):
    scripts = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    found = [json.loads(raw) for raw in scripts]
    return [data for data in found if data["@type"] == schema_type]


# Page types in the admin ----------------------------------------------------------------


class SitePageAdminTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get(locale__language_code="en")
        cls.author_index = AuthorIndexPage(title="Authors", slug="authors")
        cls.home.add_child(instance=cls.author_index)
        cls.director = AuthorPageFactory(parent=cls.author_index, title="Igor Bandović")
        cls.researcher = AuthorPageFactory(parent=cls.author_index, title="Saša Đorđević")

    def setUp(self):
        self.login()

    def standard_data(self, **fields):
        return nested_form_data(
            {
                "title": "About us",
                "slug": "about",
                "intro": "An independent think tank.",
                "body": streamfield(
                    [
                        ("heading", {"text": "Our work", "level": "h2"}),
                        ("paragraph", rich_text("<p>Research on security policy.</p>")),
                    ]
                ),
                "sidebar": streamfield([("text", rich_text("<p>Open 9–17.</p>"))]),
                "footnotes": inline_formset([]),
                **fields,
            }
        )

    def test_editor_creates_a_standard_page_and_nests_another_under_it(self):
        self.assertCanCreate(self.home, StandardPage, self.standard_data())
        about = StandardPage.objects.get(slug="about")
        assert about.live
        assert [block.block_type for block in about.body] == ["heading", "paragraph"]
        assert [block.block_type for block in about.sidebar] == ["text"]
        self.assertCanCreate(
            about, StandardPage, self.standard_data(title="Our mission", slug="mission")
        )
        assert StandardPage.objects.get(slug="mission").get_parent().pk == about.pk

    def test_editor_creates_a_team_page_with_ordered_groups(self):
        about = StandardPageFactory(parent=self.home, slug="about")
        members = {
            "count": "2",
            "0": {"deleted": "", "order": "0", "id": "", "value": {"person": self.researcher.pk}},
            "1": {"deleted": "", "order": "1", "id": "", "value": {"person": self.director.pk}},
        }
        data = nested_form_data(
            {
                "title": "Team",
                "slug": "team",
                "intro": "Who we are.",
                "groups": streamfield(
                    [("group", {"heading": "Everyone", "description": "", "members": members})]
                ),
            }
        )
        self.assertCanCreate(about, TeamPage, data)
        team = TeamPage.objects.get(slug="team")
        [group] = team.groups
        assert group.value["heading"] == "Everyone"
        people = [member["person"].pk for member in group.value["members"]]
        assert people == [self.researcher.pk, self.director.pk]

    def test_page_type_rules(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage, TeamPage})
        self.assertAllowedParentPageTypes(TeamPage, {HomePage, StandardPage})
        self.assertAllowedSubpageTypes(TeamPage, set())
        assert {StandardPage, TeamPage} <= set(HomePage.allowed_subpage_models())
        self.assertCanNotCreateAt(PublicationIndexPage, StandardPage)
        self.assertCanNotCreateAt(AuthorIndexPage, TeamPage)
        self.assertCanNotCreateAt(TeamPage, StandardPage)
        self.assertCanNotCreateAt(StandardPage, PublicationPage)
        self.assertCanNotCreateAt(StandardPage, AuthorPage)

    def test_admin_create_views_answer(self):
        about = StandardPageFactory(parent=self.home, slug="about")
        for model, parent in ((StandardPage, self.home), (TeamPage, about)):
            url = reverse(
                "wagtailadmin_pages:add",
                args=(model._meta.app_label, model._meta.model_name, parent.pk),
            )
            assert self.client.get(url).status_code == 200, model

    def test_admin_menu_and_settings_views_answer(self):
        assert (
            self.client.get(reverse("wagtailsnippets_bcsp_site_navigationmenu:list")).status_code
            == 200
        )
        assert (
            self.client.get(reverse("wagtailsnippets_bcsp_site_navigationmenu:add")).status_code
            == 200
        )
        site = Site.objects.get(is_default_site=True)
        url = reverse("wagtailsettings:edit", args=("bcsp_site", "organisationsettings", site.pk))
        response = self.client.get(url)
        assert response.status_code == 200
        assert "Beogradski centar za bezbednosnu politiku" in response.content.decode()

    def test_editor_writes_the_organisation_texts_per_language(self):
        data = organisation_settings_form(
            {"sr": {"short_name": "BCBP-SR"}},
            contact_email="info@example.org",
            social_links=streamfield(
                [("profile", {"network": "youtube", "url": "https://youtube.com/@bcsp"})]
            ),
        )
        response = self.client.post(organisation_settings_url(), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        html = self.client.get("/sr/").content.decode()
        assert "Info BCBP-SR" in html
        assert "info@example.org" in html
        assert 'href="https://youtube.com/@bcsp"' in html

    def test_editor_facing_fields_have_help_text(self):
        for model in (StandardPage, TeamPage, NavigationMenu, NavigationMenuItem):
            for field in model._meta.get_fields():
                if field.model is model and field.concrete and field.editable:
                    if field.name.endswith("_ptr") or field.name in {
                        "id",
                        "sort_order",
                        "menu",
                        "locale",
                        "translation_key",
                        *WAGTAIL_PUBLISHING_FIELDS,
                    }:
                        continue
                    assert field.help_text, f"{model.__name__}.{field.name} has no help text"
        for model in (OrganisationSettings, OrganisationText):
            for field in model._meta.get_fields():
                if field.model is model and field.concrete and field.editable:
                    if field.name in {"id", "sort_order", "organisation"}:
                        continue
                    assert field.help_text, f"{model.__name__}.{field.name} has no help text"


# Standard pages --------------------------------------------------------------------------


def test_standard_page_shows_its_text_sidebar_and_section(client, home_page):
    about = StandardPageFactory(
        parent=home_page,
        title="About us",
        slug="about",
        intro="Independent since 1997.",
        body=[("paragraph", "<p>We research security policy.</p>")],
        sidebar=[("text", "<p>Office hours 9–17.</p>")],
    )
    StandardPageFactory(parent=about, title="Our mission", slug="mission")
    StandardPageFactory(parent=about, title="Donors", slug="donors")
    StandardPageFactory(parent=about, title="Hidden draft", slug="draft", live=False)

    html = client.get("/en/about/").content.decode()
    assert "<h1>About us</h1>" in html
    assert "Independent since 1997." in html
    assert "We research security policy." in html
    assert "Office hours 9–17." in html
    section = html.split('class="section-nav"')[1].split("</nav>")[0]
    assert "In this section" in section
    assert re.findall(r'<a href="([^"]*)">', section) == ["/en/about/mission/", "/en/about/donors/"]
    assert "Hidden draft" not in html

    html = client.get("/en/about/mission/").content.decode()
    section = html.split('class="section-nav"')[1].split("</nav>")[0]
    assert '<a href="/en/about/">About us</a>' in section
    assert '<a href="/en/about/mission/" aria-current="page">Our mission</a>' in section


def test_standard_page_without_subpages_or_sidebar_has_no_aside(client, home_page):
    StandardPageFactory(parent=home_page, title="Privacy notice", slug="privacy")
    html = client.get("/en/privacy/").content.decode()
    assert "<h1>Privacy notice</h1>" in html
    assert "content-page__aside" not in html


# The team ---------------------------------------------------------------------------------


@pytest.fixture
def people(author_index):
    director = AuthorPageFactory(
        parent=author_index, title="Igor Bandović", role="Director", photo=ImageFactory()
    )
    AuthorLink.objects.create(author=director, label="LinkedIn", url="https://example.org/igor")
    return {
        "director": director,
        "marko": AuthorPageFactory(parent=author_index, title="Marko Drajić", slug="marko-drajic"),
        "isidora": AuthorPageFactory(
            parent=author_index,
            title="Isidora Stakić",
            slug="isidora-stakic",
            email="isidora@example.org",
        ),
        "former": AuthorPageFactory(parent=author_index, title="Former Colleague", live=False),
    }


def test_team_page_shows_groups_and_people_in_the_editors_order(client, home_page, people):
    about = StandardPageFactory(parent=home_page, title="About us", slug="about")
    TeamPageFactory(
        parent=about,
        groups=team_groups(
            ("Management", [people["director"]]),
            (
                "Researchers",
                [people["isidora"], (people["marko"], "Senior researcher"), people["former"]],
            ),
        ),
    )
    html = client.get("/en/about/team/").content.decode()
    groups = re.findall(r'<h2 id="team-group-\d+">([^<]*)</h2>', html)
    assert groups == ["Management", "Researchers"]
    researchers = html.split(">Researchers</h2>")[1].split("</section>")[0]
    names = re.findall(r'class="person-card__name"><a href="([^"]*)">([^<]*)</a>', researchers)
    assert names == [
        ("/en/authors/isidora-stakic/", "Isidora Stakić"),
        ("/en/authors/marko-drajic/", "Marko Drajić"),
    ]
    assert "Senior researcher" in researchers
    assert "mailto:isidora@example.org" in researchers
    assert "Former Colleague" not in html
    management = html.split(">Management</h2>")[1].split("</section>")[0]
    assert "Director" in management
    assert 'href="https://example.org/igor"' in management
    assert re.search(r'<img [^>]*class="avatar avatar--m"', management)
    # The team page is part of the About section.
    assert '<a href="/en/about/team/" aria-current="page">Team</a>' in html


def test_translated_team_page_shows_translated_people(client, home_page, serbian_home, people):
    team = TeamPageFactory(
        parent=home_page, groups=team_groups(("Management", [people["director"]]))
    )
    sr_director = translate(people["director"], "Igor Bandović", "igor-bandovic")
    sr_director.role = "Direktor"
    sr_director.save_revision().publish()
    translate(team, "Tim", "tim")
    html = client.get("/sr/tim/").content.decode()
    assert 'href="/sr/authors/igor-bandovic/"' in html
    assert "Direktor" in html


def test_empty_team_page_says_so(client, home_page):
    TeamPageFactory(parent=home_page)
    assert "No one is listed here yet." in client.get("/en/team/").content.decode()


# Menus ------------------------------------------------------------------------------------


class MenuAdminTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get(locale__language_code="en")
        cls.about = StandardPageFactory(parent=cls.home, title="About us", slug="about")
        cls.sr_home = cls.home.copy_for_translation(serbian())
        cls.sr_home.save_revision().publish()
        cls.sr_about = translate(cls.about, "O nama", "o-nama")

    def setUp(self):
        self.login()
        cache.clear()

    def post_menu(self, links, language="en", menu=None):
        data = nested_form_data(
            {
                "location": "header",
                "items": inline_formset(links, initial=0 if menu is None else len(links)),
                "action-publish": "action-publish",
            }
        )
        if menu is None:
            url = reverse("wagtailsnippets_bcsp_site_navigationmenu:add") + f"?locale={language}"
        else:
            url = reverse("wagtailsnippets_bcsp_site_navigationmenu:edit", args=(menu.pk,))
        return self.client.post(url, data)

    def test_menus_edited_in_the_admin_show_in_both_languages(self):
        response = self.post_menu(
            [
                {"link_page": self.about.pk, "link_url": "", "label": ""},
                {"link_page": "", "link_url": "/en/e-bulletin/", "label": "E-bulletin"},
            ]
        )
        assert response.status_code == 302
        response = self.post_menu(
            [
                {"link_page": self.about.pk, "link_url": "", "label": ""},
                {"link_page": "", "link_url": "/sr/e-bulletin/", "label": "E-bilten"},
            ],
            language="sr",
        )
        assert response.status_code == 302
        assert NavigationMenu.objects.count() == 2

        html = self.client.get("/en/about/").content.decode()
        assert nav_links(html, "Main") == [
            ("About us", "/en/about/", "page"),
            ("E-bulletin", "/en/e-bulletin/", None),
        ]
        # The Serbian menu links to the English page: its Serbian translation is shown.
        html = self.client.get("/sr/o-nama/").content.decode()
        assert nav_links(html, "Main") == [
            ("O nama", "/sr/o-nama/", "page"),
            ("E-bilten", "/sr/e-bulletin/", None),
        ]

    def test_a_changed_menu_shows_on_the_next_request(self):
        self.post_menu([{"link_page": self.about.pk, "link_url": "", "label": ""}])
        assert nav_links(self.client.get("/en/").content.decode(), "Main") == [
            ("About us", "/en/about/", None)
        ]
        navigation = NavigationMenu.objects.get()
        item = navigation.items.get()
        data = nested_form_data(
            {
                "location": "header",
                "items": inline_formset(
                    [
                        {
                            "id": item.pk,
                            "link_page": self.about.pk,
                            "link_url": "",
                            "label": "Who we are",
                        },
                        {"link_page": "", "link_url": "https://example.org/", "label": "Partner"},
                    ],
                    initial=1,
                ),
                "action-publish": "action-publish",
            }
        )
        url = reverse("wagtailsnippets_bcsp_site_navigationmenu:edit", args=(navigation.pk,))
        assert self.client.post(url, data).status_code == 302
        assert nav_links(self.client.get("/en/").content.decode(), "Main") == [
            ("Who we are", "/en/about/", None),
            ("Partner", "https://example.org/", None),
        ]

    def test_the_admin_refuses_a_link_without_a_target_or_with_a_bad_address(self):
        for link in (
            {"link_page": "", "link_url": "", "label": "Nothing"},
            {"link_page": self.about.pk, "link_url": "/en/x/", "label": "Both"},
            {"link_page": "", "link_url": "javascript:alert(1)", "label": "Script"},
            {"link_page": "", "link_url": "/en/e-bulletin/", "label": ""},
        ):
            response = self.post_menu([link])
            assert response.status_code == 200, link
        assert not NavigationMenu.objects.exists()


def test_page_changes_show_in_the_menu_at_once(client, home_page):
    about = StandardPageFactory(parent=home_page, title="About us", slug="about")
    menu("header", [about])
    assert nav_links(client.get("/en/").content.decode(), "Main") == [
        ("About us", "/en/about/", None)
    ]
    about.title = "Who we are"
    about.slug = "who-we-are"
    about.save_revision().publish()
    assert nav_links(client.get("/en/").content.decode(), "Main") == [
        ("Who we are", "/en/who-we-are/", None)
    ]
    about.unpublish()
    assert nav_links(client.get("/en/").content.decode(), "Main") == []


def test_section_links_are_marked_on_pages_inside_them(client, home_page, publication_index):
    menu("header", [home_page, publication_index])
    page = StandardPageFactory(parent=home_page, slug="about")
    StandardPageFactory(parent=page, slug="mission")
    menu("footer", [("Mission", "/en/about/mission/"), ("About", page)])
    html = client.get("/en/publications/").content.decode()
    assert nav_links(html, "Main") == [
        ("Belgrade Centre for Security Policy", "/en/", None),
        ("Publications", "/en/publications/", "page"),
    ]
    html = client.get("/en/about/mission/").content.decode()
    assert nav_links(html, "Footer") == [
        ("Mission", "/en/about/mission/", "page"),
        ("About", "/en/about/", "true"),
    ]


def test_without_a_header_menu_the_home_page_subpages_in_menus_are_listed(
    client, home_page, publication_index
):
    Page.objects.filter(pk=publication_index.pk).update(show_in_menus=True)
    StandardPageFactory(parent=home_page, title="Not in menus", slug="quiet")
    html = client.get("/en/").content.decode()
    assert nav_links(html, "Main") == [
        ("Home", "/en/", "page"),
        ("Publications", "/en/publications/", None),
        ("E-bulletin", "/en/e-bulletin/", None),
    ]
    assert 'class="footer-nav"' not in html


def test_narrow_screen_toggle_is_hidden_until_the_script_shows_it(client, home_page):
    html = client.get("/en/").content.decode()
    assert re.search(
        r'<button class="menu-toggle" type="button" aria-expanded="false" '
        r'aria-controls="site-menu" hidden>',
        html,
    )
    assert 'id="site-menu"' in html


# Breadcrumbs ------------------------------------------------------------------------------


def test_breadcrumbs_link_the_ancestors_with_a_breadcrumb_list(client, home_page):
    about = StandardPageFactory(parent=home_page, title="About us", slug="about")
    StandardPageFactory(parent=about, title="Our mission", slug="mission")
    response = client.get("/en/about/mission/")
    html = response.content.decode()
    assert nav_links(html, "Breadcrumb") == [
        ("Home", "/en/", None),
        ("About us", "/en/about/", None),
        ("Our mission", "/en/about/mission/", "page"),
    ]
    [data] = json_ld(html, "BreadcrumbList")
    assert [(item["position"], item["name"], item["item"]) for item in data["itemListElement"]] == [
        (1, "Home", "http://localhost/en/"),
        (2, "About us", "http://localhost/en/about/"),
        (3, "Our mission", "http://localhost/en/about/mission/"),
    ]
    assert '<script type="application/ld+json">' in html
    assert "nonce" not in html


def test_breadcrumbs_on_archives_name_the_year_and_the_tag(client, publication_index):
    from tests.support.factories import PublicationPageFactory

    PublicationPageFactory(parent=publication_index, tag_names=["police"])
    html = client.get("/en/publications/2020/").content.decode()
    assert nav_links(html, "Breadcrumb") == [
        ("Home", "/en/", None),
        ("Publications", "/en/publications/", None),
        ("2020", "/en/publications/2020/", "page"),
    ]
    html = client.get("/en/publications/tags/police/").content.decode()
    assert nav_links(html, "Breadcrumb")[-1] == ("police", "/en/publications/tags/police/", "page")


def test_the_home_page_has_no_breadcrumbs(client, home_page):
    html = client.get("/en/").content.decode()
    assert 'aria-label="Breadcrumb"' not in html
    assert not json_ld(html, "BreadcrumbList")


def test_breadcrumbs_of_a_page_not_routed_to_come_from_one_query(home_page):
    about = StandardPageFactory(parent=home_page, title="About us", slug="about")
    mission = StandardPageFactory(parent=about, title="Our mission", slug="mission")
    fresh = StandardPage.objects.get(pk=mission.pk)
    with CaptureQueriesContext(connection) as queries:
        trail = page_trail(fresh)
    assert [page.title for page in trail] == [home_page.title, "About us", "Our mission"]
    assert len(queries) == 1


def test_serbian_breadcrumbs_stay_in_serbian(client, home_page, serbian_home):
    about = StandardPageFactory(parent=home_page, title="About us", slug="about")
    translate(about, "O nama", "o-nama")
    html = client.get("/sr/o-nama/").content.decode()
    assert nav_links(html, "Breadcrumb") == [
        ("Početna", "/sr/", None),
        ("O nama", "/sr/o-nama/", "page"),
    ]


# Organisation settings ----------------------------------------------------------------------


def test_footer_shows_the_organisation_in_each_language(client, home_page, serbian_home):
    organisation = OrganisationSettings.for_site(Site.objects.get(is_default_site=True))
    organisation.social_links = [("profile", {"network": "x", "url": "https://x.com/bcsp"})]
    organisation.save()
    OrganisationText.objects.filter(organisation=organisation, language_code="sr").update(
        ebulletin_heading="Prijavite se", ebulletin_text="Jednom mesečno, bez reklama."
    )
    english = client.get("/en/").content.decode()
    footer = english.split('<footer class="site-footer">')[1]
    assert "Info BCSP" in footer
    assert "Đure Jakšića 6/5, 11000 Belgrade, Serbia" in footer
    assert '<a href="https://x.com/bcsp" rel="me noopener">X (Twitter)</a>' in footer
    # The home page's e-bulletin block is in its body (its one sign-up form), not the footer.
    assert "Sign up to receive our e-bulletin." in english

    serbian_html = client.get("/sr/").content.decode()
    footer = serbian_html.split('<footer class="site-footer">')[1]
    assert "Info BCBP" in footer
    assert "Beogradski centar za bezbednosnu politiku je nezavisni" in footer
    assert "11000 Beograd, Srbija" in footer
    assert ">Prijavite se</h2>" in serbian_html
    assert "Jednom mesečno, bez reklama." in serbian_html
    assert "<title>Beogradski centar za bezbednosnu politiku | BCBP</title>" in serbian_html


def test_default_social_image_is_used_for_pages_without_one(client, home_page):
    organisation = OrganisationSettings.for_site(Site.objects.get(is_default_site=True))
    organisation.default_social_image = ImageFactory()
    organisation.save()
    StandardPageFactory(parent=home_page, slug="contact")
    html = client.get("/en/contact/").content.decode()
    assert re.search(r'<meta property="og:image" content="http://localhost/media/images/', html)


# Favicon and manifest -------------------------------------------------------------------------


def test_favicon_answers_with_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_web_manifest_lists_the_icons_in_each_language(client, home_page):
    html = client.get("/en/").content.decode()
    assert '<link rel="manifest" href="/en/manifest.webmanifest">' in html
    response = client.get("/en/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "Belgrade Centre for Security Policy"
    assert manifest["start_url"] == "/en/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]
    serbian_manifest = json.loads(client.get("/sr/manifest.webmanifest").content)
    assert serbian_manifest["short_name"] == "BCBP"
    assert serbian_manifest["start_url"] == "/sr/"


# Query counts ---------------------------------------------------------------------------------


def count_queries(client, path, cold):
    assert client.get(path).status_code == 200
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_home_page_queries_do_not_grow_with_the_menu(client, home_page, page_cache_off):
    pages = [
        StandardPageFactory(parent=home_page, title=f"Section {n}", slug=f"section-{n}")
        for n in range(30)
    ]
    header = menu("header", pages[:3])
    footer = menu("footer", pages[:3])
    small = (count_queries(client, "/en/", cold=False), count_queries(client, "/en/", cold=True))
    for order, page in enumerate(pages[3:], start=3):
        NavigationMenuItem.objects.create(menu=header, link_page=page, sort_order=order)
        NavigationMenuItem.objects.create(menu=footer, link_page=page, sort_order=order)
    html = client.get("/en/").content.decode()
    assert len(nav_links(html, "Main")) == 30
    large = (count_queries(client, "/en/", cold=False), count_queries(client, "/en/", cold=True))
    assert small == large


def test_site_pages_queries_do_not_grow_with_the_data(
    client, home_page, author_index, page_cache_off
):
    about = StandardPageFactory(
        parent=home_page,
        slug="about",
        body=[("paragraph", "<p>Text.</p>")],
        sidebar=[("text", "<p>Note.</p>")],
    )
    team = TeamPageFactory(parent=about)
    people = []

    def grow(count):
        for _ in range(count):
            number = len(people)
            person = AuthorPageFactory(
                parent=author_index,
                slug=f"person-{number}",
                photo=ImageFactory() if number % 2 else None,
            )
            AuthorLink.objects.create(author=person, label="ORCID", url="https://orcid.org/")
            people.append(person)
            StandardPageFactory(parent=about, slug=f"sub-{number}")
        menu_pages = Page.objects.child_of(about)
        NavigationMenu.objects.all().delete()
        menu("header", list(menu_pages))
        team.groups = team_groups(("Management", people[:1]), ("Researchers", people[1:]))
        team.save_revision().publish()

    grow(3)
    small = {
        path: (count_queries(client, path, cold=False), count_queries(client, path, cold=True))
        for path in ("/en/about/", "/en/about/sub-0/", "/en/about/team/")
    }
    grow(20)
    large = {
        path: (count_queries(client, path, cold=False), count_queries(client, path, cold=True))
        for path in small
    }
    assert small == large
    assert all(warm <= 12 and cold <= 20 for warm, cold in large.values()), large


# Demo content ---------------------------------------------------------------------------------


def test_demo_content_has_the_site_pages_and_menus_in_both_languages(client, db):
    call_command("load_demo_content", "--no-images", stdout=io.StringIO())
    call_command("load_demo_content", "--no-images", stdout=io.StringIO())
    assert StandardPage.objects.filter(locale__language_code="en").count() == 5
    assert StandardPage.objects.filter(locale__language_code="sr").count() == 5
    assert TeamPage.objects.count() == 2
    english_about = StandardPage.objects.get(locale__language_code="en", slug="about")
    serbian_about = StandardPage.objects.get(locale__language_code="sr", slug="o-nama")
    assert english_about.translation_key == serbian_about.translation_key
    assert NavigationMenu.objects.count() == 4

    html = client.get("/en/about/team/").content.decode()
    groups = re.findall(r'<h2 id="team-group-\d+">([^<]*)</h2>', html)
    assert groups == ["Management", "Researchers"]
    assert "Igor Bandović" in html.split(">Management</h2>")[1].split("</section>")[0]
    assert ("Contact", "/en/contact/", None) in nav_links(html, "Main")
    assert ("Team", "/en/about/team/", "page") in nav_links(html, "Footer")

    html = client.get("/sr/o-nama/tim/").content.decode()
    assert re.findall(r'<h2 id="team-group-\d+">([^<]*)</h2>', html) == [
        "Rukovodstvo",
        "Istraživači",
    ]
    assert ("Kontakt", "/sr/kontakt/", None) in nav_links(html, "Main")
    for path in (
        "/en/about/",
        "/en/about/mission/",
        "/en/about/donors/",
        "/en/contact/",
        "/en/privacy-notice/",
        "/sr/",
        "/sr/o-nama/misija/",
        "/sr/o-nama/donatori/",
        "/sr/kontakt/",
        "/sr/obavestenje-o-privatnosti/",
    ):
        assert client.get(path).status_code == 200, path
