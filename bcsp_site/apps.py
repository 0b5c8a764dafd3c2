from django.apps import AppConfig


class BcspSiteConfig(AppConfig):
    name = "bcsp_site"
    verbose_name = "Site"

    def ready(self):
        from . import frontend_cache, navigation, seo  # noqa: F401  (connect cache invalidation signals)

        frontend_cache.connect_signals()
