from django.apps import AppConfig


class BcspSiteConfig(AppConfig):
    name = "bcsp_site"
    verbose_name = "Site"

    def ready(self):
        from . import i18n, navigation, seo  # noqa: F401  (connect cache invalidation signals)
