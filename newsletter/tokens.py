"""Signed, expiring links: confirming a sign-up, and managing a subscription.

A confirmation token carries the subscriber's id and their current confirmation nonce,
signed with SECRET_KEY. Confirming clears the nonce, so a used link no longer matches.

A manage token carries the subscriber's id and a keyed fingerprint of their unsubscribe
token, so it only ever opens that subscriber's row (never a later one given the same id
after an erasure), and stops working after NEWSLETTER_MANAGE_DAYS.
"""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "newsletter.confirm"
MANAGE_SALT = "newsletter.manage"
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


def _manage_signer():
    return signing.TimestampSigner(salt=MANAGE_SALT)


def _fingerprint(subscriber):
    return salted_hmac(MANAGE_SALT, subscriber.unsubscribe_token, algorithm="sha256").hexdigest()[
        :24
    ]


def make_manage_token(subscriber):
    return _manage_signer().sign_object({"s": subscriber.pk, "f": _fingerprint(subscriber)})


def read_manage_token(token):
    """The payload {"s": id, "f": fingerprint}; TokenExpired or TokenInvalid otherwise."""
    max_age = settings.NEWSLETTER_MANAGE_DAYS * 86400
    try:
        payload = _manage_signer().unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenExpired(None) from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as error:
        raise TokenInvalid from error
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise TokenInvalid
    if not isinstance(payload.get("f"), str):
        raise TokenInvalid
    return payload


def manage_token_matches(payload, subscriber):
    return constant_time_compare(payload["f"], _fingerprint(subscriber))


# Which bulletin an unsubscribe came from: the bulletin's id and a keyed fingerprint of it
# with the subscriber's own (secret) unsubscribe token, added to the link in that bulletin.
# Nobody can credit an unsubscribe to another bulletin without SECRET_KEY, and the mark is
# worthless on anyone else's link.
FROM_BULLETIN_SALT = "newsletter.unsubscribe-from-bulletin"


def _bulletin_fingerprint(unsubscribe_token, bulletin_id):
    value = f"{bulletin_id}:{unsubscribe_token}"
    return salted_hmac(FROM_BULLETIN_SALT, value, algorithm="sha256").hexdigest()[:20]


def make_bulletin_mark(unsubscribe_token, bulletin_id):
    return f"{bulletin_id}.{_bulletin_fingerprint(unsubscribe_token, bulletin_id)}"


def read_bulletin_mark(unsubscribe_token, mark):
    """The bulletin id a mark made for this unsubscribe token names, or None."""
    bulletin_id, _, fingerprint = (mark or "")[:60].partition(".")
    if not bulletin_id.isascii() or not bulletin_id.isdigit() or len(bulletin_id) > 12:
        return None
    expected = _bulletin_fingerprint(unsubscribe_token, int(bulletin_id))
    return int(bulletin_id) if constant_time_compare(fingerprint, expected) else None
