"""Choosing a publication's authors in the admin.

Wagtail's page chooser, restricted to author pages, opens at the page tree's root (the
authors of both languages have no nearer common ancestor) and searches with the search
backend's autocomplete, which neither folds Serbian diacritics ("Djordjevic" does not find
"Đorđević") nor keeps to one language (the English and Serbian pages of one person come up
side by side). Wagtail has no option for either, so:

- ``AuthorChooser`` is the page chooser with its own opening view, which shows the author
  index of the edited page's language (the chooser is told that language in ``locale``);
- ``fold_author_search`` (a ``construct_page_chooser_queryset`` hook) answers the chooser's
  search for author pages by matching folded names, one page per person, in that language
  where the person has a page in it.
"""

from django.db.models import Case, IntegerField, Value, When
from wagtail.admin.widgets import AdminPageChooser
from wagtail.models import Locale, PageQuerySet

from authors.models import AuthorIndexPage, AuthorPage

from .text import fold

AUTHOR_PAGE_TYPE = "authors.authorpage"
SEARCH_VIEW = "wagtailadmin_choose_page_search"


class AuthorChooser(AdminPageChooser):
    chooser_modal_url_name = "publications_choose_author"

    def __init__(self, **kwargs):
        super().__init__(target_models=[AuthorPage], **kwargs)


def requested_locale(request):
    """The language of the page being edited, as the chooser passes it on."""
    code = request.GET.get("locale")
    locale = Locale.objects.filter(language_code=code).first() if code else None
    return locale or Locale.get_active()


def choose_author(request, parent_page_id=None):
    """Wagtail's chooser, opened on the author index of the edited page's language."""
    from wagtail.admin.views.chooser import BrowseView

    if parent_page_id is None:
        index = (
            AuthorIndexPage.objects.filter(locale=requested_locale(request))
            .order_by("path")
            .values_list("pk", flat=True)
            .first()
        )
        parent_page_id = index
    return BrowseView.as_view()(request, parent_page_id=parent_page_id)


def _words(text):
    return fold(text).split()


def matching_authors(query, locale):
    """Ids of the author pages whose names match every word of ``query`` (each word the
    start of a word of the name, ignoring case and diacritics): one page per person, the
    one in ``locale`` where there is one."""
    wanted = _words(query)
    if not wanted:
        return []
    people = {}
    authors = AuthorPage.objects.values_list("pk", "title", "translation_key", "locale_id")
    for pk, title, person, locale_id in authors.order_by("pk"):
        name = _words(title)
        if all(any(word.startswith(part) for word in name) for part in wanted):
            if person not in people or locale_id == locale.pk:
                people[person] = pk
    return list(people.values())


class FoldedAuthorSearch(PageQuerySet):
    """The chooser's page queryset, searched by folded author names instead of the search
    backend (the chooser calls ``autocomplete`` with what the editor typed)."""

    locale = None

    def _clone(self):
        clone = super()._clone()
        clone.locale = self.locale
        return clone

    def autocomplete(self, query, *args, **kwargs):
        ids = matching_authors(query, self.locale)
        in_language_first = Case(
            When(locale_id=self.locale.pk, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return self.filter(pk__in=ids).order_by(in_language_first, "title")


def fold_author_search(pages, request):
    match = getattr(request, "resolver_match", None)
    if (
        match is None
        or match.url_name != SEARCH_VIEW
        or request.GET.get("page_type", "").lower() != AUTHOR_PAGE_TYPE
    ):
        return pages
    search = FoldedAuthorSearch(
        model=pages.model, query=pages.query.chain(), using=pages._db, hints=pages._hints
    )
    search.locale = requested_locale(request)
    return search
