"""An example of every public page type of the demo content, found by what it is rather than
by its address, so the checks that visit them all (axe-core, the Nu HTML Checker, layout
shift) follow the demo content as it changes."""

import re
from dataclasses import dataclass, field

from authors.models import AuthorIndexPage, AuthorPage
from bcsp_site.models import StandardPage, TeamPage
from publications.models import OpEdPage, PublicationIndexPage, PublicationPage

LANGUAGES = ("en", "sr")
NO_SUCH_WORD = "qzxjvw"


@dataclass(frozen=True)
class Example:
    """A page to visit; with `form`, what a visitor sends to it to see its error state."""

    path: str
    form: dict = field(default_factory=dict)
    status: int = 200


def first(model, language, **filters):
    return (
        model.objects.live()
        .public()
        .filter(locale__language_code=language, **filters)
        .order_by("path")
        .first()
    )


def longest_word(text):
    return max(re.findall(r"\w+", text), key=len)


def example_publication(language, cover=True):
    """The newest tagged publication (not an op-ed) of the language, with or without a cover
    (the first page of its PDF, in the demo content)."""
    return (
        PublicationPage.objects.live()
        .public()
        .filter(
            locale__language_code=language,
            opedpage__isnull=True,
            tagged_items__isnull=False,
            pdf__first_page_image__isnull=not cover,
        )
        .order_by("-publication_date", "path")
        .first()
    )


def page_types(language):
    """{page type: Example} for one language of the demo content."""
    publication = example_publication(language)
    index = first(PublicationIndexPage, language).url
    tag = publication.tags.order_by("slug").first()
    bad_address = {"email": "not-an-address", "name": "Milica"}
    return {
        "home": Example(f"/{language}/"),
        "listing": Example(index),
        "year archive": Example(f"{index}{publication.publication_date.year}/"),
        "tag page": Example(f"{index}tags/{tag.slug}/"),
        "publication": Example(publication.url),
        "publication with footnotes": Example(
            first(PublicationPage, language, footnotes__isnull=False).url
        ),
        "op-ed": Example(first(OpEdPage, language).url),
        "author index": Example(first(AuthorIndexPage, language).url),
        "author": Example(first(AuthorPage, language, publication_links__isnull=False).url),
        "standard page": Example(first(StandardPage, language).url),
        "team page": Example(first(TeamPage, language).url),
        "search with results": Example(
            f"/{language}/search/?q={longest_word(publication.title)}&kind={publication.kind.slug}"
        ),
        "search with no results": Example(f"/{language}/search/?q={NO_SUCH_WORD}"),
        "e-bulletin sign-up": Example(f"/{language}/e-bulletin/"),
        # No consent and a bad address: both fields show their error.
        "e-bulletin sign-up with errors": Example(
            f"/{language}/e-bulletin/", form={**bad_address, "language": language}, status=400
        ),
        "not found": Example(f"/{language}/no-such-page/", status=404),
        "comment form with errors": Example(
            publication.url, form={**bad_address, "text": "x"}, status=400
        ),
    }


def every_page_type():
    """{"<language> <page type>": Example} for both languages."""
    return {
        f"{language} {name}": example
        for language in LANGUAGES
        for name, example in page_types(language).items()
    }
