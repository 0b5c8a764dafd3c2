"""The built-in wordmark's layout, for templates/components/logo.html."""

from django import template

from bcsp_site import brand

register = template.Library()


@register.simple_tag
def wordmark(short_name, name):
    """The mark and the texts' measured lengths (a `bcsp_site.brand.Wordmark`)."""
    return brand.wordmark(str(short_name), str(name))
