"""How often one address or one IP may ask for a sign-up or a manage link."""

from django.conf import settings

from bcsp_site.core.visitors import hash_ip, within_rate_limit

from .hashing import hash_email


def allow(bucket, identifier, limit, window):
    """Count one attempt; True while the count in this window is within the limit."""
    return within_rate_limit(f"newsletter:rate:{bucket}:{identifier}", limit, window)


def allow_signup(ip, email):
    window = settings.NEWSLETTER_RATE_WINDOW
    return allow(
        "ip", hash_ip(ip, "newsletter"), settings.NEWSLETTER_SIGNUPS_PER_IP, window
    ) and allow("email", hash_email(email), settings.NEWSLETTER_SIGNUPS_PER_ADDRESS, window)


def allow_manage_request(ip, email):
    """Requests for a manage link count like sign-ups, in buckets of their own."""
    window = settings.NEWSLETTER_RATE_WINDOW
    return allow(
        "manage-ip", hash_ip(ip, "newsletter"), settings.NEWSLETTER_SIGNUPS_PER_IP, window
    ) and allow("manage-email", hash_email(email), settings.NEWSLETTER_SIGNUPS_PER_ADDRESS, window)
