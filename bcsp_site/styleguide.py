"""The living style guide at /<language>/styleguide/: every component of the site, rendered
by the templates the pages use, with sample content made in memory and never saved.

Staff only: anonymous visitors are sent to the admin's sign-in, other signed-in people are
refused (403). Never cached (``private, no-store``) nor indexed, and in no sitemap (it is
not a page). The sections are in ``templates/pages/styleguide.html``; a component that needs
sample content of its own gets it from ``samples()`` below.
"""

import copy
import datetime

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from wagtail.models import Site
from wagtail_footnotes.models import Footnote

from authors.models import AuthorPage
from comments.forms import CommentForm
from newsletter.forms import LanguageForm, SignupForm
from publications.citations import citation_for
from publications.curation import EditorsPick
from publications.kinds import PublicationKind
from publications.models import PublicationPage
from publications.search import ResultCard

from .core.footnotes import FootnoteNumbering
from .core.pagination import Paginator

AUTHORS = [
    ("Ana Marković", "ana-markovic", "Researcher"),
    ("Nikola Petrović", "nikola-petrovic", "Programme director"),
]
KINDS = {"analysis": "Analysis", "op-ed": "Op-ed", "report": "Report"}
# (title, kind, publication date, authors (indexes into AUTHORS), summary)
PUBLICATIONS = [
    (
        "Oversight of the security sector in a captured state",
        "analysis",
        datetime.date(2024, 11, 18),
        [0, 1],
        "How parliament, independent bodies and the public can hold the police and the "
        "security services to account when the institutions meant to oversee them answer "
        "to the same people they should oversee. A summary long enough to be shortened on "
        "cards: it goes on about budgets, procurement, appointments and the rules for "
        "secret surveillance, which few outside the services ever get to read in full.",
    ),
    (
        "Public recording with secret cameras",
        "op-ed",
        datetime.date(2024, 10, 2),
        [0],
        "Thousands of cameras that can recognise faces watch the streets of Belgrade, with "
        "no law that says who may look at what they record.",
    ),
    (
        "Security sector reform: the annual report",
        "report",
        datetime.date(2024, 6, 30),
        [],
        "A year of reform, and of its absence, in the police, the army and the services.",
    ),
]
TAGS = ["surveillance", "police reform", "democracy", "state of emergency"]
MESSAGES = [
    ("info", "Your search was long, so only its beginning was used."),
    ("success", "Saved. You will receive the e-bulletin in English."),
    ("error", "Sorry, something went wrong. Please try again."),
]


def site_root_path():
    """The url_path of the home page of the current language (the first site's otherwise),
    under which the samples are given addresses: Wagtail links a page by its url_path."""
    roots = Site.get_site_root_paths()
    language = translation.get_language()
    for root in roots:
        if root.language_code == language:
            return root.root_path
    return roots[0].root_path if roots else "/"


def sample_authors(root):
    authors = []
    for title, slug, role in AUTHORS:
        author = AuthorPage(title=title, slug=slug, role=role)
        author.url_path = f"{root}authors/{slug}/"
        authors.append(author)
    return authors


def sample_publications(root):
    # Numbered (never saved) so the typeset covers show the tones of different kinds.
    kinds = {
        slug: PublicationKind(pk=number, name=name, slug=slug)
        for number, (slug, name) in enumerate(KINDS.items())
    }
    authors = sample_authors(root)
    publications = []
    for title, kind, date, credited, summary in PUBLICATIONS:
        slug = f"sample-{kind}"
        publication = PublicationPage(
            title=title, slug=slug, kind=kinds[kind], publication_date=date, summary=summary
        )
        publication.url_path = f"{root}publications/{slug}/"
        # What the templates ask of a publication's relations, given instead of queried.
        publication.__dict__["authors"] = [authors[number] for number in credited]
        publication.__dict__["byline"] = publication.__dict__["authors"]
        publication.__dict__["tag_list"] = []
        publications.append(publication)
    return publications


