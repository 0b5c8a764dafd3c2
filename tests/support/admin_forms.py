"""What the admin's forms post, for tests that save through them."""

from django.urls import reverse
from wagtail.models import Site
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from bcsp_site.core.organisation import OrganisationSettings


def organisation_settings_url():
    site = Site.objects.get(is_default_site=True)
    return reverse("wagtailsettings:edit", args=("bcsp_site", "organisationsettings", site.pk))


def organisation_settings_form(texts=None, **fields):
    """Settings › Organisation as an editor posts it: each language's texts as saved, with
    the changes in `texts` ({language: {field: value}}), and the other fields as `fields`
    say (none, by default)."""
    settings = OrganisationSettings.for_site(Site.objects.get(is_default_site=True))
    rows = [
        {
            "id": text.pk,
            "language_code": text.language_code,
            "name": text.name,
            "short_name": text.short_name,
            "logo": "",
            "description": text.description,
            "address": text.address,
            "ebulletin_heading": "",
            "ebulletin_text": "",
            "ORDER": str(text.sort_order),
            **(texts or {}).get(text.language_code, {}),
        }
        for text in settings.texts.all()
    ]
    return nested_form_data(
        {
            "texts": inline_formset(rows, initial=len(rows)),
            "contact_email": settings.contact_email,
            "social_links": streamfield([]),
            "logo": "",
            "default_social_image": "",
            **fields,
        }
    )
