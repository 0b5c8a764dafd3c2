"""The admin's second step: giving a code after the password, setting up an authenticator
app, the recovery codes (shown once), the editor's own settings, and a superuser's reset of
an editor's second factor. Pages in the admin's own look (its sign-in layout before the
second step, its page layout after)."""

import math
from urllib.parse import urlencode

import django_otp
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import devices
from .forms import CodeForm

RECOVERY_CODES_SESSION_KEY = "signin_recovery_codes"


def _next_url(request):
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


def _second_step_done(request, device):
    """Mark the session verified with ``device``, under a new session key (as Django does
    at the password step), so a key learnt before the second step is worth nothing."""
    request.session.cycle_key()
    django_otp.login(request, device)


def _refused(request, template, context, locked_until):
    """A wrong code (400), or a code not checked because of wrong ones just before (429,
    with ``Retry-After``); either way the form comes back with what was typed."""
    form = context["form"]
    if locked_until is not None:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
        form.add_error(
            None,
            _("Too many wrong codes. Wait %(seconds)s seconds, then try again.")
            % {"seconds": seconds},
        )
        response = TemplateResponse(request, template, context, status=429)
        response["Retry-After"] = str(seconds)
        return response
    form.add_error("code", _("That code is not right. Check it and try again."))
    return TemplateResponse(request, template, context, status=400)


def verify(request):
    """After the password: a code from the authenticator app, or a recovery code."""
    user = request.user
    next_url = _next_url(request)
    if not user.is_authenticated:
        return redirect(reverse("wagtailadmin_login"))
    if user.is_verified():
        return redirect(next_url)
    if not devices.has_second_factor(user):
        return redirect(f"{reverse('signin_enrol')}?{urlencode({'next': next_url})}")
    form = CodeForm(request.POST or None)
    context = {"form": form, "next": next_url}
    if request.method == "POST":
        if not form.is_valid():
            return TemplateResponse(request, "admin/signin/verify.html", context, status=400)
        device, locked_until = devices.check_code(user, form.cleaned_data["code"])
        if device is None:
            return _refused(request, "admin/signin/verify.html", context, locked_until)
        _second_step_done(request, device)
        if devices.is_recovery_code_device(device):
            messages.warning(
                request,
                _(
                    "You signed in with a recovery code; %(left)s are left. Make new ones "
                    "under Account › Two-step verification when you run low."
                )
                % {"left": devices.recovery_codes_left(user)},
            )
        return redirect(next_url)
    return TemplateResponse(request, "admin/signin/verify.html", context)


def enrol(request):
    """Set up an authenticator app: scan the code (or type the secret), confirm with a code.

    Open before the second step only to an editor with no authenticator app yet: one who has
    one must give its code first, so a stolen password cannot set up another.
    """
    user = request.user
    next_url = _next_url(request)
    if not user.is_authenticated:
        return redirect(reverse("wagtailadmin_login"))
    if not user.is_verified() and devices.has_second_factor(user):
        return redirect(f"{reverse('signin_verify')}?{urlencode({'next': next_url})}")
    device = devices.pending_app(user)
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = _("The six-digit code the app shows now.")
    context = {
        "form": form,
        "next": next_url,
        "qr_code": devices.qr_code_svg(device),
        "secret": devices.secret_text(device),
        "verified": user.is_verified(),
        "required": devices.second_factor_required(),
    }
    template = "admin/signin/enrol.html"
    if request.method == "POST":
        if not form.is_valid():
            return TemplateResponse(request, template, context, status=400)
        accepted, locked_until = devices.check_code(user, form.cleaned_data["code"], [device])
        if accepted is None:
            return _refused(request, template, context, locked_until)
        codes = devices.confirm_app(user, device)
        _second_step_done(request, device)
        request.session[RECOVERY_CODES_SESSION_KEY] = codes
        return redirect(f"{reverse('signin_recovery_codes')}?{urlencode({'next': next_url})}")
    return TemplateResponse(request, template, context)


def recovery_codes(request):
    """The new recovery codes, shown until the editor says they have kept them."""
    codes = request.session.get(RECOVERY_CODES_SESSION_KEY)
    next_url = _next_url(request)
    if request.method == "POST":
        request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
        return redirect(next_url)
    if not codes:
        return redirect(reverse("signin_settings"))
    return TemplateResponse(
        request, "admin/signin/recovery_codes.html", {"codes": codes, "next": next_url}
    )


def recovery_codes_download(request):
    codes = request.session.get(RECOVERY_CODES_SESSION_KEY)
    if not codes:
        return redirect(reverse("signin_settings"))
    text = "\n".join(
        [_("Recovery codes for %(user)s (each works once):") % {"user": request.user}, "", *codes]
    )
    response = HttpResponse(text + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recovery-codes.txt"'
    response["Cache-Control"] = "no-store"
    return response


def settings_view(request):
    """The editor's own two-step verification: what is set up, and what they can change."""
    user = request.user
    app = devices.confirmed_app(user)
    return TemplateResponse(
        request,
        "admin/signin/settings.html",
        {
            "app": app,
            "codes_left": devices.recovery_codes_left(user),
            "required": devices.second_factor_required(),
        },
    )


@require_POST
def new_recovery_codes(request):
    if devices.confirmed_app(request.user) is None:
        return redirect(reverse("signin_settings"))
    request.session[RECOVERY_CODES_SESSION_KEY] = devices.new_recovery_codes(request.user)
    return redirect(f"{reverse('signin_recovery_codes')}?next={reverse('signin_settings')}")


@require_POST
def turn_off(request):
    if devices.second_factor_required():
        raise PermissionDenied
    devices.remove_second_factor(request.user)
    messages.success(request, _("Two-step verification is off."))
    return redirect(reverse("signin_settings"))


def reset_for_user(request, user_id):
    """A superuser removes an editor's second factor (a lost phone and lost recovery codes);
    the editor sets up a new one at their next sign-in."""
    if not request.user.is_superuser:
        raise PermissionDenied
    editor = get_object_or_404(get_user_model(), pk=user_id)
    if request.method == "POST":
        devices.remove_second_factor(editor)
        messages.success(
            request,
            _("Two-step verification of %(user)s was reset.") % {"user": editor.get_username()},
        )
        return redirect(reverse("wagtailusers_users:index"))
    return TemplateResponse(
        request,
        "admin/signin/reset_confirm.html",
        {"editor": editor, "has_second_factor": devices.has_second_factor(editor)},
    )
