"""A frontend-cache backend for the tests: it records the URLs it is asked to purge."""

from wagtail.contrib.frontend_cache.backends.base import BaseBackend

purged = []


class RecordingBackend(BaseBackend):
    def purge(self, url):
        purged.append(url)
