"""A reader on a publication page, in English and in Serbian."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment
from publications.models import PublicationPage
from tests.html_validation import html_errors

OP_ED = {
    "en": "/en/publications/public-recording-with-secret-cameras/",
    "sr": "/sr/publications/javno-snimanje-tajnim-kamerama/",
}
LANGUAGES = ["en", "sr"]


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
