"""django-storages' S3 storage, rebuilt from its ``STORAGES`` alias when Wagtail queues work.

Wagtail deletes a file in a task that is given the storage's deconstructed arguments and
builds a new storage from them. For S3 those arguments are every option, the secret key
included, written into the task queue, and each deletion then makes a new boto3 client
(about half a second each: the admin round trip in tests/core/test_object_storage.py
took 15.5 s that way, 5.4 s this way). Deconstructed to its alias, the storage is looked up
in the worker's own ``storages``, with its client and connections.
"""

from django.core.files.storage import storages
from storages.backends.s3 import S3Storage


def configured_storage(alias):
    return storages[alias]


class ConfiguredS3Storage(S3Storage):
    def get_default_settings(self):
        # The name of this storage in STORAGES, given in its OPTIONS.
        return {**super().get_default_settings(), "alias": None}

    def deconstruct(self):
        if self.alias is None:
            return super().deconstruct()
        return ("bcsp_site.core.s3.configured_storage", (self.alias,), {})
