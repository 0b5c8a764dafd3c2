"""The style guide's sections (templates/pages/styleguide.html).

    {% guide %}
        {% guide_section "buttons" "Buttons" %}…samples…{% endguide_section %}
        …
    {% endguide %}

Each `guide_section` is a <section> with its heading, and `guide` puts a list of contents
linking to every section before them, so a new section is one block and nothing else. The
guide's own words are English (lang="en"), whatever the language of the components.
"""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

SECTIONS = "styleguide_sections"


class GuideNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        sections = []
        with context.push({SECTIONS: sections}):
            body = self.nodelist.render(context)
        contents = format_html_join("\n", '<li><a href="#{}">{}</a></li>', sections)
        return format_html(
            '<nav class="styleguide__contents" aria-labelledby="styleguide-contents" lang="en">'
            '<h2 id="styleguide-contents">Contents</h2><ol>{}</ol></nav>{}',
            contents,
            body,
        )


class SectionNode(template.Node):
    def __init__(self, anchor, title, nodelist):
        self.anchor, self.title, self.nodelist = anchor, title, nodelist

    def render(self, context):
        anchor, title = self.anchor.resolve(context), self.title.resolve(context)
        context.get(SECTIONS, []).append((anchor, title))
        return format_html(
            '<section class="styleguide__section" id="{}" aria-labelledby="styleguide-{}">'
            '<h2 id="styleguide-{}" lang="en">{}</h2>{}</section>',
            anchor,
            anchor,
            anchor,
            title,
            self.nodelist.render(context),
        )


@register.tag
def guide(parser, token):
    nodelist = parser.parse(("endguide",))
    parser.delete_first_token()
    return GuideNode(nodelist)


@register.tag
def guide_section(parser, token):
    """{% guide_section "anchor" "Heading" %}…{% endguide_section %}"""
    try:
        _tag, anchor, title = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError(
            'guide_section takes an anchor and a heading: {% guide_section "id" "Heading" %}'
        ) from None
    nodelist = parser.parse(("endguide_section",))
    parser.delete_first_token()
    return SectionNode(parser.compile_filter(anchor), parser.compile_filter(title), nodelist)


@register.filter
def words(text):
    """'--ink --muted' → ['--ink', '--muted']: a list written out in a template."""
    return text.split()
