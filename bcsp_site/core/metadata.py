"""What the head of every page is built from: absolute addresses, the CSP nonce, JSON-LD."""

import json

from django.utils.html import format_html
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


def csp_nonce(request):
    """The request's CSP nonce as text (reading it puts it in the response's policy)."""
    nonce = getattr(request, "csp_nonce", None)
    return "" if nonce is None else str(nonce)


def jsonld(data, nonce=""):
    """A JSON-LD script element; `nonce` is the request's CSP nonce."""
    text = json.dumps(data, ensure_ascii=False, indent=None).translate(JSON_ESCAPES)
    nonce_attribute = format_html(' nonce="{}"', nonce) if nonce else ""
    return mark_safe(  # noqa: S308 - the JSON is escaped above, the nonce by format_html
        f'<script type="application/ld+json"{nonce_attribute}>{text}</script>'
    )
