from django.apps import AppConfig


class BcspSiteConfig(AppConfig):
    name = "bcsp_site"
    verbose_name = "Site"

    def ready(self):
        from . import navigation  # noqa: F401  (connects cache invalidation signals)
