from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from bcsp_site.caching.generation import remembered

from .search import SORT_NEWEST, SORT_OLDEST, SORT_RELEVANCE
from .tags import PublicationTag
from .text import MAX_QUERY_LENGTH

MIN_YEAR = 1990
MAX_YEAR = 2100

SORT_CHOICES = [
    ("", _("Best match (with keywords), else newest")),
    (SORT_RELEVANCE, _("Best match")),
    (SORT_NEWEST, _("Newest first")),
    (SORT_OLDEST, _("Oldest first")),
]

MAX_TAG_SUGGESTIONS = 500

YEAR_WIDGET = forms.TextInput(attrs={"inputmode": "numeric", "class": "search-year", "size": 6})


class QuickSelect(forms.Select):
    """Django's <select>, written out in Python: Django renders every option through a
    template of its own, which took 5 ms for the author list on each new search."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((item["value"], flatatt(item["attrs"]), item["label"]) for item in options),
            )
            if group_name:
                rendered = format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered)
            groups.append(rendered)
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            mark_safe("".join(groups)),  # noqa: S308  (each part escaped by format_html)
        )


class QuickCheckboxes(forms.CheckboxSelectMultiple):
    """Django's checkboxes, each box written out in Python (the search form lays them out
    itself with ``choice.tag``), for the same reason as QuickSelect."""

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        if template_name != self.option_template_name or widget.get("wrap_label"):
            return super()._render(template_name, context, renderer)
        value = widget["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            format_html(' value="{}"', value) if value is not None else "",
            flatatt(widget["attrs"]),
        )


# The fields of the collapsible "Advanced search" part of the form.
ADVANCED_FIELDS = ("kind", "author", "tag", "year_from", "year_to", "language", "sort")


class SearchForm(forms.Form):
    """Keywords plus the advanced filters; every field is optional (filters alone browse)."""

    q = forms.CharField(
        required=False,
        label=_("Keywords"),
        widget=forms.SearchInput(attrs={"maxlength": MAX_QUERY_LENGTH}),
        help_text=_('Put a phrase in quotes to find it exactly, e.g. "state capture".'),
    )
    kind = forms.MultipleChoiceField(
        required=False,
        label=_("Kind"),
        widget=QuickCheckboxes,
        error_messages={"invalid_choice": _("There is no kind called “%(value)s”.")},
    )
    author = forms.ChoiceField(
        required=False,
        label=_("Author"),
        widget=QuickSelect,
        error_messages={"invalid_choice": _("There is no author called “%(value)s”.")},
    )
    tag = forms.CharField(
        required=False,
        max_length=100,
        label=_("Tag"),
        help_text=_("A topic such as surveillance."),
        widget=forms.TextInput(attrs={"list": "tag-suggestions"}),
    )
    year_from = forms.IntegerField(
        required=False,
        label=_("From year"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        # A text box, not type=number: browsers blank a number box holding letters, and
        # what the visitor typed must stay visible next to its error.
        widget=YEAR_WIDGET,
        error_messages={
            "invalid": _("Enter a year as four digits, e.g. 2019."),
            "min_value": _("Enter a year from %(limit_value)s on."),
            "max_value": _("Enter a year up to %(limit_value)s."),
        },
    )
    year_to = forms.IntegerField(
        required=False,
        label=_("To year"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        # A text box, not type=number: browsers blank a number box holding letters, and
        # what the visitor typed must stay visible next to its error.
        widget=YEAR_WIDGET,
        error_messages={
            "invalid": _("Enter a year as four digits, e.g. 2020."),
            "min_value": _("Enter a year from %(limit_value)s on."),
            "max_value": _("Enter a year up to %(limit_value)s."),
        },
    )
    language = forms.ChoiceField(
        required=False,
        label=_("Language"),
        choices=[("", _("This site's language")), *settings.WAGTAIL_CONTENT_LANGUAGES],
        widget=QuickSelect,
        error_messages={"invalid_choice": _("There is no content language “%(value)s”.")},
    )
    sort = forms.ChoiceField(
        required=False,
        label=_("Sort by"),
        choices=SORT_CHOICES,
        widget=QuickSelect,
        error_messages={"invalid_choice": _("Sort by best match, newest or oldest.")},
    )

    def __init__(self, *args, kinds=(), authors=(), locale=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale = locale  # the language searched: its tags are the ones accepted
        self.kinds_by_slug = {kind.slug: kind for kind in kinds}
        self.authors_by_slug = {author.slug: author for author in authors}
        self.fields["kind"].choices = [(kind.slug, kind.name) for kind in kinds]
        self.fields["author"].choices = [("", _("Any author"))] + [
            (author.slug, author.title) for author in authors
        ]
        self.query_was_shortened = False

    def clean_q(self):
        query = " ".join(self.cleaned_data["q"].split())
        if len(query) > MAX_QUERY_LENGTH:
            self.query_was_shortened = True
            query = query[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0] or query[:MAX_QUERY_LENGTH]
        return query

    def clean_kind(self):
        return [self.kinds_by_slug[slug] for slug in self.cleaned_data["kind"]]

    def clean_author(self):
        slug = self.cleaned_data["author"]
        return self.authors_by_slug[slug] if slug else None

    def clean_tag(self):
        value = self.cleaned_data["tag"].strip()
        if not value:
            return None
        tags = PublicationTag.objects.filter(locale=self.locale)
        tag = tags.filter(slug=value).first() or (
            tags.filter(name__iexact=value).order_by("pk").first()
        )
        if tag is None:
            raise ValidationError(
                _("There is no tag called “%(value)s”."), code="unknown", params={"value": value}
            )
        return tag

    def clean(self):
        cleaned_data = super().clean()
        year_from, year_to = cleaned_data.get("year_from"), cleaned_data.get("year_to")
        if year_from and year_to and year_from > year_to:
            self.add_error(
                "year_to",
                ValidationError(
                    _("The end year must be the same as or after the start year (%(year)s)."),
                    code="reversed",
                    params={"year": year_from},
                ),
            )
        return cleaned_data


def tag_suggestions(locale):
    """Names of the tags that live publications of `locale` carry, for the search form's
    suggestions. Kept for the content generation: the form is drawn afresh for every search,
    and finding the tags in use reads every publication's tags (some 40 ms at 100,000)."""
    if locale is None:
        return []

    def tags_in_use():
        used = PublicationTag.objects.filter(
            locale=locale, publication_links__content_object__live=True
        ).values("pk")
        return list(
            PublicationTag.objects.filter(pk__in=used)
            .order_by("name")
            .values_list("name", flat=True)[:MAX_TAG_SUGGESTIONS]
        )

    return remembered(f"search:tag-suggestions:{locale.pk}", tags_in_use)
