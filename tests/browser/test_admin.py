"""The editor's everyday paths in the Wagtail admin: the live preview, the author chooser,
starting a page again, and the dashboard."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from bcsp_site.models import HomePage, StandardPage
from publications.models import OpEdPage, PublicationIndexPage, PublicationPage

PASSWORD = "a-long-passphrase-1"


def sign_in(page, base_url, username="editor", permissions=None):
    """Sign in as a superuser, or as a user with only the given permissions."""
    User = get_user_model()
    if permissions is None:
        User.objects.create_superuser(username, f"{username}@example.org", PASSWORD)
    else:
        from django.contrib.auth.models import Permission

        user = User.objects.create_user(username, f"{username}@example.org", PASSWORD)
        for name in ["wagtailadmin.access_admin", *permissions]:
            app_label, codename = name.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(f"{base_url}/admin/")


def open_preview_panel(page):
    toggle = page.get_by_role("button", name="Toggle preview")
    # The admin remembers which side panel was open on the last page edited.
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return page.frame_locator("iframe#w-preview-iframe")


def first_page(model, language="en", **filters):
    return model.objects.filter(locale__language_code=language, **filters).order_by("pk").first()


def test_preview_panel_shows_each_kind_of_page(page, demo_site):
    sign_in(page, demo_site.url)
    english = first_page(PublicationPage, opedpage__isnull=True)
    # The editor notes the form's starting state two seconds after its scripts start (and
    # again if they restart meanwhile): what is typed sooner is taken as that state, not as a
    # change. The page records when it noted it, so the edit below comes after the last time.
    page.add_init_script(
        "window.formNoted = [];"
        "document.addEventListener('w-unsaved:watch-edits',"
        " () => window.formNoted.push(performance.now()));"
    )
    page.goto(f"{demo_site.url}/admin/pages/{english.pk}/edit/")
    preview = open_preview_panel(page)
    expect(preview.get_by_role("heading", level=1)).to_have_text(english.title)

    # The preview follows what the editor types, before anything is saved. A change made while
    # the preview is still loading waits for the next one, so the edit is made once it is idle.
    page.wait_for_function(
        "window.formNoted.length && performance.now() - window.formNoted.at(-1) > 2500"
        " && window.wagtail.app.queryController('w-preview')?.ready"
        " && !window.wagtail.app.queryController('w-preview').updatePromise",
        polling=250,
    )
    page.get_by_role("textbox", name="Title*").fill("A title not saved yet")
    # The preview re-renders the whole page: slow on a busy machine, hence the longer wait.
    expect(preview.get_by_role("heading", level=1)).to_have_text(
        "A title not saved yet", timeout=15_000
    )

    others = [
        first_page(OpEdPage),
        first_page(StandardPage),
        first_page(PublicationPage, "sr", opedpage__isnull=True),
    ]
    for edited in others:
        page.goto(f"{demo_site.url}/admin/pages/{edited.pk}/edit/")
        preview = open_preview_panel(page)
        expect(preview.get_by_role("heading", level=1)).to_have_text(edited.title)

    # The home page, with its carousel of featured publications.
    page.goto(f"{demo_site.url}/admin/pages/{first_page(HomePage).pk}/edit/")
    preview = open_preview_panel(page)
    carousel = preview.get_by_role("region", name="Featured publications")
    expect(carousel).to_be_visible()
    expect(carousel.get_by_role("heading", level=3).first).to_be_visible()


# Starting a page again ----------------------------------------------------------------------

TITLE = "Policing the Pandemic"


def wait_for_autosave_to_watch(page):
    """Autosave saves what changed since the form as it was shortly after loading; a person
    takes that long before typing anyway."""
    page.wait_for_function(
        """() => {
            const form = document.querySelector("[data-edit-form]");
            const app = window.wagtail.app;
            const unsaved = app.getControllerForElementAndIdentifier(form, "w-unsaved");
            return Boolean(unsaved && unsaved.initialFormData);
        }"""
    )


def start_publication(page, base_url, title):
    """Open a new publication under Publications and fill what a draft needs."""
    index = first_page(PublicationIndexPage)
    page.goto(f"{base_url}/admin/pages/{index.pk}/")
    page.get_by_role("link", name=re.compile("Add child page")).click()
    page.get_by_role("link", name="Publication", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New: Publication")
    wait_for_autosave_to_watch(page)
    page.get_by_role("textbox", name="Title*").press_sequentially(title)
    page.get_by_role("button", name="Choose publication kind").click()
    page.get_by_role("dialog").get_by_role("link", name="Report", exact=True).click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.get_by_role("textbox", name=re.compile("^Publication date")).fill("2021-03-15")
    page.get_by_role("textbox", name=re.compile("^Summary")).fill(f"About {title}.")


def test_starting_a_publication_again_gets_a_free_address(page, demo_site):
    base_url = demo_site.url
    sign_in(page, base_url)

    # The first attempt: autosave keeps it as a draft, then the editor walks away.
    start_publication(page, base_url, TITLE)
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/"))
    abandoned = PublicationPage.objects.get(title=TITLE)
    page.goto(f"{base_url}/admin/")

    # Starting again with the same title: saved as well, at an address of its own.
    start_publication(page, base_url, TITLE)
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/"))
    page.get_by_role("tab", name="Promote").click()
    expect(page.get_by_role("textbox", name=re.compile("^Slug"))).to_have_value(
        f"{abandoned.slug}-2"
    )
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text(f"Page '{TITLE}' has been published.")).to_be_visible()
    page.goto(f"{base_url}/en/publications/{abandoned.slug}-2/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def test_a_typed_address_that_is_taken_names_the_page_holding_it(page, demo_site):
    base_url = demo_site.url
    sign_in(page, base_url)
    start_publication(page, base_url, TITLE)
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/"))
    page.goto(f"{base_url}/admin/")

    start_publication(page, base_url, "A different title")
    page.get_by_role("tab", name="Promote").click()
    slug = page.get_by_role("textbox", name=re.compile("^Slug"))
    slug.fill("policing-the-pandemic")
    page.get_by_role("button", name="Save draft").click()

    expect(
        page.get_by_text("The page could not be created due to validation errors")
    ).to_be_visible()
    page.get_by_role("tab", name=re.compile("^Promote")).click()
    error = page.get_by_text(re.compile("already used by"))
    expect(error).to_be_visible()
    expect(error).to_contain_text(f"“{TITLE}” (draft)")
    expect(slug).to_have_value("policing-the-pandemic")  # what the editor typed stays
    error.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("textbox", name="Title*")).to_have_value(TITLE)
    assert PublicationPage.objects.filter(title="A different title").count() == 0


# The author chooser -------------------------------------------------------------------------


def add_a_milosevic():
    """An author whose name has diacritics, in English and, translated, in Serbian."""
    from authors.models import AuthorIndexPage, AuthorPage

    index = first_page(AuthorIndexPage)
    author = index.add_child(
        instance=AuthorPage(title="Predrag Milošević", slug="predrag-milosevic")
    )
    author.save_revision().publish()
    translation = author.copy_for_translation(first_page(AuthorIndexPage, "sr").locale)
    translation.save_revision().publish()


def open_author_chooser(page):
    page.get_by_role("button", name="Add author").click()
    chooser = page.get_by_role("dialog")
    expect(chooser.get_by_role("heading", name=re.compile("Choose"))).to_be_visible()
    return chooser


def search_authors(chooser, text):
    chooser.get_by_role("textbox", name=re.compile("Search")).fill(text)
    expect(chooser.get_by_text(re.compile(r"There (is|are) \d+ match"))).to_be_visible()


def test_author_chooser_opens_on_the_authors_of_the_pages_language(page, demo_site):
    add_a_milosevic()
    sign_in(page, demo_site.url)
    edited = first_page(PublicationPage, opedpage__isnull=True)
    page.goto(f"{demo_site.url}/admin/pages/{edited.pk}/edit/")

    chooser = open_author_chooser(page)

    # The English authors, each once: no way through the page tree, no Serbian doubles.
    index_row = chooser.get_by_role("row").filter(has_text="Author index")
    expect(index_row).to_contain_text("Authors")
    expect(chooser.get_by_role("checkbox", name="Isidora Stakić")).to_have_count(1)
    expect(chooser.get_by_role("checkbox", name="Predrag Milošević")).to_have_count(1)
    expect(chooser.get_by_role("row", name=re.compile("Belgrade Centre"))).to_have_count(0)

    # Search folds diacritics, and finds each person once.
    search_authors(chooser, "Djordjevic")
    expect(chooser.get_by_role("checkbox", name="Saša Đorđević")).to_have_count(1)
    search_authors(chooser, "Đorđević")
    expect(chooser.get_by_role("checkbox", name="Saša Đorđević")).to_have_count(1)
    search_authors(chooser, "milosevic")
    expect(chooser.get_by_role("checkbox", name="Predrag Milošević")).to_have_count(1)
    chooser.get_by_role("checkbox", name="Predrag Milošević").check()
    chooser.get_by_role("button", name="Confirm selection").click()
    expect(chooser).to_be_hidden()
    expect(page.get_by_role("region", name=re.compile("^Authors"))).to_contain_text(
        "Predrag Milošević"
    )


def test_author_chooser_of_a_serbian_publication_lists_the_serbian_authors(page, demo_site):
    sign_in(page, demo_site.url)
    index = first_page(PublicationIndexPage, "sr")
    page.goto(f"{demo_site.url}/admin/pages/add/publications/publicationpage/{index.pk}/")

    chooser = open_author_chooser(page)

    index_row = chooser.get_by_role("row").filter(has_text="Author index")
    expect(index_row).to_contain_text("Autori")
    expect(chooser.get_by_role("checkbox", name="Isidora Stakić")).to_have_count(1)
    search_authors(chooser, "Stakic")
    expect(chooser.get_by_role("checkbox", name="Isidora Stakić")).to_have_count(1)
    expect(chooser.get_by_role("row", name=re.compile("Isidora Stakić"))).to_contain_text("Autori")


# The dashboard ------------------------------------------------------------------------------


def fill_the_editors_in_tray():
    from wagtail.models import Locale
    from wagtail_localize.models import Translation, TranslationSource

    from comments.models import Comment
    from newsletter.models import Bulletin, Subscriber

    publication = first_page(PublicationPage, opedpage__isnull=True)
    for number in range(3):
        Comment.objects.create(
            page=publication, name=f"Reader {number}", email="r@example.org", text="Thanks."
        )
    Bulletin.objects.create(subject="E-bulletin — May", status=Bulletin.Status.SENT)
    Bulletin.objects.create(subject="E-bulletin — June")
    for number in range(2):
        Subscriber.objects.create(email=f"s{number}@example.org", status="confirmed")
    # Every demo publication already has its Serbian translation: an editor writes a new one.
    untranslated = publication.get_parent().add_child(
        instance=PublicationPage(
            title="Security Sector Reform in the Western Balkans",
            slug="security-sector-reform-western-balkans",
            kind=publication.kind,
            publication_date=publication.publication_date,
            summary="Where reform of the security sector stands across the region.",
        )
    )
    source, _created = TranslationSource.get_or_create_from_instance(untranslated)
    translation = Translation.objects.create(
        source=source, target_locale=Locale.objects.get(language_code="sr")
    )
    translation.save_target(publish=False)
    return untranslated


def test_dashboard_shows_what_editors_act_on(page, demo_site):
    being_translated = fill_the_editors_in_tray()
    sign_in(page, demo_site.url)

    comments = page.get_by_role("region", name="Reader comments")
    expect(comments).to_contain_text("3 comments awaiting moderation")
    translations = page.get_by_role("region", name="Translations in progress")
    expect(translations.get_by_role("link", name=being_translated.title)).to_be_visible()
    expect(translations).to_contain_text("Draft")
    bulletin = page.get_by_role("region", name="E-bulletin")
    expect(bulletin).to_contain_text("Last bulletin")
    expect(bulletin.get_by_role("link", name="E-bulletin — May")).to_be_visible()
    expect(bulletin.get_by_role("link", name="E-bulletin — June")).to_be_visible()
    expect(bulletin).to_contain_text("2 sign-ups in the last 30 days, 2 confirmed")

    comments.get_by_role("link", name="3 comments awaiting moderation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Comments")
    expect(page.get_by_role("main")).to_contain_text("Reader 2")


def test_dashboard_shows_each_person_only_the_panels_they_act_on(page, demo_site):
    fill_the_editors_in_tray()
    newsletter_manager = ["newsletter.change_bulletin", "newsletter.view_subscriber"]
    sign_in(page, demo_site.url, "bulletins", permissions=newsletter_manager)

    expect(page.get_by_role("region", name="E-bulletin")).to_contain_text("E-bulletin — June")
    expect(page.get_by_role("region", name="Reader comments")).to_have_count(0)
    expect(page.get_by_role("region", name="Translations in progress")).to_have_count(0)
