from django import template
from django.utils.formats import number_format
from django.utils.html import avoid_wrapping
from django.utils.translation import gettext, ngettext

from bcsp_site.core.uploads import document_size
from publications.covers import COVER_RENDITIONS

register = template.Library()


@register.simple_tag
def cover_renditions():
    """{"card": (specs…), "carousel": (…), "page": (…)}: the rendition filter specs at which
    covers are shown and made ahead, largest first ({% cover_renditions as specs %}). The
    srcset_image tags showing a cover spell the same sizes."""
    return COVER_RENDITIONS


@register.filter
def pdf_download_label(document):
    """ "Download PDF · 1.2 MB · 36 pages": the button's words, with the size and the number
    of pages as far as they are known, in the reader's language. The size and the pages are
    each kept on one line, so a narrow screen breaks the button between the parts."""
    parts = [gettext("Download PDF")]
    size = document_size(document)
    if size:
        parts.append(size)
    page_count = getattr(document, "page_count", None)
    if page_count:
        pages = ngettext("%(count)s page", "%(count)s pages", page_count) % {
            "count": number_format(page_count, force_grouping=True)
        }
        parts.append(avoid_wrapping(pages))
    return " · ".join(parts)
