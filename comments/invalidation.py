"""A CDN's copies of a page drop out when a comment shown on it changes.

A comment matters to the cache only while it is approved (only approved comments are
shown): approving one, rejecting or deleting one that was shown, purges its page and its
comment list. Pending comments arriving from readers purge nothing. (The site's own page
cache follows the content generation, which these changes renew: bcsp_site.caching.generation.)
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from wagtail.models import Page

from bcsp_site.caching.purge import origin_of, purge_urls, purging_enabled


def comment_page_urls(page_ids):
    """Each page's address and its comment list in every language."""
    urls = set()
    for page in Page.objects.filter(pk__in=page_ids):
        page_url = page.get_full_url()
        if not page_url:
            continue
        urls.add(page_url)
        origin = origin_of(page_url)
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                urls.add(origin + reverse("comments:list", args=[page.pk]))
    return urls


def shown_comments_changed(page_ids):
    page_ids = set(page_ids)
    if not page_ids:
        return
    if purging_enabled():
        purge_urls(comment_page_urls(page_ids))
