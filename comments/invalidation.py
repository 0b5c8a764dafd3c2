"""A CDN's copies of a page drop out when a comment shown on it changes.

A comment matters to the cache only while it is approved (only approved comments are
shown): approving one, rejecting or deleting one that was shown, purges its page and its
comment list. Pending comments arriving from readers purge nothing. (The site's own page
cache follows the content generation, which these changes renew: bcsp_site.caching.generation.)
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from wagtail.models import Page

from bcsp_site.caching.purge import origin_of, purge_urls, purging_enabled

from .models import Comment


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


@receiver(pre_save, sender=Comment, dispatch_uid="comments-cache-previous-status")
def _remember_previous_status(sender, instance, **kwargs):
    if instance.pk is not None:
        instance._was_shown = Comment.objects.approved().filter(pk=instance.pk).exists()


@receiver(post_save, sender=Comment, dispatch_uid="comments-cache-saved")
def _comment_saved(sender, instance, **kwargs):
    if instance.is_approved or instance.__dict__.pop("_was_shown", False):
        shown_comments_changed([instance.page_id])


@receiver(pre_delete, sender=Comment, dispatch_uid="comments-cache-deleting")
def _remember_shown_before_delete(sender, instance, **kwargs):
    # The row's status, not the instance's: a copy loaded before a bulk approval is stale.
    instance._was_shown = Comment.objects.approved().filter(pk=instance.pk).exists()


@receiver(post_delete, sender=Comment, dispatch_uid="comments-cache-deleted")
def _comment_deleted(sender, instance, **kwargs):
    if instance.is_approved or instance.__dict__.pop("_was_shown", False):
        shown_comments_changed([instance.page_id])
