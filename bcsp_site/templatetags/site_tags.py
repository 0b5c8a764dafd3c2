from django import template
from django.template.defaultfilters import filesizeformat

from bcsp_site.navigation import main_menu

register = template.Library()


@register.inclusion_tag("components/main_navigation.html", takes_context=True)
def main_navigation(context):
    request = context["request"]
    items = []
    for title, url in main_menu(request):
        if url == request.path:
            current = "page"
        elif url != "/" and len(url.strip("/").split("/")) > 1 and request.path.startswith(url):
            current = "true"
        else:
            current = None
        items.append({"title": title, "url": url, "current": current})
    return {"menu_items": items}


@register.filter
def document_size(document):
    """Human-readable size of a document, or "" when the file is missing."""
    try:
        size = document.file_size or document.file.size
    except (OSError, ValueError):
        return ""
    return filesizeformat(size) if size else ""
