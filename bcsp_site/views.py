"""The favicon at /favicon.ico and the web app manifest, both served by the site itself."""

import json
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .core.organisation import OrganisationSettings

FAVICON = "img/favicon.ico"
# (file, sizes, type, purpose); drawn from the mark by `manage.py make_brand_images`. The
# maskable icon keeps the shield inside the middle 80%, which every mask shape leaves whole.
ICONS = [
    ("img/icon-192.png", "192x192", "image/png", "any"),
    ("img/icon-512.png", "512x512", "image/png", "any"),
    ("img/icon-maskable-512.png", "512x512", "image/png", "maskable"),
    ("img/icon.svg", "any", "image/svg+xml", "any"),
]
THEME_COLOUR = "#0b2540"
BACKGROUND_COLOUR = "#ffffff"


@cache
def static_file_bytes(name):
    """A static file's contents: from the source folders, else from the collected files."""
    path = finders.find(name)
    if path:
        with open(path, "rb") as source:
            return source.read()
    try:
        with staticfiles_storage.open(name) as collected:
            return collected.read()
    except OSError:
        raise Http404(name) from None


@require_safe
@cache_control(public=True, max_age=7 * 24 * 60 * 60)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: answer with the icon itself."""
    return HttpResponse(static_file_bytes(FAVICON), content_type="image/x-icon")


@require_safe
@cache_control(public=True, max_age=24 * 60 * 60)
def web_manifest(request):
    """The web app manifest in the request's language: names, start page, colours, icons."""
    organisation = OrganisationSettings.for_request(request)
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    manifest = {
        "name": organisation.name,
        "short_name": organisation.short_name,
        "description": organisation.description,
        "lang": language,
        "start_url": f"/{language}/",
        "scope": "/",
        "display": "browser",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(name), "sizes": sizes, "type": kind, "purpose": purpose}
            for name, sizes, kind, purpose in ICONS
        ],
    }
    return HttpResponse(
        json.dumps(manifest, ensure_ascii=False, indent=2),
        content_type="application/manifest+json; charset=utf-8",
    )
