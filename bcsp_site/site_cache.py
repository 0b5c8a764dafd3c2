"""Which Site answers a request, from the cache instead of a query on every request.

Wagtail looks the Site up once per request (and keeps it on the request). The sites change
rarely, so the middleware keeps them by host and port for the content generation
(bcsp_site.fragments), which saving or deleting a site renews.
"""

from django.http.request import split_domain_port
from wagtail.models import Site

from .fragments import FRAGMENT_CACHE_SECONDS, content_cache, content_generation

CACHE_KEY = "sites:by-host:{generation}"
MAX_HOSTS = 50  # the Host header is the visitor's to choose; keep the map small


def site_for_request(request):
    """The Site for this request's host and port, or None when no site matches."""
    hostname = split_domain_port(request.get_host())[0]
    host_key = f"{hostname}:{request.get_port()}"
    key = CACHE_KEY.format(generation=content_generation())
    sites = content_cache().get(key) or {}
    if host_key in sites:
        return sites[host_key]
    site = Site.find_for_request(request)
    if site is not None:
        # In its specific class (no query), so that routing starts from the home page's
        # cached translation in the visitor's language (see HomePage.localized).
        site.root_page = site.root_page.specific_deferred
    if site is not None and len(sites) < MAX_HOSTS:
        sites[host_key] = site
        content_cache().set(key, sites, FRAGMENT_CACHE_SECONDS)
    return site


class CachedSiteMiddleware:
    """Hands Wagtail the request's Site from the cache (public pages only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/admin/"):
            site = site_for_request(request)
            if site is not None:
                request._wagtail_site = site
        return self.get_response(request)
