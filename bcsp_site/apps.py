from django.apps import AppConfig


class BcspSiteConfig(AppConfig):
    name = "bcsp_site"
    verbose_name = "Site"

    def ready(self):
        from . import signals  # imports the models, which are loaded only by now
        from .caching import checks  # noqa: F401 - registers the cache checks

        signals.connect()
