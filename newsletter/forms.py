from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateTimeInput

from bcsp_site.core.reader_text import LINK_PATTERN, clean_name

from .hashing import normalise_email

EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 100

CONSENT_TEXT = _(
    "I agree that the Belgrade Centre for Security Policy stores my email address, name and "
    "language to send me its e-bulletin. I can unsubscribe at any time with the link in "
    "every bulletin."
)


def current_language():
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def clean_subscriber_name(value):
    """Normalised, and refused with invisible characters or a web address: bulletins greet
    subscribers by it."""
    name = clean_name(value)
    if LINK_PATTERN.search(name):
        raise forms.ValidationError(_("Please give your name without a web address."), code="link")
    return name


class SignupForm(forms.Form):
    """Email (required), name, language and an explicit consent box that starts unticked.

    ``block_id`` names the block the form is in (footer, home page, e-bulletin page) in
    its element ids, so they stay unique on any page.
    """

    email = forms.EmailField(
        label=_("Email address"),
        max_length=EMAIL_MAX_LENGTH,
        error_messages={
            "required": _("Please enter your email address."),
            "invalid": _("Please enter a valid email address, like name@example.org."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(
        label=_("Name (optional)"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    language = forms.ChoiceField(
        label=_("Language of the bulletin"),
        choices=settings.LANGUAGES,
        error_messages={"invalid_choice": _("Please choose English or Serbian.")},
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        required=True,
        error_messages={"required": _("Please tick the box to agree before signing up.")},
    )

    def __init__(self, *args, block_id="page", **kwargs):
        kwargs.setdefault("auto_id", f"ebulletin-{block_id}-%s")
        super().__init__(*args, **kwargs)
        self.block_id = block_id
        self.fields["language"].initial = current_language()
        for name, field in self.fields.items():
            if self.is_bound and name in self.errors:
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = f"ebulletin-{block_id}-{name}-error"

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])

    def clean_name(self):
        return clean_subscriber_name(self.cleaned_data["name"])

    @property
    def consent_wording(self):
        """The consent text exactly as this visitor saw it, in the page's language."""
        return str(CONSENT_TEXT)


class ManageRequestForm(forms.Form):
    """The address of a subscription whose owner wants a link to manage it."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=EMAIL_MAX_LENGTH,
        error_messages={
            "required": _("Please enter the address you subscribed with."),
            "invalid": _("Please enter a valid email address, like name@example.org."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "manage-%s")
        super().__init__(*args, **kwargs)
        if self.is_bound and "email" in self.errors:
            self.fields["email"].widget.attrs["aria-invalid"] = "true"
            self.fields["email"].widget.attrs["aria-describedby"] = "manage-email-error"

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


class ConfirmForm(forms.Form):
    """The name bulletins will greet the subscriber with, as the address's owner confirms it.

    The name typed at sign-up came from whoever typed the address, who may not be its
    owner: it is offered here, on the site, and only what the owner sends with the button
    is kept (nothing, if the field is emptied or missing).
    """

    name = forms.CharField(
        label=_("Your name, to greet you in the bulletin (optional)"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "confirm-%s")
        super().__init__(*args, **kwargs)
        if self.is_bound and "name" in self.errors:
            self.fields["name"].widget.attrs["aria-invalid"] = "true"
            self.fields["name"].widget.attrs["aria-describedby"] = "confirm-name-error"

    def clean_name(self):
        return clean_subscriber_name(self.cleaned_data["name"])


class LanguageForm(forms.Form):
    """A subscriber's choice of the bulletin's language, on their manage page."""

    language = forms.ChoiceField(
        label=_("Language of the bulletin"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose English or Serbian."),
            "invalid_choice": _("Please choose English or Serbian."),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "manage-%s")
        super().__init__(*args, **kwargs)


class ScheduleForm(forms.Form):
    """When the task worker should send a bulletin, in the site's time zone."""

    send_at = forms.DateTimeField(
        label=_("Send at"),
        help_text=_(
            "Date and time in the site's time zone. The worker sends the bulletin then; "
            "until it starts you can cancel, choose another time or send it at once."
        ),
        widget=AdminDateTimeInput(),
    )
