"""What the site does when content changes: every signal handler of the site's own layers
(core, caching) and of its top layer, connected in one place by BcspSiteConfig.ready()."""

from django.apps import apps
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, PageViewRestriction, Site, get_page_models
from wagtail.signals import (
    page_published,
    page_slug_changed,
    page_unpublished,
    post_page_move,
    pre_page_move,
)

from .caching import generation, purge
from .core.organisation import OrganisationSettings, OrganisationText, write_default_texts
from .core.renditions import prepare_renditions_on_publish
from .models import NavigationMenu, NavigationMenuItem
from .translating import keep_placeholders_unpublished


def connect():
    # The content generation: read once per request, renewed by every change visitors see.
    request_started.connect(generation.request_started_handler, dispatch_uid="generation-start")
    request_finished.connect(generation.request_finished_handler, dispatch_uid="generation-end")
    post_save.connect(generation.content_changed, dispatch_uid="generation-save")
    post_delete.connect(generation.content_changed, dispatch_uid="generation-delete")
    # Data migrations save through models of their own, which content_changed leaves be.
    post_migrate.connect(
        generation.start_new_generation,
        sender=apps.get_app_config("bcsp_site"),
        dispatch_uid="generation-migrate",
    )
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(generation.content_changed, dispatch_uid=f"generation-{signal!r}")

    page_published.connect(prepare_renditions_on_publish, dispatch_uid="prepare-renditions")
    post_save.connect(
        write_default_texts, sender=OrganisationSettings, dispatch_uid="org-default-texts"
    )
    post_save.connect(keep_placeholders_unpublished, dispatch_uid="keep-placeholders-unpublished")

    # The CDN in front (bcsp_site.caching.purge).
    for model in get_page_models():
        if model is not Page:
            pre_save.connect(
                purge.remember_previous_urls,
                sender=model,
                dispatch_uid=f"cdn-previous-{model._meta.label_lower}",
            )
    page_published.connect(purge.page_changed, dispatch_uid="cache-page-published")
    page_unpublished.connect(purge.page_changed, dispatch_uid="cache-page-unpublished")
    pre_page_move.connect(purge.page_moving, dispatch_uid="cache-page-moving")
    post_page_move.connect(purge.page_moved, dispatch_uid="cache-page-moved")
    page_slug_changed.connect(purge.slug_changed, dispatch_uid="cache-slug-changed")
    for signal in (post_save, post_delete):
        signal.connect(
            purge.view_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"cache-restriction-{signal!r}",
        )
        for model in (
            OrganisationSettings,
            OrganisationText,
            NavigationMenu,
            NavigationMenuItem,
            Site,
            Locale,
            get_image_model(),
            get_document_model(),
        ):
            purge.connect_shown_everywhere(signal, model)
