"""The admin's password reset, rate-limited and answered the same way for every address.

Wagtail's form (Django's underneath) sends the email inside the request, and only when the
address belongs to an account: the time the answer takes tells an attacker which addresses
are editors', and nothing stops one address from mailing every editor over and over. Here
the request only counts the attempt and queues a task with a keyed hash of the address; the
task looks for the account and sends the email. Known and unknown addresses cost the
request the same work and get the same redirect.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.utils.crypto import salted_hmac
from django_tasks import task
from wagtail.admin.forms.auth import PasswordResetForm

from bcsp_site.core.visitors import client_ip, hash_ip, network_of, within_rate_limit


def hash_email(email):
    """A keyed hash of an address, as its account's lookup key (Django matches any case)."""
    return salted_hmac(
        "bcsp.password-reset.email", email.strip().lower(), algorithm="sha256"
    ).hexdigest()


def reset_allowed(ip, email):
    """Count one request; True while both the address (per /64 for IPv6) and the account
    are within their limits for the window."""
    window = settings.ADMIN_PASSWORD_RESET_WINDOW
    ip_key = hash_ip(network_of(ip), "password-reset")
    return within_rate_limit(
        f"password-reset:ip:{ip_key}", settings.ADMIN_PASSWORD_RESETS_PER_IP, window
    ) and within_rate_limit(
        f"password-reset:email:{hash_email(email)}",
        settings.ADMIN_PASSWORD_RESETS_PER_ACCOUNT,
        window,
    )


class ThrottledPasswordResetForm(PasswordResetForm):
    """Wagtail's reset form whose ``save`` queues the email instead of sending it."""

    def save(self, request=None, use_https=False, **kwargs):
        email = self.cleaned_data["email"]
        if reset_allowed(client_ip(request), email):
            send_password_reset.enqueue(hash_email(email), use_https)


class _OneAccountResetForm(DjangoPasswordResetForm):
    """Django's form, told which accounts to write to rather than asked to look them up."""

    def __init__(self, users):
        super().__init__(data={"email": "unused@example.invalid"})
        self.full_clean()
        self._users = users

    def get_users(self, email):
        return iter(self._users)


@task()
def send_password_reset(email_hash, use_https):
    """Email a reset link to the active accounts (with a password) whose address has that
    hash; nothing for an address that has none. Editors are few, so checking each is cheap."""
    users = [
        user
        for user in get_user_model()._default_manager.filter(is_active=True).exclude(email="")
        if user.has_usable_password() and hash_email(user.email) == email_hash
    ]
    if not users:
        return
    _OneAccountResetForm(users).save(
        domain_override=urlsplit(settings.WAGTAILADMIN_BASE_URL).netloc,
        use_https=use_https,
        subject_template_name="wagtailadmin/account/password_reset/email_subject.txt",
        email_template_name="wagtailadmin/account/password_reset/email.txt",
    )
