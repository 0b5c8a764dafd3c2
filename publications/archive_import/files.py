"""The images and PDFs a manifest names: read, checked by their contents, and stored once.

Files are read and checked before anything is written, so a row refused for a file leaves
nothing behind; an image or PDF already on the site (the same bytes, by Wagtail's SHA-1
`file_hash`) is used again instead of being stored twice.
"""

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.template.defaultfilters import filesizeformat
from PIL import Image as PillowImage
from PIL import UnidentifiedImageError
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from bcsp_site.core.uploads import SNIFF_BYTES, content_problem

from .manifest import RowError, resolve

IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}


@dataclass
class SourceFile:
    """A file read from disk, checked, with its hash."""

    reference: str  # as the manifest wrote it
    name: str
    data: bytes
    sha1: str

    @property
    def sha256(self):
        return hashlib.sha256(self.data).hexdigest()


def read_file(reference, base_dir, what):
    path = resolve(reference, base_dir)
    if not path.is_file():
        raise RowError(f"{what} {reference!r}: no such file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RowError(f"{what} {reference!r}: cannot be read ({error.strerror})") from None
    if not data:
        raise RowError(f"{what} {reference!r}: the file is empty")
    return SourceFile(reference, Path(path).name, data, hashlib.sha1(data).hexdigest())  # noqa: S324 (Wagtail's file_hash is SHA-1)


def read_image(reference, base_dir, what="image"):
    """An image file, refused unless it is the raster format its extension says."""
    source = read_file(reference, base_dir, what)
    extension = Path(source.name).suffix.lower().lstrip(".")
    if extension not in IMAGE_FORMATS:
        raise RowError(
            f"{what} {reference!r}: not an image of a kind accepted here "
            f"({', '.join(sorted(IMAGE_FORMATS))})"
        )
    limit = getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", None)
    if limit and len(source.data) > limit:
        raise RowError(f"{what} {reference!r}: larger than {filesizeformat(limit)}")
    try:
        with PillowImage.open(io.BytesIO(source.data)) as picture:
            found = picture.format
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise RowError(f"{what} {reference!r}: not an image") from None
    if found != IMAGE_FORMATS[extension]:
        raise RowError(f"{what} {reference!r}: a {found} image named .{extension}")
    return source


def read_pdf(reference, base_dir):
    """A PDF, checked as the admin's upload form checks documents (core.uploads)."""
    source = read_file(reference, base_dir, "pdf")
    if Path(source.name).suffix.lower() != ".pdf":
        raise RowError(f"pdf {reference!r}: the file's name does not end in .pdf")
    limit = getattr(settings, "WAGTAILDOCS_MAX_UPLOAD_SIZE", None)
    if limit and len(source.data) > limit:
        raise RowError(f"pdf {reference!r}: larger than {filesizeformat(limit)}")
    problem = content_problem(source.name, source.data[:SNIFF_BYTES])
    if problem:
        raise RowError(f"pdf {reference!r}: {problem}")
    return source


class FileStore:
    """Stores the row's files, or finds them already stored; remembers what it wrote so a
    row that fails afterwards can take its files away again (`discard`)."""

    def __init__(self):
        self.written = []  # (storage, name)

    def image(self, source, title):
        return self._stored(get_image_model(), source, title, ImageFile(ContentFile(source.data)))

    def document(self, source, title):
        return self._stored(get_document_model(), source, title, ContentFile(source.data))

    def _stored(self, model, source, title, file):
        """The image or document with these bytes, and whether it was stored just now."""
        existing = model.objects.filter(file_hash=source.sha1).order_by("pk").first()
        if existing is not None:
            return existing, False
        stored = model(title=title[:255], file_size=len(source.data), file_hash=source.sha1)
        file.name = source.name
        stored.file = file
        stored.save()
        self.written.append((stored.file.storage, stored.file.name))
        return stored, True

    def discard(self):
        """Delete the files this row stored (its rows are rolled back)."""
        for storage, name in self.written:
            try:
                storage.delete(name)
            except OSError:
                pass
        self.written = []
