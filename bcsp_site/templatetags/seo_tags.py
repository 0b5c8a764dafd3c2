"""Head metadata: canonical URL, OpenGraph/Twitter cards, JSON-LD, Google Scholar tags, feeds."""

from hashlib import md5

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from authors.models import AuthorPage
from bcsp_site.caching.generation import remembered
from bcsp_site.core.i18n import language_versions
from bcsp_site.core.metadata import absolute, csp_nonce, jsonld
from bcsp_site.core.organisation import OrganisationSettings
from bcsp_site.core.renditions import SOCIAL_RENDITION
from publications.models import PublicationIndexPage, PublicationPage

register = template.Library()

SCHEMA_TYPES = {"report": "Report", "op-ed": "OpinionNewsArticle", "policy-paper": "Report"}


def social_image_url(request, page, default_image=None):
    image = getattr(page, "cover_image", None) or getattr(page, "social_image", None)
    if image is None:
        image = getattr(page, "photo", None) or default_image
    if image is None:
        return ""
    return absolute(request, image.get_rendition(SOCIAL_RENDITION).url)


def publication_jsonld(request, page, url, image_url, organisation):
    publisher = {
        "@type": "Organization",
        "name": organisation.name,
        "url": absolute(request, "/"),
    }
    authors = [
        {"@type": "Person", "name": author.title, "url": absolute(request, author.get_url(request))}
        for author in page.authors
    ] or [publisher]
    data = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(page.kind.slug, "ScholarlyArticle"),
        "headline": page.title[:110],
        "name": page.title,
        "description": page.summary,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": page.publication_date.isoformat(),
        "inLanguage": page.locale.language_code,
        "author": authors,
        "publisher": publisher,
        "keywords": [tag.name for tag in page.tag_list],
        "genre": page.kind.name,
    }
    if page.last_published_at:
        data["dateModified"] = page.last_published_at.isoformat()
    if image_url:
        data["image"] = image_url
    if page.pdf_id:
        data["associatedMedia"] = {
            "@type": "MediaObject",
            "contentUrl": absolute(request, page.pdf.url),
            "encodingFormat": "application/pdf",
        }
    based_on = getattr(page, "outlet_url", "") if getattr(page, "translator_name", "") else ""
    source = getattr(page, "translation_source_url", None)
    if source:
        based_on = absolute(request, source(request))
    if based_on:
        data["isBasedOn"] = based_on
    return data


def organisation_jsonld(request, organisation):
    data = {"@type": "Organization", "name": organisation.name, "url": absolute(request, "/")}
    if organisation.contact_email:
        data["email"] = organisation.contact_email
    profiles = [block.value["url"] for block in organisation.social_links]
    if profiles:
        data["sameAs"] = profiles
    return data


def scholar_tags(request, page, organisation):
    tags = [("citation_title", page.title)]
    tags += [("citation_author", author.title) for author in page.authors]
    if not page.authors:
        tags.append(("citation_author", organisation.name))
    tags += [
        ("citation_publication_date", page.publication_date.strftime("%Y/%m/%d")),
        ("citation_publisher", organisation.name),
        ("citation_language", page.locale.language_code),
    ]
    if page.kind.slug in ("report", "policy-paper"):
        tags.append(("citation_technical_report_institution", organisation.name))
    if page.pdf_id:
        tags.append(("citation_pdf_url", absolute(request, page.pdf.url)))
    return tags


def feed_links(request, page, context):
    """(title, RSS url, Atom url) for the listings this page shows."""
    links = []
    if isinstance(page, (PublicationIndexPage, AuthorPage)):
        base = page.get_url(request)
        links.append(
            (
                page.title,
                base + page.reverse_subpage("feed"),
                base + page.reverse_subpage("feed_atom"),
            )
        )
        tag = context.get("tag")
        if isinstance(page, PublicationIndexPage) and tag is not None:
            links.append(
                (
                    f"{page.title}: {tag.name}",
                    base + page.reverse_subpage("tag_feed", args=[tag.slug]),
                    base + page.reverse_subpage("tag_feed_atom", args=[tag.slug]),
                )
            )
    return links


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
    if page_number.isdigit() and page_number != "1":
        canonical += f"?page={page_number}"
    if context.get("page") is None or getattr(request, "is_preview", False):
        return with_shortened_descriptions(page_metadata(context, request, canonical))
    digest = md5(canonical.encode(), usedforsecurity=False).hexdigest()

    def build():
        meta = with_shortened_descriptions(page_metadata(context, request, canonical))
        meta["jsonld_nonce"] = csp_nonce(request)
        return meta

    meta = remembered(f"seo:meta:{translation.get_language()}:{digest}", build)
    return with_current_nonce(meta, request)


def with_current_nonce(meta, request):
    """The cached JSON-LD carries the nonce of the request that built it; give it this one."""
    nonce, cached_nonce = csp_nonce(request), meta.get("jsonld_nonce", "")
    if meta.get("jsonld") and nonce != cached_nonce:
        meta = dict(meta)
        meta["jsonld"] = mark_safe(  # noqa: S308 - swaps one escaped nonce for another
            meta["jsonld"].replace(
                format_html(' nonce="{}"', cached_nonce) if cached_nonce else "<script ",
                format_html(' nonce="{}"', nonce) if cached_nonce else f'<script nonce="{nonce}" ',
                1,
            )
        )
    return meta


def with_shortened_descriptions(meta):
    """The description cut to the lengths search results and social cards show."""
    description = Truncator(meta.get("description") or "")
    meta["description_160"] = description.chars(160)
    meta["description_200"] = description.chars(200)
    meta["description_300"] = description.chars(300)
    return meta


def page_metadata(context, request, canonical):
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
    nonce = csp_nonce(request)
    if page is None:
        meta["image_url"] = social_image_url(request, None, organisation.default_social_image)
        return meta
    default_description = organisation.description
    meta["title"] = page.seo_title or page.title
    meta["description"] = page.search_description or getattr(page, "intro", "")
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
    elif getattr(page, "role", None) is not None and not meta["description"]:
        meta["description"] = _("%(name)s, %(role)s: publications and biography.") % {
            "name": page.title,
            "role": page.role or organisation.name,
        }
    meta["image_url"] = social_image_url(request, page, organisation.default_social_image)
    meta["feeds"] = feed_links(request, page, context)
    if isinstance(page, PublicationPage):
        meta["og_type"] = "article"
        meta["description"] = page.search_description or page.summary
        meta["published"] = page.publication_date.isoformat()
        meta["scholar"] = scholar_tags(request, page, organisation)
        meta["jsonld"] = jsonld(
            publication_jsonld(request, page, canonical, meta["image_url"], organisation),
            nonce=nonce,
        )
    elif page.depth == 2:
        meta["jsonld"] = jsonld(
            {
                "@context": "https://schema.org",
                "@type": "WebSite",
                "name": organisation.name,
                "url": canonical,
                "inLanguage": page.locale.language_code,
                "publisher": organisation_jsonld(request, organisation),
            },
            nonce=nonce,
        )
    elif getattr(page, "role", None) is not None:
        meta["og_type"] = "profile"
        meta["jsonld"] = jsonld(
            {
                "@context": "https://schema.org",
                "@type": "Person",
                "name": page.title,
                "jobTitle": page.role,
                "url": canonical,
                "worksFor": {"@type": "Organization", "name": organisation.name},
            },
            nonce=nonce,
        )
    meta["description"] = meta["description"] or default_description
    return meta
