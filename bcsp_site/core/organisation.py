"""The organisation's details, per site and language: the footer, contacts, metadata, logo."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.fields import StreamField
from wagtail.models import Orderable, Site

from .blocks import SocialProfilesBlock
from .images import raster_only_message
from .metadata import absolute
from .remembered import remembered
from .renditions import LOGO_RENDITION, attach_renditions

logger = logging.getLogger("bcsp")

# What visitors see before an editor has written the texts of their language.
ORGANISATION_DEFAULTS = {
    "en": {
        "name": "Belgrade Centre for Security Policy",
        "short_name": "BCSP",
        "description": (
            "The Belgrade Centre for Security Policy is an independent research centre "
            "advancing the security of citizens and society based on democracy and respect "
            "for human rights."
        ),
        "address": "Đure Jakšića 6/5, 11000 Belgrade, Serbia",
    },
    "sr": {
        "name": "Beogradski centar za bezbednosnu politiku",
        "short_name": "BCBP",
        "description": (
            "Beogradski centar za bezbednosnu politiku je nezavisni istraživački centar koji "
            "se zalaže za bezbednost građana i društva zasnovanu na demokratiji i poštovanju "
            "ljudskih prava."
        ),
        "address": "Đure Jakšića 6/5, 11000 Beograd, Srbija",
    },
}


def logo_rendition(image):
    """The rendition of a logo that templates show, kept on the image (and so with the cached
    settings); None when its file is missing or unreadable, and the wordmark shows instead."""
    if not hasattr(image, "_logo_rendition"):
        try:
            image._logo_rendition = image.get_rendition(LOGO_RENDITION)
        except Exception:  # a missing or broken file must not take every page down
            logger.warning("Could not show logo image %s", image.pk, exc_info=True)
            image._logo_rendition = None
    return image._logo_rendition


def content_language():
    """The language of the current request, as one of the site's content languages."""
    try:
        return get_supported_content_language_variant(translation.get_language())
    except LookupError:
        return settings.LANGUAGE_CODE


def validate_security_contact(value):
    """An email address, or an https:// address (a form or a page on reporting)."""
    if value.startswith("https://"):
        URLValidator(schemes=["https"])(value)
        return
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(
            _("Enter an email address or an address starting with https://."), code="invalid"
        ) from None


@register_setting(icon="site")
class OrganisationSettings(ClusterableModel, BaseSiteSetting):
    """The organisation's details: the footer's "Info BCSP" block, contacts, metadata.

    What visitors read (name, description, address, e-bulletin wording) is written per
    language in `texts`; `name`, `description` and the rest answer in the active language,
    falling back to the default language, then to ORGANISATION_DEFAULTS.
    """

    contact_email = models.EmailField(
        blank=True, default="office@bezbednost.org", help_text=_("Public contact address.")
    )
    security_contact = models.CharField(
        _("security contact"),
        max_length=255,
        blank=True,
        validators=[validate_security_contact],
        help_text=_(
            "Where to report a vulnerability in the website: an email address, or an "
            "https:// address of a form or page. Published in /.well-known/security.txt. "
            "Leave empty to use the public contact address."
        ),
    )
    security_policy_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("security policy page"),
        help_text=_(
            "Optional: the page that says how vulnerability reports are handled, linked "
            "from /.well-known/security.txt."
        ),
    )
    social_links = StreamField(
        SocialProfilesBlock(),
        blank=True,
        help_text=_("The organisation's profiles, listed in the footer in this order."),
    )
    default_social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Shown when a page without an image of its own is shared on social media. "
            "Landscape, at least 1200×630 pixels."
        ),
    )

    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The logo in the header and footer, in every language without a logo of its own: "
            "an SVG, or a PNG with a transparent background at least 160 pixels high, that "
            "reads on the header's and the footer's colours. Leave empty for the built-in "
            "wordmark."
        ),
    )

    select_related = ["default_social_image", "logo"]

    panels = [
        InlinePanel(
            "texts",
            heading=_("Texts in each language"),
            label=_("Language"),
            min_num=1,
            max_num=len(settings.LANGUAGES),
        ),
        MultiFieldPanel(
            [FieldPanel("contact_email"), FieldPanel("social_links")], heading=_("Contact")
        ),
        MultiFieldPanel(
            [FieldPanel("security_contact"), FieldPanel("security_policy_page")],
            heading=_("Reporting vulnerabilities"),
        ),
        FieldPanel("logo"),
        FieldPanel("default_social_image"),
    ]

    class Meta:
        verbose_name = _("organisation")

    def clean(self):
        super().clean()
        if self.default_social_image_id and self.default_social_image.is_svg():
            raise ValidationError({"default_social_image": raster_only_message()})

    @property
    def security_contact_uri(self):
        """The security contact as security.txt gives it: an https:// or mailto: URI."""
        contact = self.security_contact or self.contact_email
        if not contact or contact.startswith("https://"):
            return contact
        return f"mailto:{contact}"

    def text_for(self, language=None):
        """The texts in `language` (default: the active one), or the fallback described above."""
        language = language or content_language()
        loaded = getattr(self, "_texts", None)  # set by for_request()
        if loaded is None:
            loaded = self.texts.all()
        texts = {text.language_code: text for text in loaded}
        text = texts.get(language) or texts.get(settings.LANGUAGE_CODE)
        if text is None:
            defaults = ORGANISATION_DEFAULTS.get(language, ORGANISATION_DEFAULTS["en"])
            text = OrganisationText(language_code=language, **defaults)
        return text

    @property
    def name(self):
        return self.text_for().name

    @property
    def short_name(self):
        return self.text_for().short_name

    @property
    def description(self):
        return self.text_for().description

    @property
    def address(self):
        return self.text_for().address

    @property
    def ebulletin_heading(self):
        return self.text_for().ebulletin_heading

    @property
    def ebulletin_text(self):
        return self.text_for().ebulletin_text

    def logo_for(self, language=None):
        """The uploaded logo for `language` (default: the active one): the language's own,
        else the one for every language; None means the built-in wordmark."""
        return self.text_for(language).logo or self.logo

    @property
    def logo_rendition(self):
        """The rendition of the active language's logo that templates show, or None."""
        image = self.logo_for()
        return None if image is None else logo_rendition(image)

    def structured_data(self, request):
        """The organisation as schema.org JSON-LD (a dict)."""
        data = {"@type": "Organization", "name": self.name, "url": absolute(request, "/")}
        if self.contact_email:
            data["email"] = self.contact_email
        profiles = [block.value["url"] for block in self.social_links]
        if profiles:
            data["sameAs"] = profiles
        return data

    @classmethod
    def load_with_texts(cls, site):
        """The site's settings with their texts in every language, in one query once texts
        exist (the texts bring their settings along)."""
        texts = list(
            OrganisationText.objects.filter(organisation__site=site).select_related(
                "organisation__default_social_image", "organisation__logo", "logo"
            )
        )
        if texts:
            instance = texts[0].organisation
        else:  # new settings get their default texts when created
            instance = cls.for_site(site)
            texts = list(instance.texts.select_related("logo"))
        for text in texts:
            text.organisation = instance
        instance._texts = texts
        # The logos' renditions are kept with the settings: showing one costs no query.
        logos = [image for image in (instance.logo, *(text.logo for text in texts)) if image]
        attach_renditions(logos, LOGO_RENDITION.removesuffix("|preserve-svg"))
        for image in logos:
            logo_rendition(image)
        return instance

    @classmethod
    def for_request(cls, request):
        """Every public page shows these: keep them in the cache for the content generation,
        which saving them renews. (The admin's settings form reads them with for_site(),
        uncached.)"""
        attribute = cls.get_cache_attr_name()
        if hasattr(request, attribute):
            return getattr(request, attribute)
        site = Site.find_for_request(request)
        if site is None:
            return super().for_request(request)
        instance = remembered(f"settings:organisation:{site.pk}", lambda: cls.load_with_texts(site))
        instance._request = request
        setattr(request, attribute, instance)
        return instance


