from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "publications"

    def ready(self):
        from . import signals  # imports the models, which are loaded only by now

        signals.connect()
