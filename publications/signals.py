"""The publications' signal handlers, connected by PublicationsConfig.ready()."""

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published

from bcsp_site.caching import purge

from .covers import delete_first_page_image
from .kinds import PublicationKind
from .models import OpEdPage, PublicationDocument, PublicationPage, reindex_published_publication
from .tags import PublicationTag


def connect():
    for model in (PublicationPage, OpEdPage):
        page_published.connect(
            reindex_published_publication, sender=model, dispatch_uid=f"reindex-{model.__name__}"
        )
    for signal in (post_save, post_delete):
        for model in (PublicationKind, PublicationTag):
            purge.connect_shown_everywhere(signal, model)
    post_delete.connect(
        delete_first_page_image, sender=PublicationDocument, dispatch_uid="delete-first-page"
    )
