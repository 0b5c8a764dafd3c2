"""A reader on a publication page: posting a comment (wrong, then right), reading comments
with their times, and finding the PDF. In English and in Serbian."""

import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfWriter

from comments.models import Comment
from publications.models import PublicationDocument, PublicationPage
from tests.browser.test_accessibility import assert_no_axe_violations
from tests.support.html_validation import html_errors

OP_ED = {
    "en": "/en/publications/public-recording-with-secret-cameras/",
    "sr": "/sr/publications/javno-snimanje-tajnim-kamerama/",
}
WITH_PDF = {
    "en": "/en/publications/the-security-sector-in-a-captured-state/",
    "sr": "/sr/publications/sektor-bezbednosti-u-zarobljenoj-drzavi/",
}
WORDS = {
    "en": {
        "form": "Post a comment",
        "name": "Name",
        "email": "Email",
        "comment": "Comment",
        "send": "Send comment",
        "not sent": "Your comment was not sent",
        "error title": "Error:",
        "link in name": "Please give your name without a web address.",
        "too many links": "A comment may contain at most 2 web addresses; this one has 3.",
        "bad email": "Enter a valid email address.",
        "thanks": "Thank you — your comment is awaiting moderation.",
        "download": "Download PDF",
        "pdf facts": r"Download PDF · \d+(\.\d)?\sKB · 36\spages",
    },
    "sr": {
        "form": "Ostavite komentar",
        "name": "Ime",
        "email": "E-pošta",
        "comment": "Komentar",
        "send": "Pošaljite komentar",
        "not sent": "Vaš komentar nije poslat",
        "error title": "Greška:",
        "link in name": "Navedite ime bez veb-adrese.",
        "too many links": "Komentar može da sadrži najviše 2 veb-adrese; ovaj ih sadrži 3.",
        "bad email": "Unesite ispravnu e-mail adresu.",
        "thanks": "Hvala vam — vaš komentar čeka odobrenje moderatora.",
        "download": "Preuzmite PDF",
        "pdf facts": r"Preuzmite PDF · \d+(,\d)?\sKB · 36\sstrana",
    },
}
LANGUAGES = ["en", "sr"]
TOO_MANY_LINKS = "See https://a.example/1 https://b.example/2 https://c.example/3"


def comment_form(page, words):
    return page.get_by_role("form", name=words["form"])


def field(form, words, name):
    return form.get_by_role("textbox", name=re.compile(f"^{words[name]}"))


def send(page, form, words):
    with page.expect_navigation() as navigation:
        form.get_by_role("button", name=words["send"]).click()
    return navigation.value


# A comment with mistakes comes back on the page itself, and a sent one is acknowledged there ---


def assert_comes_back_with_errors(page, demo_site, language, typed):
    words = WORDS[language]
    form = comment_form(page, words)
    # On the publication's own address, with the page's title marked as an error.
    expect(page).to_have_url(f"{demo_site.url}{OP_ED[language]}")
    expect(page).to_have_title(re.compile(f"^{re.escape(words['error title'])} "))
    # An error summary at the form, which has the focus, so the reader is taken there.
    summary = form.get_by_role("alert")
    expect(summary).to_contain_text(words["not sent"])
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    # Everything typed is still there.
    for name, value in typed.items():
        expect(field(form, words, name)).to_have_value(value)
    return form, summary


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_comment_with_errors_comes_back_on_the_page_with_a_summary(
    page, demo_site, quick_spam_guard, language
):
    words = WORDS[language]
    page.goto(f"{demo_site.url}{OP_ED[language]}")
    form = comment_form(page, words)
    typed = {"name": "www.milica.example", "email": "milica@example.org", "comment": TOO_MANY_LINKS}
    for name, value in typed.items():
        field(form, words, name).fill(value)
    response = send(page, form, words)
    assert response.status == 400

    form, summary = assert_comes_back_with_errors(page, demo_site, language, typed)
    # Each message next to its field, and read with it (aria-describedby).
    for name, message in (("name", "link in name"), ("comment", "too many links")):
        box = field(form, words, name)
        expect(box).to_have_attribute("aria-invalid", "true")
        expect(box).to_have_accessible_description(re.compile(re.escape(words[message])))
        label = form.get_by_text(words[name], exact=True)
        error = form.get_by_text(words[message], exact=True).last
        expect(error).to_be_visible()
        assert label.bounding_box()["y"] < error.bounding_box()["y"] < box.bounding_box()["y"]
    expect(field(form, words, "email")).not_to_have_attribute("aria-invalid", "true")

    # The summary's links lead to the fields.
    summary.get_by_role("link", name=re.compile(re.escape(words["too many links"]))).click()
    expect(field(form, words, "comment")).to_be_focused()
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_empty_or_invalid_field_is_explained_in_the_page_language(
    page, demo_site, quick_spam_guard, language
):
    """The browser's own bubbles would speak its language, not the page's: the form is
    checked by the site, and says what is wrong in the page."""
    words = WORDS[language]
    page.goto(f"{demo_site.url}{OP_ED[language]}")
    form = comment_form(page, words)
    typed = {"name": "Milica", "email": "milica.example.org", "comment": "Well argued."}
    for name, value in typed.items():
        field(form, words, name).fill(value)
    response = send(page, form, words)
    assert response.status == 400
    form, summary = assert_comes_back_with_errors(page, demo_site, language, typed)
    bad_email = re.compile(re.escape(words["bad email"]))
    expect(summary.get_by_role("link", name=bad_email)).to_be_visible()
    expect(field(form, words, "email")).to_have_accessible_description(
        re.compile(re.escape(words["bad email"]))
    )


