from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("E-bulletin")

    def ready(self):
        from . import signals, tracking  # import the models, which are loaded only by now

        signals.connect()
        tracking.connect()
