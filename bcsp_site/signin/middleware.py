"""Every admin view asks for the second factor: one guard here instead of a check in each
view, so the API, choosers, previews and the views other apps add are covered too."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .devices import has_second_factor, second_factor_required

# What a signed-in editor may reach before the second step: signing in and out, the
# second step itself, and what those pages load.
OPEN_BEFORE_SECOND_STEP = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
    "signin_verify",
    "signin_enrol",
}


class SecondFactorMiddleware:
    """After django-otp's ``OTPMiddleware``: an editor who signed in with a password but has
    not given a code yet is sent to give one (or, with ``ADMIN_REQUIRE_2FA`` and no
    authenticator app yet, to set one up) before any other admin view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path_info.startswith("/admin/"):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.url_name in OPEN_BEFORE_SECOND_STEP:
            return None
        if has_second_factor(user):
            target = "signin_verify"
        elif second_factor_required():
            target = "signin_enrol"
        else:
            return None
        next_url = (
            request.get_full_path() if request.method == "GET" else reverse("wagtailadmin_home")
        )
        return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
