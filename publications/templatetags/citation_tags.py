import re

from django import template
from django.utils.safestring import mark_safe

from bcsp_site.core.metadata import site_root
from publications.citations import citation_for

register = template.Library()


@register.inclusion_tag("components/cite_this.html", takes_context=True)
def cite_this(context, page):
    return {"citation": citation_for(context["request"], page).apa(), "page": page}


class AbsoluteLinksNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        html = self.nodelist.render(context)
        root = site_root(context["request"])
        return mark_safe(SITE_LINK.sub(lambda match: f'{match.group(1)}="{root}/', html))  # noqa: S308


SITE_LINK = re.compile(r'\b(href)="/(?!/)')


@register.tag
def absolute_links(parser, token):
    """Make the site's own links absolute, so printed pages show full addresses after them."""
    nodelist = parser.parse(("endabsolute_links",))
    parser.delete_first_token()
    return AbsoluteLinksNode(nodelist)
