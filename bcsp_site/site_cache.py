"""Which Site answers a request, from the cache instead of a query on every request.

Wagtail looks the Site up once per request (and keeps it on the request). The sites change
rarely, so the middleware keeps them in the shared cache by host and port, and the
signals below drop that copy whenever a site is saved or deleted.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http.request import split_domain_port
from wagtail.models import Site

CACHE_KEY = "sites:by-host"
CACHE_SECONDS = 60 * 60
MAX_HOSTS = 50  # the Host header is the visitor's to choose; keep the map small


def site_for_request(request):
    """The Site for this request's host and port, or None when no site matches."""
    hostname = split_domain_port(request.get_host())[0]
    host_key = f"{hostname}:{request.get_port()}"
    sites = cache.get(CACHE_KEY) or {}
    if host_key in sites:
        return sites[host_key]
    site = Site.find_for_request(request)
    if site is not None:
        # In its specific class (no query), so that routing starts from the home page's
        # cached translation in the visitor's language (see HomePage.localized).
        site.root_page = site.root_page.specific_deferred
    if site is not None and len(sites) < MAX_HOSTS:
        sites[host_key] = site
        cache.set(CACHE_KEY, sites, CACHE_SECONDS)
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


@receiver(post_save, sender=Site, dispatch_uid="site-cache-save")
@receiver(post_delete, sender=Site, dispatch_uid="site-cache-delete")
def clear_site_cache(**kwargs):
    cache.delete(CACHE_KEY)
