from django.apps import AppConfig
from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("E-bulletin")

    def ready(self):
        from . import signals
        from .models import Subscriber

        pre_delete.connect(
            signals.keep_suppression_hash,
            sender=Subscriber,
            dispatch_uid="newsletter-erase-subscriber",
        )
