"""Where documents are kept: ``STORAGES["documents"]`` when it is configured (a private S3
bucket, see the settings), else the default storage beside the images (local disk)."""

from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty


class DocumentsStorage(LazyObject):
    """``STORAGES["documents"]`` if configured, else the default storage; looked up when
    first used (and again after the settings change, as in tests), not when models load."""

    def _setup(self):
        if "documents" in settings.STORAGES:
            self._wrapped = storages["documents"]
        else:
            self._wrapped = default_storage


documents_storage = DocumentsStorage()


def get_documents_storage():
    """The documents' file field storage. A callable, so migrations name this function
    rather than whichever storage the settings chose."""
    return documents_storage


def _reset_documents_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        documents_storage._wrapped = empty


setting_changed.connect(_reset_documents_storage)
