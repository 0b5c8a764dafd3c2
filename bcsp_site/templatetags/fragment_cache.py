"""Wagtail's fragment cache tags, keyed also by the content generation and the language.

    {% pagecontentcache "related" %}…{% endpagecontentcache %}
    {% contentcache "ebulletin-signup" block_id %}…{% endcontentcache %}

`pagecontentcache` is `{% wagtailpagecache %}` (it varies on the page and the site),
`contentcache` is `{% wagtailcache %}`; both skip the cache in previews, vary on the given
variables, the active language and the content generation (bcsp_site.caching.generation), so a
fragment is rebuilt after any change to what visitors see, and keep for an hour.
"""

from django import template
from django.template import Variable
from django.utils import translation
from wagtail.templatetags.wagtail_cache import WagtailCacheNode, WagtailPageCacheNode

from bcsp_site.caching.generation import (
    FRAGMENT_CACHE_SECONDS,
    content_cache_alias,
    content_generation,
)

register = template.Library()

VERSION_VARIABLE = "bcsp_fragment_version"
CACHE_VARIABLE = "bcsp_fragment_cache"


class ContentVersionMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.vary_on.append(Variable(VERSION_VARIABLE))

    def render(self, context):
        version = f"{content_generation()}:{translation.get_language()}"
        with context.update({VERSION_VARIABLE: version, CACHE_VARIABLE: content_cache_alias()}):
            return super().render(context)


class ContentCacheNode(ContentVersionMixin, WagtailCacheNode):
    pass


class PageContentCacheNode(ContentVersionMixin, WagtailPageCacheNode):
    pass


def register_tag(tag_name, node_class):
    @register.tag(tag_name)
    def do_cache(parser, token):
        nodelist = parser.parse((f"end{tag_name}",))
        parser.delete_first_token()
        tokens = token.split_contents()
        if len(tokens) < 2:
            raise template.TemplateSyntaxError(f"'{tokens[0]}' needs a fragment name.")
        return node_class(
            nodelist,
            parser.compile_filter(str(FRAGMENT_CACHE_SECONDS)),
            tokens[1],
            [parser.compile_filter(token) for token in tokens[2:]],
            parser.compile_filter(CACHE_VARIABLE),
        )


register_tag("contentcache", ContentCacheNode)
register_tag("pagecontentcache", PageContentCacheNode)