def test_a_comment_with_errors_comes_back_the_same_without_javascript(
    page_without_js, demo_site, quick_spam_guard
):
    page = page_without_js
    words = WORDS["en"]
    page.goto(f"{demo_site.url}{OP_ED['en']}")
    form = comment_form(page, words)
    typed = {"name": "Milica", "email": "milica@example.org", "comment": TOO_MANY_LINKS}
    for name, value in typed.items():
        field(form, words, name).fill(value)
    assert send(page, form, words).status == 400
    assert_comes_back_with_errors(page, demo_site, "en", typed)


def test_the_spam_guard_still_refuses_a_form_sent_at_once(page, demo_site):
    words = WORDS["en"]
    page.goto(f"{demo_site.url}{OP_ED['en']}")
    form = comment_form(page, words)
    typed = {"name": "Milica", "email": "milica@example.org", "comment": "Sent at once."}
    for name, value in typed.items():
        field(form, words, name).fill(value)
    assert send(page, form, words).status == 400
    form, summary = assert_comes_back_with_errors(page, demo_site, "en", typed)
    expect(summary).to_contain_text("Please wait a few seconds and send it again.")
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_sent_comment_is_acknowledged_at_the_form(page, demo_site, quick_spam_guard, language):
    words = WORDS[language]
    page.goto(f"{demo_site.url}{OP_ED[language]}")
    form = comment_form(page, words)
    field(form, words, "name").fill("Milica")
    field(form, words, "email").fill("milica@example.org")
    field(form, words, "comment").fill("Who decided where the cameras go?")
    send(page, form, words)

    expect(page).to_have_url(f"{demo_site.url}{OP_ED[language]}")
    form = comment_form(page, words)
    thanks = form.get_by_text(words["thanks"])
    expect(thanks).to_be_visible()
    expect(thanks).to_be_in_viewport()
    expect(thanks).to_be_focused()
    expect(page.get_by_text(words["thanks"])).to_have_count(1)  # said once, at the form
    expect(field(form, words, "comment")).to_have_value("")
    comment = Comment.objects.get()
    assert (comment.text, comment.status) == (
        "Who decided where the cameras go?",
        Comment.Status.PENDING,
    )