class OrganisationText(Orderable):
    organisation = ParentalKey(OrganisationSettings, on_delete=models.CASCADE, related_name="texts")
    language_code = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        verbose_name=_("language"),
        help_text=_("The language these texts are written in."),
    )
    name = models.CharField(
        max_length=120,
        help_text=_("Full name of the organisation, shown in the footer and as publisher."),
    )
    short_name = models.CharField(
        max_length=30, help_text=_("Abbreviation shown in the header, e.g. BCSP or BCBP.")
    )
    description = models.TextField(
        max_length=600,
        blank=True,
        help_text=_("The short description in the footer's information block."),
    )
    address = models.TextField(blank=True, help_text=_("Postal address, one line per row."))
    ebulletin_heading = models.CharField(
        max_length=120,
        blank=True,
        verbose_name=_("e-bulletin heading"),
        help_text=_(
            "Heading of the e-bulletin sign-up blocks. Leave empty for 'E-bulletin' in the "
            "footer and 'Subscribe to our e-bulletin' on the home page."
        ),
    )
    ebulletin_text = models.TextField(
        max_length=400,
        blank=True,
        verbose_name=_("e-bulletin invitation"),
        help_text=_(
            "The sentence above the sign-up form. Leave empty for "
            "'Sign up to receive our e-bulletin.'"
        ),
    )

    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Only if the logo differs in this language (for example, it spells out the "
            "name): otherwise leave empty and the logo for every language is used."
        ),
    )

    panels = [
        FieldPanel("language_code"),
        FieldPanel("name"),
        FieldPanel("short_name"),
        FieldPanel("logo"),
        FieldPanel("description"),
        FieldPanel("address"),
        FieldPanel("ebulletin_heading"),
        FieldPanel("ebulletin_text"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("texts in one language")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "language_code"], name="one_text_per_language"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.language_code})"


def write_default_texts(sender, instance, created, raw=False, **kwargs):
    """New settings start with the default texts in every language, for editors to adapt."""
    if not created or raw:
        return
    OrganisationText.objects.bulk_create(
        [
            OrganisationText(
                organisation=instance,
                language_code=code,
                sort_order=order,
                **ORGANISATION_DEFAULTS.get(code, ORGANISATION_DEFAULTS[settings.LANGUAGE_CODE]),
            )
            for order, (code, _name) in enumerate(settings.LANGUAGES)
        ]
    )
