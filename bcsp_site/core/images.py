"""SVG images: accepted for the organisation's logo, and only if they can carry no script.

An SVG is a document, not a picture: opened at its own address it runs its scripts with the
site's cookies. So an uploaded SVG is refused (`svg_problem`, checked by the image form in
`uploads`) when it has a script, an event handler attribute (`onload`…), embedded HTML
(`foreignObject`, `iframe`…), or anything that points outside the file (links, images,
styles, fonts, entities); templates show logos only through `<img>`, never inline.

Everywhere else (covers, photos, social images, images in the text) pictures are resized
and converted to WebP or JPEG, which cannot be done to an SVG, so an SVG chosen there is
refused with `raster_only_message()`.
"""

import re
from xml.etree.ElementTree import ParseError  # noqa: S405 - only the exception; parsing is defused

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext as _

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
EMBEDDING = {"foreignobject", "iframe", "embed", "object", "audio", "video", "canvas"}
SCRIPTING = {"script", "handler", "listener"}
# url(…) not followed by "#": a reference to another file or address.
OUTSIDE_URL = re.compile(rb"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
JAVASCRIPT = re.compile(r"^[\x00-\x20]*j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:", re.IGNORECASE)


def _local(name):
    """An element's or attribute's name without its namespace, in lower case."""
    return name.rsplit("}", 1)[-1].lower()


def svg_problem(data):
    """Why the SVG document `data` (bytes) may not be used on the site, or None."""
    if b"<?xml-stylesheet" in data or OUTSIDE_URL.search(data) or b"@import" in data:
        return outside_message()
    try:
        root = ElementTree.fromstring(data)
    except DefusedXmlException:  # entities, or a document type from elsewhere
        return outside_message()
    except (ParseError, ValueError):
        return _("This is not a valid SVG file. Export it again from your drawing program.")
    if root.tag not in (f"{SVG_NAMESPACE}svg", "svg"):
        return _("This is not a valid SVG file. Export it again from your drawing program.")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = _local(element.tag)
        if tag in SCRIPTING:
            return script_message()
        if tag in EMBEDDING:
            return _(
                "This SVG embeds other content (foreignObject, iframe or object). Export the "
                "logo again as plain shapes and text, and upload that file."
            )
        for attribute, value in element.attrib.items():
            name = _local(attribute)
            if name.startswith("on") or JAVASCRIPT.match(value):
                return script_message()
            if name == "href" and not value.strip().startswith("#"):
                return outside_message()
    return None


def script_message():
    return _(
        "This SVG contains a script (a script element or an event handler such as onload), "
        "which could run in visitors' browsers. Export the logo again without scripts, and "
        "upload that file."
    )


def outside_message():
    return _(
        "This SVG refers to files or addresses outside itself (links, images, styles, fonts "
        "or entities). Export the logo again with everything inside the file, and upload "
        "that file."
    )


def raster_only_message():
    return _(
        "SVG images can only be the organisation's logo. Choose a photo or picture in JPEG, "
        "PNG or WebP format here."
    )


def is_svg(image):
    return image is not None and hasattr(image, "is_svg") and image.is_svg()
