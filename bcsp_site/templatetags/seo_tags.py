"""Head metadata: canonical URL, OpenGraph/Twitter cards, JSON-LD, Google Scholar tags, feeds."""

from hashlib import md5

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from bcsp_site.caching.generation import remembered
from bcsp_site.core.i18n import language_versions
from bcsp_site.core.metadata import absolute, jsonld
from bcsp_site.core.organisation import OrganisationSettings
from bcsp_site.core.renditions import SOCIAL_RENDITION

register = template.Library()

# Shared when neither the page nor the organisation settings give an image
# (drawn by `manage.py make_brand_images`).
SOCIAL_CARD = "img/social-card.png"


def social_image_url(request, image):
    if image is None:
        return absolute(request, static(SOCIAL_CARD))
    return absolute(request, image.get_rendition(SOCIAL_RENDITION).url)


def alternates(request, page):
    """[(hreflang, absolute URL)] for each language the content exists in, plus x-default."""
    versions = [v for v in language_versions(request, page, canonical=True) if v.exact]
    links = [(v.code, absolute(request, v.url)) for v in versions]
    default = dict(links).get(settings.LANGUAGE_CODE, links[0][1])
    return [*links, ("x-default", default)]


@register.inclusion_tag("components/meta_tags.html", takes_context=True)
def page_meta(context):
    """The head's metadata. A page's is the same for every visitor until the content changes
    (the address fixes page, archive year or tag and page number), so it is cached by the
    address and the content generation."""
    request = context["request"]
    canonical = absolute(request, request.path)
    page_number = request.GET.get("page", "")
    if page_number.isascii() and page_number.isdigit() and page_number != "1":
        canonical += f"?page={page_number}"
    if context.get("page") is None or getattr(request, "is_preview", False):
        return with_shortened_descriptions(page_metadata(context, request, canonical))
    digest = md5(canonical.encode(), usedforsecurity=False).hexdigest()
    return remembered(
        f"seo:meta:{translation.get_language()}:{digest}",
        lambda: with_shortened_descriptions(page_metadata(context, request, canonical)),
    )


def with_shortened_descriptions(meta):
    """The description cut to the lengths search results and social cards show."""
    description = Truncator(meta.get("description") or "")
    meta["description_160"] = description.chars(160)
    meta["description_200"] = description.chars(200)
    meta["description_300"] = description.chars(300)
    return meta


def page_metadata(context, request, canonical):
    """The head's metadata; the page describes itself (its description, image, feeds,
    Scholar tags and structured data), the tag adds the listing's own when filtered."""
    page = context.get("page")
    organisation = OrganisationSettings.for_request(request)
    meta = {
        "canonical": canonical,
        "site_name": organisation.name,
        "og_type": "website",
        "image_url": "",
        "scholar": [],
        "jsonld": None,
        "feeds": [],
        "locale": request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "en",
        "description": organisation.description,
        "alternates": alternates(request, page),
    }
    if page is None:
        meta["image_url"] = social_image_url(request, organisation.default_social_image)
        return meta
    meta["title"] = page.seo_title or page.title
    meta["description"] = page.meta_description(organisation)
    if context.get("tag") is not None:
        meta["title"] = _("Publications tagged “%(tag)s”") % {"tag": context["tag"].name}
        meta["description"] = _("Everything the %(name)s has published on %(tag)s.") % {
            "name": organisation.name,
            "tag": context["tag"].name,
        }
    elif context.get("year"):
        meta["title"] = _("Publications from %(year)s") % {"year": context["year"]}
        meta["description"] = _("Everything the %(name)s published in %(year)s.") % {
            "name": organisation.name,
            "year": context["year"],
        }
    meta["description"] = meta["description"] or organisation.description
    meta["og_type"] = page.og_type
    meta["published"] = page.published_time()
    meta["image_url"] = social_image_url(
        request, page.sharing_image() or organisation.default_social_image
    )
    meta["feeds"] = page.feed_links(request, tag=context.get("tag"))
    meta["scholar"] = page.scholar_tags(request, organisation)
    data = page.structured_data(request, canonical, organisation, meta["image_url"])
    if data:
        meta["jsonld"] = jsonld(data)
    return meta
