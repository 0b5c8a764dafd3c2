"""Keyed hashes: how the e-bulletin remembers an address or IP without storing it.

The key is derived from SECRET_KEY, so the hashes cannot be reversed by trying a list of
known addresses without it. Rotating SECRET_KEY makes existing hashes unmatchable.
"""

import unicodedata

from django.utils.crypto import salted_hmac


def normalise_email(value):
    """Trim, NFC-normalise and lower-case the domain; the local part is kept as typed."""
    value = unicodedata.normalize("NFC", (value or "").strip())
    local, at, domain = value.rpartition("@")
    if not at:
        return value
    return f"{local}@{domain.lower()}"


def hash_email(email):
    """Case-insensitive: Ana@example.org and ana@example.org are one subscriber."""
    return salted_hmac(
        "newsletter.email", normalise_email(email).lower(), algorithm="sha256"
    ).hexdigest()


def hash_token(token):
    return salted_hmac("newsletter.unsubscribe", token or "", algorithm="sha256").hexdigest()