def highlighted(text, words):
    """`text` escaped with the first of `words` marked, as search results show a match."""
    for word in words:
        before, found, after = text.partition(word)
        if found:
            return format_html("{}<mark>{}</mark>{}", before, found, after)
    return text


def sample_footnotes():
    """A paragraph citing two notes, the first of them twice, and its notes (never saved)."""
    first, second = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"

    def tag(note_id):
        return f'<footnote id="{note_id}">[{note_id[:6]}]</footnote>'

    paragraph = (
        f"<p>The committee met eleven times in 2019{tag(first)}, and the police carried out "
        f"fewer than half of the recommendations{tag(second)}. It did not consider the "
        f"services' reports{tag(first)}.</p>"
    )
    numbering = FootnoteNumbering(
        [paragraph],
        [
            Footnote(
                uuid=first,
                text="<p>National Assembly, <i>Report on the Work of the Defence and Internal "
                "Affairs Committee in 2019</i> (Belgrade, 2020), p. 3.</p>",
            ),
            Footnote(uuid=second, text="<p>Protector of Citizens, <i>Annual Report 2019</i>.</p>"),
        ],
    )
    return {"text": mark_safe(numbering.render(paragraph)), "notes": numbering.notes}  # noqa: S308


def samples(request):
    """The template's context: sample content for every component."""
    root = site_root_path()
    publications = sample_publications(root)
    sample = publications[0]
    searched = ResultCard(
        pk=0,
        url=sample.get_url(request),
        title=sample.title,
        summary=sample.summary,
        kind=sample.kind.name,
        date=sample.publication_date,
        authors=tuple((author.title, author.get_url(request)) for author in sample.authors),
        title_highlighted=highlighted(sample.title, ["security"]),
        summary_highlighted=highlighted(sample.summary, ["security"]),
    )
    # The citation's download links name the publication's id; the sample has none.
    cited = copy.copy(publications[0])
    cited.pk = 0
    language = translation.get_language()
    signup_form_with_errors = SignupForm(
        {"email": "not-an-address", "name": "Milica", "language": language},
        block_id="styleguide",
    )
    comment_form_with_errors = CommentForm(
        {"name": "Milica", "email": "not-an-address", "text": "x"}, page=publications[0]
    )
    # Bound forms work out their errors when asked: here, outside the templates.
    signup_form_with_errors.full_clean()
    comment_form_with_errors.full_clean()
    listing = f"/{language}/publications/"
    return {
        "sample_publications": publications,
        "sample_publication": publications[0],
        "sample_authors": publications[0].authors,
        "search_results": [searched],
        "sample_pick": EditorsPick(
            title=publications[0].title,
            url=f"{listing}{publications[0].slug}/",
            description=publications[0].summary,
        ),
        "cited_publication": cited,
        "citation": citation_for(request, cited).apa(),
        "sample_tags": [
            {"name": name, "url": f"{listing}tags/{name.replace(' ', '-')}/"} for name in TAGS
        ],
        "sample_page_obj": Paginator(range(240), 10).get_page(7),
        "sample_crumbs": [
            {"label": gettext("Home"), "url": f"/{language}/"},
            {"label": gettext("Publications"), "url": listing},
            {"label": publications[0].title, "url": request.path, "current": True},
        ],
        "sample_messages": [{"tags": tags, "text": text} for tags, text in MESSAGES],
        "signup_form_with_errors": signup_form_with_errors,
        "comment_form_with_errors": comment_form_with_errors,
        "language_form": LanguageForm(initial={"language": language}, auto_id="styleguide-%s"),
        "sample_footnotes": sample_footnotes(),
    }


@require_safe
@cache_control(private=True, no_store=True)
def styleguide(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
    if not request.user.is_staff:
        raise PermissionDenied("The style guide is for staff only.")
    response = render(request, "pages/styleguide.html", samples(request))
    response["X-Robots-Tag"] = "noindex"
    return response
