from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from bcsp_site.core.reader_text import clean_name, clean_plain_text

from .models import NAME_MAX_LENGTH, TEXT_MAX_LENGTH, TEXT_MIN_LENGTH, Comment
from .spam import MAX_LINKS, count_links, form_token_problem, make_form_token

NEUTRAL_REFUSAL = _(
    "Sorry, we could not accept your comment just now. Please wait a few seconds and send it again."
)


class PlainTextField(forms.CharField):
    """Counts a line break as one character, as the reader's browser does, and takes out
    what could reorder the text around it (``bcsp_site.core.reader_text``)."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_plain_text(value.replace("\r\n", "\n").replace("\r", "\n"))


class CommentForm(forms.ModelForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("Required, but never shown on the site."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    text = PlainTextField(
        label=_("Comment"),
        min_length=TEXT_MIN_LENGTH,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 30}),
    )
    # The honeypot: hidden from people (and from screen readers), tempting to bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Comment
        fields = ["name", "email", "text"]

    def __init__(self, *args, page, **kwargs):
        kwargs.setdefault("auto_id", "comment-%s")
        super().__init__(*args, **kwargs)
        self.page = page
        self.refusal_reason = None
        # Built here rather than at import so it is in the reader's language.
        self.fields["text"].help_text = gettext(
            "Plain text, %(min)s to %(max)s characters. Line breaks are kept; "
            "web addresses are shown but not linked."
        ) % {"min": TEXT_MIN_LENGTH, "max": number_format(TEXT_MAX_LENGTH, force_grouping=True)}
        if not self.is_bound:
            self.initial["form_token"] = make_form_token(page.pk)

    def clean_name(self):
        # Normalised, and refused with invisible characters, so it cannot pass for another's.
        name = clean_name(self.cleaned_data["name"])
        if count_links(name):
            raise forms.ValidationError(
                _("Please give your name without a web address."), code="link"
            )
        return name

    def clean_text(self):
        text = self.cleaned_data["text"]
        links = count_links(text)
        if links > MAX_LINKS:
            raise forms.ValidationError(
                ngettext(
                    "A comment may contain at most %(max)d web address; this one has %(count)d.",
                    "A comment may contain at most %(max)d web addresses; this one has %(count)d.",
                    MAX_LINKS,
                )
                % {"max": MAX_LINKS, "count": links},
                code="too_many_links",
            )
        return text

    def clean(self):
        cleaned_data = super().clean()
        if self.data.get("website", "").strip():
            self.refusal_reason = "honeypot"
        else:
            self.refusal_reason = form_token_problem(self.data.get("form_token"), self.page.pk)
        if self.refusal_reason:
            raise forms.ValidationError(NEUTRAL_REFUSAL, code="refused")
        return cleaned_data

    def refresh_token(self):
        """Give a re-displayed form a new token so the reader can simply send it again."""
        data = self.data.copy()
        data["form_token"] = make_form_token(self.page.pk)
        self.data = data
