from django import template

from newsletter.forms import SignupForm

register = template.Library()


@register.simple_tag
def ebulletin_signup_form(block_id=None):
    """An empty sign-up form whose element ids carry the block's id (footer, home…)."""
    return SignupForm(block_id=block_id or "footer")
