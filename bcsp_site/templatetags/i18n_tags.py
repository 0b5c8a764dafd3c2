from django import template
from django.urls import reverse
from django.utils.http import urlencode

from bcsp_site.core.i18n import language_versions

register = template.Library()


@register.inclusion_tag("components/language_switcher.html", takes_context=True)
def language_switcher(context):
    """Links to this page in the other languages (or their nearest translated ancestor)."""
    request = context["request"]
    links = []
    for version in language_versions(request, context.get("page")):
        choose = reverse("choose_language", args=[version.code])
        links.append(
            {
                "version": version,
                "href": f"{choose}?{urlencode({'next': version.url})}",
            }
        )
    return {"links": links}


@register.simple_tag(takes_context=True)
def provenance(context, page):
    """The op-ed's provenance line, linking to the original when this site has it."""
    original_url = None
    if page.original_language and page.original_language != page.locale.language_code:
        for version in language_versions(context["request"], page):
            if version.code == page.original_language and version.exact:
                original_url = version.url
    return page.provenance_html(original_url=original_url)
