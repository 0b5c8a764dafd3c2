from django.apps import AppConfig


class BcspSiteConfig(AppConfig):
    name = "bcsp_site"
    verbose_name = "Site"

    def ready(self):
        # Connect the cache invalidation signals.
        from . import frontend_cache, navigation, seo  # noqa: F401

        frontend_cache.connect_signals()

        # When translations made in the admin go live: a signal and admin hooks.
        from . import translating  # noqa: F401
