from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("E-bulletin")

    def ready(self):
        from . import services  # noqa: F401  (connects the erasure signal handler)
