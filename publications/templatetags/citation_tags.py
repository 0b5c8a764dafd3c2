from django import template

from publications.citations import citation_for

register = template.Library()


@register.inclusion_tag("components/cite_this.html", takes_context=True)
def cite_this(context, page):
    return {"citation": citation_for(context["request"], page).apa(), "page": page}
