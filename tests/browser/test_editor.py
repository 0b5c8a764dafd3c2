"""The editor's journey: write a publication in the admin, publish it, translate it, publish
the translation, and see both on the site, linked by the language switcher."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from publications.pdf import build_simple_pdf

TITLE = "Oversight of Private Security Companies"
SUMMARY = "How the state oversees the private security companies it licenses."
TITLE_SR = "Nadzor nad privatnim obezbeđenjem"
SLUG_SR = "nadzor-nad-privatnim-obezbedjenjem"
TAG_SR = "privatno obezbeđenje"
SUMMARY_SR = "Kako država nadzire privatne firme za obezbeđenje kojima izdaje dozvole."
PASSWORD = "a-long-passphrase-1"


def sign_in(page, base_url):
    get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(f"{base_url}/admin/")


def open_publications_in_the_explorer(page):
    page.get_by_role("button", name="Pages").click()
    page.get_by_role("link", name=re.compile("View child pages of 'Belgrade Centre")).click()
    page.get_by_role("link", name="Publications", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publications")


def write_publication(page, pdf_path):
    page.get_by_role("link", name=re.compile("Add child page")).click()
    page.get_by_role("link", name="Publication", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New: Publication")

    page.get_by_role("textbox", name="Title*").fill(TITLE)
    page.get_by_role("button", name="Choose publication kind").click()
    page.get_by_role("dialog").get_by_role("link", name="Report", exact=True).click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.get_by_role("textbox", name=re.compile("^Publication date")).fill("2021-03-15")

    # Two authors at once, through the multiple page chooser.
    page.get_by_role("button", name="Add author").click()
    chooser = page.get_by_role("dialog")
    # The chooser opens on the authors of the page's language.
    chooser.get_by_role("checkbox", name="Isidora Stakić").check()
    chooser.get_by_role("checkbox", name="Saša Đorđević").check()
    chooser.get_by_role("button", name="Confirm selection").click()
    expect(chooser).to_be_hidden()
    authors = page.get_by_role("region", name=re.compile("^Authors"))
    expect(authors).to_contain_text("Isidora Stakić")
    expect(authors).to_contain_text("Saša Đorđević")

    page.get_by_role("textbox", name=re.compile("^Summary")).fill(SUMMARY)

    # The PDF is uploaded from inside the document chooser.
    page.get_by_role("button", name="Choose a document").click()
    chooser = page.get_by_role("dialog")
    chooser.get_by_role("tab", name="Upload").click()
    chooser.get_by_label("File").set_input_files(str(pdf_path))
    chooser.get_by_role("textbox", name=re.compile("^Title")).fill(f"{TITLE} (PDF)")
    chooser.get_by_role("button", name="Upload").click()
    expect(chooser).to_be_hidden()
    expect(page.get_by_role("region", name="PDF")).to_contain_text(f"{TITLE} (PDF)")

    tags = page.get_by_role("region", name="Tags").get_by_role("textbox")
    tags.fill("private security")
    tags.press("Enter")

    # Autosave turns the new page into a draft and the form into its edit form; Publish is
    # pressed once that has happened (pressed while the first autosave is still on its way,
    # the create form is sent a second time and refused: "slug already in use").
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/"))
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text(f"Page '{TITLE}' has been published.")).to_be_visible()


def translate_into_serbian(page):
    page.get_by_role("button", name=f"More options for '{TITLE}'").click()
    page.get_by_role("link", name="Translate this page").click()
    page.get_by_role("checkbox", name="Serbian").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("successfully submitted for translation into Serbian")).to_be_visible()

    # wagtail-localize's editor: each source field with its own Translate and Save buttons;
    # the translation is published once every field is translated.
    for tab, field_name, translated in [
        ("Content", "Title", TITLE_SR),
        ("Content", "Summary", SUMMARY_SR),
        ("Promote", "Slug", SLUG_SR),
    ]:
        page.get_by_role("tab", name=tab).click()
        field = page.get_by_role("listitem").filter(
            has=page.get_by_role("heading", name=field_name, exact=True)
        )
        field.get_by_role("button", name="Translate").click()
        field.get_by_role("textbox").fill(translated)
        field.get_by_role("button", name="Save").click()
        expect(field.get_by_text(translated)).to_be_visible()
        expect(field.get_by_role("textbox")).to_have_count(0)
    translation_editor = page.url

    # The new tag has no Serbian name yet: the translation waits until an editor names it.
    page.get_by_role("button", name="Publish in Serbian").click()
    expect(page.get_by_text(re.compile("not translated yet: Tags"))).to_be_visible()
    page.goto(page.url.split("/admin/")[0] + "/admin/")
    page.get_by_role("link", name="Snippets").click()
    page.get_by_role("link", name=re.compile("^Tags")).click()
    page.get_by_role("button", name="Show filters").click()
    page.get_by_role("button", name="Needs translation").click()
    page.get_by_role("radio", name="Yes").check()
    page.keyboard.press("Escape")
    untranslated = page.get_by_role("table").get_by_role("row").filter(has_text="Serbian")
    untranslated.get_by_role("link", name="private security").click()
    page.get_by_role("textbox", name=re.compile("^Name")).fill(TAG_SR)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile(f"'{TAG_SR}' updated"))).to_be_visible()

    page.goto(translation_editor)
    page.get_by_role("button", name="Publish in Serbian").click()
    expect(page.get_by_text(f"Published '{TITLE_SR}' in Serbian.")).to_be_visible()


def the_publication(page):
    return page.get_by_role("article").filter(has=page.get_by_role("heading", level=1))


def test_editor_publishes_and_translates_a_publication(page, demo_site, tmp_path):
    base_url = demo_site.url
    pdf_path = tmp_path / "oversight-of-private-security.pdf"
    pdf_path.write_bytes(build_simple_pdf([TITLE, "Findings and recommendations"], title=TITLE))

    sign_in(page, base_url)
    open_publications_in_the_explorer(page)
    write_publication(page, pdf_path)

    # On the site: the home page's latest publications…
    page.goto(f"{base_url}/en/")
    latest = page.get_by_role("region", name="Latest publications")
    expect(latest.get_by_role("link", name=TITLE)).to_be_visible()
    latest.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    article = the_publication(page)
    expect(article).to_contain_text("Report")
    expect(article.get_by_role("link", name="Isidora Stakić")).to_be_visible()
    expect(article.get_by_role("link", name="Saša Đorđević")).to_be_visible()
    pdf = article.get_by_role("link", name="Download PDF").first  # by the title; again at the end
    assert page.request.get(pdf.get_attribute("href")).body().startswith(b"%PDF")
    english_url = page.url

    # …its year archive, its tag page…
    page.get_by_role("link", name="Year: 2021").click()
    expect(page).to_have_url(f"{base_url}/en/publications/2021/")
    page.get_by_role("main").get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="private security", exact=True).click()
    expect(page).to_have_url(f"{base_url}/en/publications/tags/private-security/")
    expect(page.get_by_role("main").get_by_role("link", name=TITLE)).to_be_visible()

    # …and search.
    search_box = page.get_by_role("searchbox", name="Search publications").first
    search_box.fill("private security oversight")
    search_box.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/search/\?q="))
    expect(page.get_by_role("main").get_by_role("link", name=TITLE)).to_be_visible()

    # Translate it in the admin and publish the Serbian version.
    page.goto(f"{base_url}/admin/")
    open_publications_in_the_explorer(page)
    translate_into_serbian(page)

    # The language switcher links the two versions, both ways.
    page.goto(english_url)
    page.console_errors.clear()  # only the public pages' scripts are ours to answer for
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Srpski").click()
    expect(page).to_have_url(re.compile(f"/sr/publications/{SLUG_SR}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE_SR)
    expect(page.locator("html")).to_have_attribute("lang", "sr")
    expect(the_publication(page)).to_contain_text(SUMMARY_SR)
    expect(the_publication(page)).to_contain_text("Izveštaj")  # the Serbian kind's name
    expect(the_publication(page).get_by_role("link", name=TAG_SR, exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Jezik").get_by_role("link", name="English").click()
    expect(page).to_have_url(english_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert page.console_errors == []
