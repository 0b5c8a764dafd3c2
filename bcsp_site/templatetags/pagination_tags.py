from django import template

from bcsp_site.core.pagination import page_links as build_page_links

register = template.Library()


@register.simple_tag(takes_context=True)
def page_links(context, page_obj, query=""):
    """The links of `components/pagination.html` for `page_obj`; `query` is the list's
    other parameters (its filters and order), already encoded, kept on every link."""
    return build_page_links(page_obj, query, context["request"].path)
