"""The spam guard for reader comments, with no third-party service.

Four checks run on every submission:

- a honeypot field that people never see and bots tend to fill in;
- a signed form token carrying the page, the time the form was issued and a random nonce:
  forms sent back faster than ``MIN_FORM_SECONDS`` or older than ``MAX_FORM_AGE``, or with
  a forged or altered token, are refused; a token takes one comment (``claim_form_token``);
- a cap of ``MAX_LINKS`` web addresses per comment;
- a per-IP rate limit (``COMMENTS_RATE_LIMIT`` comments per ``COMMENTS_RATE_WINDOW``
  seconds) kept in Django's cache with atomic ``add``/``incr``, so it holds across worker
  processes when the cache is Redis.

Refused submissions are not stored. The form comes back with status 400 (429 for the rate
limit), the reader's text intact, a fresh token and one neutral message that does not say
which check failed, so a person caught by mistake can simply send again while a bot learns
nothing. Too many links is reported next to the comment field like any other form error.

The form token holds nothing about the visitor, so a page served from a shared cache keeps
a working form for up to ``MAX_FORM_AGE`` (the page cache keeps copies for far less);
``static/js/comments.js`` fetches a fresh form token from ``comments:form_token`` (issued
only for a live, public page whose comments are open) when the reader starts writing.
Posting needs no CSRF token (see ``comments.views``).

One token, one comment: a token is claimed when its comment is taken, in the default cache
(Redis in production, shared by every process and server) with an atomic ``add`` kept as
long as the token could still be accepted. A form refused for a mistake claims nothing; it
comes back with a fresh token anyway. A page served from the cache to readers without
JavaScript carries one token for all of them: the first comment takes it, and the next
reader is told the form was used, keeps the text and sends it again with the fresh token
the page came back with. While Redis is unreachable nothing can be recorded, and tokens are
taken rather than every comment refused (the rate limit is lifted the same way).
"""

import hashlib
import logging
import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from bcsp_site.core import visitors
from bcsp_site.core.reader_text import LINK_PATTERN

logger = logging.getLogger("bcsp.comments")

MIN_FORM_SECONDS = 3
MAX_FORM_AGE = 24 * 60 * 60
MAX_LINKS = 2
SIGNING_SALT = "comments.form-token"


def current_time():
    return time.time()


def make_form_token(page_id, issued_at=None):
    """A signed token saying which page's form this is and when it was issued; the nonce
    makes every token its own, so that one taken says nothing about another."""
    issued_at = int(current_time() if issued_at is None else issued_at)
    return signing.dumps(
        {"page": int(page_id), "issued": issued_at, "nonce": secrets.token_urlsafe(12)},
        salt=SIGNING_SALT,
    )


def form_token_problem(token, page_id, now=None):
    """Why the token is unacceptable ("forged", "too fast", "expired"), or None if it is fine."""
    now = current_time() if now is None else now
    try:
        payload = signing.loads(token or "", salt=SIGNING_SALT)
        page, issued = int(payload["page"]), int(payload["issued"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return "forged"
    if page != int(page_id):
        return "forged"
    age = now - issued
    if age < MIN_FORM_SECONDS:
        return "too fast"
    if age > MAX_FORM_AGE:
        return "expired"
    return None


def used_token_key(token):
    return "comments:used-token:" + hashlib.sha256((token or "").encode()).hexdigest()


def claim_form_token(token):
    """Record the token as used; True if nobody had used it, False for a replay.

    ``add`` is atomic, so of two comments sent with one token at once only one gets True.
    The site's Redis cache answers ``add`` with False while Redis is unreachable, and
    ``get`` with the default: then the token is taken (see the module's docstring).
    """
    key = used_token_key(token)
    if cache.add(key, 1, timeout=MAX_FORM_AGE + 60):
        return True
    return cache.get(key) is None


def count_links(text):
    return len(LINK_PATTERN.findall(text or ""))


def hash_ip(ip):
    """The comment's stored IP hash, keyed by ``COMMENTS_IP_SALT`` when it is set."""
    return visitors.hash_ip(ip, "comments", secret=settings.COMMENTS_IP_SALT or None)


def rate_limit_exceeded(ip):
    """Count one comment from this address; True once it is over the allowance for the window."""
    return not visitors.within_rate_limit(
        f"comments:rate:{hash_ip(visitors.network_of(ip))}",
        settings.COMMENTS_RATE_LIMIT,
        settings.COMMENTS_RATE_WINDOW,
    )
