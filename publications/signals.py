"""The publications' signal handlers, connected by PublicationsConfig.ready()."""

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published

from bcsp_site.caching import purge

from .kinds import PublicationKind
from .models import OpEdPage, PublicationPage, reindex_published_publication
from .tags import PublicationTag


def connect():
    for model in (PublicationPage, OpEdPage):
        page_published.connect(
            reindex_published_publication, sender=model, dispatch_uid=f"reindex-{model.__name__}"
        )
    for signal in (post_save, post_delete):
        for model in (PublicationKind, PublicationTag):
            purge.connect_shown_everywhere(signal, model)
