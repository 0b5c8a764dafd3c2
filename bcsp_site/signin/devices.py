"""An editor's second factor: one authenticator app (django-otp's TOTP device) and a set of
single-use recovery codes (its static device), made and checked here."""

import re
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

APP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
TOTP_CODE = re.compile(r"\d{6}")


def has_second_factor(user):
    return user_has_device(user, confirmed=True)


def second_factor_required():
    return getattr(settings, "ADMIN_REQUIRE_2FA", False)


def pending_app(user):
    """The authenticator app being set up: made on the first visit to the enrolment page,
    kept (with the same secret) until it is confirmed with a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def secret_text(device):
    """The secret as authenticator apps ask for it when typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device):
    """The app's set-up link as an inline SVG (drawn as one path: no image request, nothing
    the Content Security Policy has to allow)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2
    )
    return image.to_string(encoding="unicode")


def normalise(code):
    return re.sub(r"[\s-]", "", code or "").lower()


def check_code(user, code, devices=None):
    """The device that accepts ``code`` (used up if it is a recovery code), or None; and the
    time until which the device(s) the code was meant for refuse codes after wrong ones.

    A six-digit code is tried on the authenticator app only and anything else on the
    recovery codes only, so a mistyped app code does not also slow down recovery codes.
    """
    code = normalise(code)
    if devices is None:
        devices = devices_for_user(user, confirmed=True)
    kind = TOTPDevice if TOTP_CODE.fullmatch(code) else StaticDevice
    locked_until = None
    for device in devices:
        if not isinstance(device, kind):
            continue
        allowed, details = device.verify_is_allowed()
        if not allowed:
            locked_until = max(locked_until or timezone.now(), details["locked_until"])
            continue
        if device.confirmed:
            accepted = verify_token(user, device.persistent_id, code)
        else:
            with transaction.atomic():
                accepted = device if device.verify_token(code) else None
        if accepted is not None:
            return accepted, None
    return None, locked_until


@transaction.atomic
def confirm_app(user, device):
    """Make ``device`` the editor's one authenticator app, with a new set of recovery codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user):
    """Replace the editor's recovery codes; returns the new ones (shown to them only once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def is_recovery_code_device(device):
    return isinstance(device, StaticDevice)


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def confirmed_app(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def remove_second_factor(user):
    """Delete every device of the editor's (they enrol again at their next sign-in when
    two-step verification is required)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
