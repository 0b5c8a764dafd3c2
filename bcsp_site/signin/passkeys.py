"""Passkeys (WebAuthn) as a second factor, through django-otp-webauthn: its JSON endpoints,
mounted under /admin/two-step/passkeys/ with the names its scripts look up
(``otp_webauthn:…``), and made stricter than its own in two ways:

- adding a passkey needs a session that has passed the second step already (the library
  also lets an editor with no second factor add one, which would make a stolen password
  enough to set up a factor);
- using one gives the session a new key, as a code does (``views._second_step_done``).

Passkeys never replace the password (``OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN`` is off), so
the library's views answer only an editor who has signed in with it.
"""

import django_otp
from django.urls import path, reverse
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as library

app_name = "otp_webauthn"


class BeginRegistration(library.BeginCredentialRegistrationView):
    def check_can_register(self):
        if not self.request.user.is_verified():
            raise exceptions.NotVerified()


class CompleteRegistration(library.CompleteCredentialRegistrationView):
    def check_can_register(self):
        if not self.request.user.is_verified():
            raise exceptions.NotVerified()


class CompleteAuthentication(library.CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        # check_can_authenticate has refused anyone who has not given their password.
        self.request.session.cycle_key()
        django_otp.login(self.request, device)

    def get_success_url(self):
        return self.get_redirect_url() or reverse("wagtailadmin_home")


urlpatterns = [
    path(
        "registration/begin/",
        BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        library.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
