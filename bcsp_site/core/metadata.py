"""What the head of every page is built from: absolute addresses, JSON-LD."""

import json

from django.utils.safestring import mark_safe
from wagtail.models import Site

JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def site_root(request):
    site = Site.find_for_request(request)
    return site.root_url if site else request.build_absolute_uri("/").rstrip("/")


def absolute(request, path):
    if not path or path.startswith(("http://", "https://")):
        return path
    return site_root(request) + path


def jsonld(data):
    """A JSON-LD script element. It is a data block, never executed, so the Content Security
    Policy does not apply to it and it needs no nonce (the page stays the same for everyone)."""
    text = json.dumps(data, ensure_ascii=False, indent=None).translate(JSON_ESCAPES)
    return mark_safe(  # noqa: S308 - the JSON is escaped above
        f'<script type="application/ld+json">{text}</script>'
    )
