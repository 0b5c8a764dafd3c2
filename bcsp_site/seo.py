"""sitemap.xml with hreflang alternates for every language, robots.txt and security.txt."""

import datetime
from collections import defaultdict
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe
from wagtail.models import Page, Site

from .caching.generation import remembered
from .caching.page_cache import cacheable
from .core.metadata import site_root
from .core.organisation import OrganisationSettings

SITEMAP_CACHE_SECONDS = 60 * 60


def sitemap_entries(request):
    """One entry per live public page, each listing every language version as alternates.

    Pages that no site serves (get_full_url() is None) are left out.
    """
    pages = (
        Page.objects.live()
        .public()
        .filter(depth__gte=2)
        .select_related("locale")
        .only(
            "url_path",
            "translation_key",
            "locale__language_code",
            "last_published_at",
            "latest_revision_created_at",
            "first_published_at",
        )
    )
    located = []
    for page in pages.order_by("path"):
        url = page.get_full_url(request)
        if url:
            located.append((page, url))
    versions = defaultdict(list)
    for page, url in located:
        versions[page.translation_key].append((page.locale.language_code, url))
    entries = []
    for page, url in located:
        alternates = sorted(versions[page.translation_key])
        default = next(
            (alt_url for code, alt_url in alternates if code == settings.LANGUAGE_CODE), None
        )
        modified = (
            page.last_published_at or page.latest_revision_created_at or page.first_published_at
        )
        entries.append(
            {
                "location": url,
                "lastmod": modified.date().isoformat() if modified else None,
                "alternates": alternates if len(alternates) > 1 else [],
                "x_default": default if len(alternates) > 1 else None,
            }
        )
    return entries


@cacheable
@require_safe
def sitemap(request):
    site = Site.find_for_request(request)
    if site is None:
        return HttpResponse(status=404)
    # Kept for the content generation, so any change visitors see (a page published, moved,
    # made private, a site's host name) takes it along at once.
    body = remembered(
        f"seo:sitemap:{site.pk}",
        lambda: render_to_string("seo/sitemap.xml", {"entries": sitemap_entries(request)}),
        seconds=SITEMAP_CACHE_SECONDS,
    )
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


@cacheable
@require_safe
def robots_txt(request):
    search_path = reverse("search").split("/", 2)[2]  # "search/" without the language prefix
    search_paths = [f"/{code}/{search_path}" for code, _name in settings.LANGUAGES]
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /language/"]
    lines += [f"Disallow: {path}" for path in search_paths]
    # The site's own address, never the request's Host: the answer is kept for every host.
    lines += ["", f"Sitemap: {site_root(request)}{reverse('sitemap')}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


# How far ahead security.txt says it is good for: RFC 9116 asks for less than a year, so that
# a copy nobody looks after stops being believed.
SECURITY_TXT_DAYS = 180


@cacheable
@require_safe
def security_txt(request):
    """/.well-known/security.txt (RFC 9116): whom to tell about a vulnerability.

    Kept by the page cache like any public page; a change to the organisation settings
    starts a new content generation, so the next request shows it.
    """
    organisation = OrganisationSettings.for_request(request)
    expires = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(
        days=SECURITY_TXT_DAYS
    )
    lines = [
        f"Contact: {organisation.security_contact_uri}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: " + ", ".join(code for code, _name in settings.LANGUAGES),
        # The Site's host, never the request's Host header: the answer is kept for every host.
        f"Canonical: https://{urlsplit(site_root(request)).netloc}{reverse('security_txt')}",
    ]
    policy = organisation.security_policy_page
    if policy is not None and policy.live:
        policy_url = policy.get_full_url(request)
        if policy_url:
            lines.append(f"Policy: {policy_url}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
