"""Publications in the admin: the Tags snippets (one list per language), the tag
autocomplete of the page editor, which offers only the tags of the page's language, and the
author chooser of the publication editor (see publications.author_chooser)."""

from django.db.models import Count, OuterRef, Subquery
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, LocaleColumn
from wagtail.models import Locale
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .author_chooser import choose_author, fold_author_search
from .search_terms_report import SearchTermsMenuItem, SearchTermsReportView
from .tags import PublicationTag

AUTOCOMPLETE_LIMIT = 10


def tag_autocomplete(request):
    """Names of the tags of ?locale= that begin with ?term= (Wagtail's own view offers the
    tags of every language)."""
    term = request.GET.get("term", "").strip()
    locale = Locale.objects.filter(language_code=request.GET.get("locale", "")).first()
    if not term or locale is None:
        return JsonResponse([], safe=False)
    names = (
        PublicationTag.objects.filter(locale=locale, name__istartswith=term)
        .order_by("name")
        .values_list("name", flat=True)[:AUTOCOMPLETE_LIMIT]
    )
    return JsonResponse(list(names), safe=False)


@hooks.register("register_admin_urls")
def register_tag_autocomplete():
    return [
        path(
            "publication-tags/autocomplete/", tag_autocomplete, name="publication_tag_autocomplete"
        )
    ]


class PublicationTagForm(WagtailAdminModelForm):
    def clean(self):
        cleaned_data = super().clean()
        # The model's per-language uniqueness is not checked by the form (the language is
        # not one of its fields): a clear message rather than a failed save.
        same_language = PublicationTag.objects.filter(locale_id=self.instance.locale_id).exclude(
            pk=self.instance.pk
        )
        name, slug = cleaned_data.get("name"), cleaned_data.get("slug")
        if name and same_language.filter(name=name).exists():
            self.add_error("name", _("This language already has a tag with this name."))
        if slug and same_language.filter(slug=slug).exists():
            self.add_error("slug", _("This language already has a tag with this slug."))
        # Naming a tag made from another language's tag is translating it: the mark goes,
        # and the address follows the new name unless the editor chose one.
        if (
            self.instance.pk
            and self.instance.needs_translation
            and "name" in self.changed_data
            and "needs_translation" not in self.changed_data
        ):
            cleaned_data["needs_translation"] = False
            if "slug" not in self.changed_data:
                cleaned_data["slug"] = ""
        return cleaned_data


class PublicationTagViewSet(SnippetViewSet):
    model = PublicationTag
    icon = "tag"
    menu_label = _("Tags")
    base_url_path = "publication-tags"
    copy_view_enabled = False
    list_display = [
        "name",
        LocaleColumn(),
        "slug",
        Column("counterpart_names", label=_("In the other language")),
        Column("publication_count", label=_("Publications")),
        BooleanColumn("needs_translation", label=_("Needs translation")),
    ]
    list_filter = ["needs_translation"]
    search_fields = ["name", "slug"]
    search_backend_name = None
    ordering = ["name"]

    def get_queryset(self, request):
        # Each site language has its own tags; the site has two, so one name is shown.
        counterparts = PublicationTag.objects.filter(
            translation_key=OuterRef("translation_key")
        ).exclude(locale_id=OuterRef("locale_id"))
        return PublicationTag.objects.annotate(
            publication_count=Count("publication_links"),
            counterpart_names=Subquery(counterparts.values("name")[:1]),
        )

    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("slug"), FieldPanel("needs_translation")],
        base_form_class=PublicationTagForm,
    )


register_snippet(PublicationTagViewSet)


@hooks.register("register_admin_urls")
def register_author_chooser():
    return [
        path("choose-author/", choose_author, name="publications_choose_author"),
        path(
            "choose-author/<int:parent_page_id>/",
            choose_author,
            name="publications_choose_author_child",
        ),
    ]


hooks.register("construct_page_chooser_queryset", fold_author_search)


# Search curation ---------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_search_terms_report():
    return [
        path(
            "reports/search-terms-report/",
            SearchTermsReportView.as_view(),
            name="search_terms_report",
        ),
        path(
            "reports/search-terms-report/results/",
            SearchTermsReportView.as_view(results_only=True),
            name="search_terms_report_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_search_terms_menu_item():
    return SearchTermsMenuItem(
        _("Search terms"),
        reverse("search_terms_report"),
        name="search-terms-report",
        icon_name="search",
        order=1300,
    )


@hooks.register("construct_reports_menu")
def hide_the_librarys_search_terms_report(request, menu_items):
    """wagtail.contrib.search_promotions' own report (superusers only, no counts of searches
    that found nothing) gives way to ours."""
    library_report = reverse("wagtailsearchpromotions:search_terms")
    menu_items[:] = [item for item in menu_items if item.url != library_report]
