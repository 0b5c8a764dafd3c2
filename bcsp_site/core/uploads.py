"""Uploaded documents and images: they must be what their name says, and safe to serve.

Wagtail checks the extension (``WAGTAILDOCS_EXTENSIONS``) and the size
(``WAGTAILDOCS_MAX_UPLOAD_SIZE``); this form also checks the first bytes of the file, so an
HTML page or a script renamed to ``report.pdf`` is refused with a message next to the file
field. Documents are served with ``Content-Security-Policy: default-src 'none'`` and
``X-Content-Type-Options: nosniff`` by Wagtail, and every type but PDF as an attachment.

Images: Wagtail checks that the file is the image format its extension says; an SVG is
also checked for scripts and outside references (``bcsp_site.core.images``), as it is
served from the media folder as it was uploaded.
"""

import os

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm

from .images import svg_problem

PDF = (b"%PDF-",)
OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # Word, Excel and PowerPoint 97-2003
ZIP = (b"PK\x03\x04",)  # Office Open XML and OpenDocument are zip archives
SIGNATURES = {
    "pdf": PDF,
    "doc": OLE2,
    "xls": OLE2,
    "ppt": OLE2,
    "docx": ZIP,
    "xlsx": ZIP,
    "pptx": ZIP,
    "odt": ZIP,
    "ods": ZIP,
    "odp": ZIP,
}
TEXT_EXTENSIONS = {"csv", "txt"}
SNIFF_BYTES = 8192
MARKUP = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml")


def content_problem(name, head):
    """Why the first bytes ``head`` do not fit the file name's extension, or None."""
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension in SIGNATURES:
        if not head.startswith(SIGNATURES[extension]):
            return _(
                "This file does not look like a real .%(extension)s file. Please upload the "
                "document as saved by its application (PDF, Word, Excel, PowerPoint or "
                "OpenDocument)."
            ) % {"extension": extension}
    elif extension in TEXT_EXTENSIONS:
        if b"\x00" in head or head.lstrip().lower().startswith(MARKUP):
            return _("This file is not plain text. Please upload a .%(extension)s file.") % {
                "extension": extension
            }
    return None


def read_upload(upload, size=-1):
    """The first `size` bytes of an uploaded file (all with -1), leaving it where it was."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    data = upload.read(size)
    upload.seek(position)
    return data


class DocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or self.add_prefix("file") not in self.files:
            return upload  # no new file: an edit that keeps the existing one
        problem = content_problem(upload.name, read_upload(upload, SNIFF_BYTES))
        if problem:
            raise forms.ValidationError(problem, code="content_mismatch")
        return upload


class ImageForm(BaseImageForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or self.add_prefix("file") not in self.files:
            return upload  # no new file: an edit that keeps the existing one
        if os.path.splitext(upload.name)[1].lower() == ".svg":
            problem = svg_problem(read_upload(upload))
            if problem:
                raise forms.ValidationError(problem, code="unsafe_svg")
        return upload


def document_size(document):
    """Human-readable size of a document, or "" when the file is missing."""
    try:
        size = document.file_size or document.file.size
    except (OSError, ValueError):
        return ""
    return filesizeformat(size) if size else ""
