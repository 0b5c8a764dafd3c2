"""The mail provider's tracking webhooks (django-anymail), mounted at /anymail/ by the site.

Anymail's own views, one per provider (``/anymail/postmark/tracking/``,
``/anymail/amazon_ses/tracking/``, …), which check HTTP basic auth against
``ANYMAIL["WEBHOOK_SECRET"]`` and the provider's signature where it signs (Mailgun,
SendGrid, SparkPost, Amazon SES through SNS…), then send anymail's ``tracking`` signal
(``newsletter.tracking``). Anymail accepts anyone when no secret is set, with only a
warning; here every request is refused until one is. Inbound mail is not taken.
"""

from functools import wraps

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import HttpResponseForbidden
from django.urls import URLPattern

from bcsp_site.core.security import takes_posts

app_name = "anymail"


def webhook_secret_configured():
    return bool(getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"))


def refused_without_secret(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not webhook_secret_configured():
            return HttpResponseForbidden("Webhooks are off: no WEBHOOK_SECRET is configured.")
        return view(request, *args, **kwargs)

    # POST from the provider (HEAD from those that check the address first).
    return takes_posts(guarded)


urlpatterns = [
    URLPattern(pattern.pattern, refused_without_secret(pattern.callback), name=pattern.name)
    for pattern in anymail_urls.urlpatterns
    if pattern.name and "tracking" in pattern.name
]