def test_the_comment_form_s_states_pass_axe_and_the_nu_checker(
    page, demo_site, quick_spam_guard, tmp_path
):
    documents = {}
    for language in LANGUAGES:
        words = WORDS[language]
        page.goto(f"{demo_site.url}{OP_ED[language]}")
        form = comment_form(page, words)
        field(form, words, "name").fill("Milica")
        field(form, words, "email").fill("milica.example.org")
        field(form, words, "comment").fill(TOO_MANY_LINKS)
        refused = send(page, form, words)
        expect(form.get_by_role("alert")).to_be_focused()
        assert_no_axe_violations(page, f"comment errors ({language})")
        documents[f"comment errors {language}"] = refused.body()

        form = comment_form(page, words)
        field(form, words, "email").fill("milica@example.org")
        field(form, words, "comment").fill("Well argued.")
        thanked = send(page, form, words)
        expect(form.get_by_text(words["thanks"])).to_be_focused()
        assert_no_axe_violations(page, f"comment sent ({language})")
        documents[f"comment sent {language}"] = thanked.body()
    errors = html_errors(documents, tmp_path)
    assert errors == [], "\n".join(errors)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_comment_form_is_laid_out_like_the_site_s_other_forms(page, demo_site, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{demo_site.url}/en/e-bulletin/")
    signup_label = page.locator("label[for=ebulletin-page-email]")
    label_style = signup_label.evaluate(
        "label => { const s = getComputedStyle(label); return [s.display, s.fontWeight]; }"
    )

    words = WORDS["en"]
    page.goto(f"{demo_site.url}{OP_ED['en']}")
    form = comment_form(page, words)
    boxes = []
    for name in ("name", "email", "comment"):
        label = form.locator("label").filter(has_text=re.compile(f"^{words[name]}$"))
        expect(label).to_have_count(1)  # "Name", not "Name:"
        assert (
            label.evaluate(
                "label => { const s = getComputedStyle(label); return [s.display, s.fontWeight]; }"
            )
            == label_style
        )
        box = field(form, words, name)
        label_box, input_box = label.bounding_box(), box.bounding_box()
        # The label sits on its own line above its input, both starting at the same edge.
        assert label_box["y"] + label_box["height"] <= input_box["y"] + 1, name
        assert abs(label_box["x"] - input_box["x"]) <= 1, name
        boxes.append(input_box)
    # The inputs line up and are as wide as each other.
    assert len({round(box["x"]) for box in boxes}) == 1
    assert len({round(box["width"]) for box in boxes}) == 1
    button = form.get_by_role("button", name=words["send"]).bounding_box()
    assert abs(button["x"] - boxes[0]["x"]) <= 1
    assert button["width"] < boxes[0]["width"] / 2  # a button, not a bar
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# Comment times are valid HTML ----------------------------------------------------------------


def add_approved_comments(path, count=3):
    page = PublicationPage.objects.get(url_path__endswith=path.split("/")[-2] + "/")
    for number in range(count):
        Comment.objects.create(
            page=page,
            name=f"Reader {number}",
            email=f"reader{number}@example.org",
            text=f"Comment number {number}.",
            status=Comment.Status.APPROVED,
            created_at=timezone.now().replace(microsecond=123456 + number),
        )
    return page


def test_pages_with_comments_are_valid_html(page, demo_site, tmp_path, client):
    host = demo_site.url.split("//")[1]
    documents = {}
    for language in LANGUAGES:
        commented = add_approved_comments(OP_ED[language])
        page.goto(f"{demo_site.url}{OP_ED[language]}")
        times = page.locator(".comment-list time")
        expect(times).to_have_count(3)
        for datetime in times.evaluate_all("times => times.map(t => t.getAttribute('datetime'))"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", datetime)
        documents[f"op-ed with comments {language}"] = client.get(
            OP_ED[language], HTTP_HOST=host
        ).content
        documents[f"all comments {language}"] = client.get(
            f"/{language}/comments/{commented.pk}/", HTTP_HOST=host
        ).content
    errors = html_errors(documents, tmp_path)
    assert errors == [], "\n".join(errors)


# The PDF is easy to find --------------------------------------------------------------------


def pdf_with_pages(count):
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Report"})
    content = ContentFile(b"", name="report-with-pages.pdf")
    writer.write(content)
    content.seek(0)
    return content


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_is_offered_by_the_title_and_after_the_text(page, demo_site, language):
    words = WORDS[language]
    document = PublicationDocument.objects.create(title="Report (PDF)", file=pdf_with_pages(36))
    publication = PublicationPage.objects.get(
        url_path__endswith=WITH_PDF[language].split("/")[-2] + "/"
    )
    publication.pdf = document
    publication.save_revision().publish()

    page.goto(f"{demo_site.url}{WITH_PDF[language]}")
    article = page.get_by_role("article").filter(has=page.get_by_role("heading", level=1))
    downloads = article.get_by_role("link", name=re.compile(f"^{re.escape(words['download'])}"))
    expect(downloads).to_have_count(2)
    for link in (downloads.first, downloads.last):
        expect(link).to_have_accessible_name(re.compile(f"^{words['pdf facts']}$"))
        expect(link).to_have_text(re.compile(words["pdf facts"]))
        # Looks like a button: filled, not a bare underlined link.
        assert link.evaluate("a => getComputedStyle(a).backgroundColor") not in (
            "rgba(0, 0, 0, 0)",
            "transparent",
        )
    # Near the title: on the first screen, before the text begins.
    heading = page.get_by_role("heading", level=1).bounding_box()
    first = downloads.first.bounding_box()
    text_start = article.locator(".publication__body > *").first.bounding_box()
    assert heading["y"] < first["y"] < text_start["y"]
    expect(downloads.first).to_be_in_viewport()
    # And again at the end of the text.
    text_end = article.locator(".publication__body > *").last.bounding_box()
    assert downloads.last.bounding_box()["y"] > text_end["y"]

    with page.expect_download() as download:
        downloads.first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
