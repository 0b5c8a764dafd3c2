from django.apps import AppConfig


class BcspSiteConfig(AppConfig):
    name = "bcsp_site"
    verbose_name = "Site"

    def ready(self):
        from . import navigation, seo  # noqa: F401  (connect cache invalidation signals)
