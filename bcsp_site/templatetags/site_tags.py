from django import template
from django.utils.translation import get_language, gettext

from bcsp_site.core.metadata import absolute, jsonld
from bcsp_site.core.uploads import document_size
from bcsp_site.navigation import mark_current, menu_links, page_trail

register = template.Library()


@register.inclusion_tag("components/main_navigation.html", takes_context=True)
def main_navigation(context):
    request = context["request"]
    return {"menu_items": mark_current(menu_links(request, "header"), request.path)}


@register.inclusion_tag("components/footer_navigation.html", takes_context=True)
def footer_navigation(context):
    request = context["request"]
    return {"menu_items": mark_current(menu_links(request, "footer"), request.path)}


@register.inclusion_tag("components/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, title=None):
    """The trail from the home page to this page, with its schema.org BreadcrumbList.

    On a Wagtail page below the home page the trail follows the page tree, and a page's
    own routes (a year or tag archive) add their crumb through `breadcrumb_extras()`. Other
    views pass their `title` to get "Home › title".
    """
    request = context["request"]
    page = context.get("page")
    crumbs = []
    if page is not None and getattr(page, "depth", 0) > 2:
        for node in page_trail(page):
            label = gettext("Home") if node.depth == 2 else node.title
            url = node.get_url(request) if node.live or node is page else None
            crumbs.append({"label": label, "url": url})
        extras = getattr(page, "breadcrumb_extras", None)
        for label in extras(context) if extras else []:
            crumbs.append({"label": label, "url": None})
    elif page is None and title:
        crumbs = [
            {"label": gettext("Home"), "url": f"/{get_language()}/"},
            {"label": title, "url": None},
        ]
    if len(crumbs) < 2:
        return {"crumbs": []}
    crumbs[-1]["current"] = True
    crumbs[-1]["url"] = crumbs[-1]["url"] or request.path
    items = [
        {
            "@type": "ListItem",
            "position": position,
            "name": crumb["label"],
            **({"item": absolute(request, crumb["url"])} if crumb["url"] else {}),
        }
        for position, crumb in enumerate(crumbs, start=1)
    ]
    data = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items}
    return {"crumbs": crumbs, "jsonld": jsonld(data)}


@register.filter
def without_tag(messages, tag):
    """The messages not marked with this extra tag: a component (the comment form) shows
    those itself, where the visitor is."""
    return [message for message in messages if tag not in message.tags.split()]


register.filter("document_size", document_size)


@register.filter
def initials(name):
    """ "MD" for "Marko Drajić": an avatar for a person without a photo. The first letters of
    the first and the last word, so middle names and particles do not crowd it."""
    words = [word for word in str(name).replace("-", " ").split() if word[:1].isalpha()]
    if not words:
        return ""
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


COVER_TONES = 4  # --cover-1 … --cover-4 in static/css/site.css


@register.filter
def cover_tone(kind_id):
    """Which of the palette's cover tones a typeset cover of this kind is printed in: the
    same for every publication of a kind, so a listing shows at a glance what is what."""
    try:
        return int(kind_id) % COVER_TONES + 1
    except (TypeError, ValueError):
        return 1
