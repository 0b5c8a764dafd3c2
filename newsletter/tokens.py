"""Signed, expiring confirmation links.

A token carries the subscriber's id and their current confirmation nonce, signed with
SECRET_KEY. Confirming clears the nonce, so a used link no longer matches.
"""

from django.conf import settings
from django.core import signing

SALT = "newsletter.confirm"
# Resending a link from an expired one is allowed for this long after it was issued.
RESEND_MAX_AGE_DAYS = 90


class TokenExpired(Exception):
    def __init__(self, payload):
        super().__init__("expired")
        self.payload = payload


class TokenInvalid(Exception):
    pass


def _signer():
    return signing.TimestampSigner(salt=SALT)


def make_confirmation_token(subscriber):
    return _signer().sign_object({"s": subscriber.pk, "n": subscriber.confirmation_nonce})


def read_confirmation_token(token, max_age_days=None):
    """The payload {"s": id, "n": nonce}; TokenExpired or TokenInvalid otherwise."""
    days = settings.NEWSLETTER_CONFIRM_DAYS if max_age_days is None else max_age_days
    signer = _signer()
    try:
        payload = signer.unsign_object(token, max_age=days * 86400)
    except signing.SignatureExpired:
        try:
            payload = signer.unsign_object(token)
        except signing.BadSignature as error:
            raise TokenInvalid from error
        raise TokenExpired(_checked(payload)) from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as error:
        raise TokenInvalid from error
    return _checked(payload)


def _checked(payload):
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise TokenInvalid
    if not isinstance(payload.get("n"), str) or not payload["n"]:
        raise TokenInvalid
    return payload
