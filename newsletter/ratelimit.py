"""How often one address or one IP may ask for a sign-up, a new link or a manage link.

Each is limited per email address (for a new confirmation link, per sign-up: the request
carries the sign-up's signed id, and looking its address up would take different work for
different sign-ups) to ``NEWSLETTER_RATE_LIMIT_PER_EMAIL``, and per IP (IPv6 per /64) to the
higher ``NEWSLETTER_RATE_LIMIT_PER_IP``, per ``NEWSLETTER_RATE_WINDOW`` seconds. The address
is counted first and the IP only while the address is within its limit, so one address
tried again and again does not use up the allowance of an office behind the same IP.
"""

from django.conf import settings

from bcsp_site.core.visitors import hash_ip, network_of, within_rate_limit

from .hashing import hash_email


def allow(bucket, identifier, limit):
    """Count one attempt; True while the count in this window is within the limit."""
    return within_rate_limit(
        f"newsletter:rate:{bucket}:{identifier}", limit, settings.NEWSLETTER_RATE_WINDOW
    )


def _allow(action, recipient, ip):
    return allow(f"{action}email", recipient, settings.NEWSLETTER_RATE_LIMIT_PER_EMAIL) and allow(
        f"{action}ip", hash_ip(network_of(ip), "newsletter"), settings.NEWSLETTER_RATE_LIMIT_PER_IP
    )


def allow_signup(ip, email):
    return _allow("", hash_email(email), ip)


def allow_manage_request(ip, email):
    """Requests for a manage link count like sign-ups, in buckets of their own."""
    return _allow("manage-", hash_email(email), ip)


def allow_new_link(ip, signup_id):
    """A new confirmation link for an expired one, counted per sign-up."""
    return _allow("new-link-", f"signup-{int(signup_id)}", ip)
