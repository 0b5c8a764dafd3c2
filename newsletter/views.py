"""Public e-bulletin pages: sign-up, confirmation, managing a subscription, unsubscribe
and erasure.

CSRF: these views are csrf_exempt, each for a reason.

* Sign-up, "send me a new link" and "email me a link to manage my subscription" are on
  pages a full-page cache may serve to everyone; a cached page cannot carry a per-visitor
  CSRF token. Instead a POST whose Origin (or, without one, Referer) names another site is
  refused (browsers send Origin with every cross-site POST). A forged sign-up can at most
  trigger one rate-limited confirmation email, and a forged manage request one
  rate-limited email to the subscriber, which is what typing the address into the form does.
* Confirm, manage, unsubscribe and erase are authenticated by the secret token in the URL;
  the one-click unsubscribe POST comes from mail clients (RFC 8058), which have no token.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bcsp_site.caching.page_cache import cacheable
from bcsp_site.core.security import is_cross_site, takes_only_posts, takes_posts
from bcsp_site.core.visitors import client_ip

from . import ratelimit, services
from .forms import ConfirmForm, LanguageForm, ManageRequestForm, SignupForm, current_language
from .models import Subscriber
from .tokens import (
    RESEND_MAX_AGE_DAYS,
    TokenExpired,
    TokenInvalid,
    read_bulletin_mark,
    read_confirmation_token,
    read_manage_token,
)


def visitor_ip(request):
    return client_ip(request, settings.NEWSLETTER_TRUSTED_PROXY_COUNT)


def _rate_limited_message():
    return _(
        "There have been too many sign-ups from your connection or for this address. "
        "Please try again in an hour."
    )


@takes_posts
@csrf_exempt
@cacheable
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    status = 200
    if request.method == "POST":
        form = SignupForm(request.POST)
        if is_cross_site(request):
            form.add_error(None, _("Please sign up using the form on our own site."))
            status = 403
        elif not form.is_valid():
            status = 400
        elif not ratelimit.allow_signup(visitor_ip(request), form.cleaned_data["email"]):
            form.add_error(None, _rate_limited_message())
            status = 429
        else:
            data = form.cleaned_data
            services.request_signup(
                email=data["email"],
                name=data["name"],
                language=data["language"],
                consent_text=form.consent_wording,
                consent_language=current_language(),
                ip=visitor_ip(request),
            )
            # The same answer for every address, new or known: nothing to enumerate.
            return redirect(reverse("newsletter:signup_sent"), permanent=False)
    else:
        form = SignupForm()
    return _signup_page(request, form=form, status=status)


def _signup_page(request, form=None, manage_form=None, status=200):
    """The e-bulletin page: the sign-up form and the form to manage a subscription."""
    return render(
        request,
        "pages/newsletter_signup.html",
        {"form": form or SignupForm(), "manage_form": manage_form or ManageRequestForm()},
        status=status,
    )


@takes_posts
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def manage_request(request):
    """Email a link to manage a subscription. Every address gets the same answer."""
    if request.method != "POST":
        return redirect(reverse("newsletter:signup") + "#manage-heading")
    form = ManageRequestForm(request.POST)
    if is_cross_site(request):
        form.add_error(None, _("Please use the form on our own site."))
        return _signup_page(request, manage_form=form, status=403)
    if not form.is_valid():
        return _signup_page(request, manage_form=form, status=400)
    email = form.cleaned_data["email"]
    if not ratelimit.allow_manage_request(visitor_ip(request), email):
        form.add_error(
            None,
            _(
                "There have been too many requests from your connection or for this "
                "address. Please try again in an hour."
            ),
        )
        return _signup_page(request, manage_form=form, status=429)
    services.request_manage_link(email)
    return redirect(reverse("newsletter:manage_link_sent"), permanent=False)


@require_safe
def manage_link_sent(request):
    return render(
        request,
        "pages/newsletter_manage_link_sent.html",
        {"days": settings.NEWSLETTER_MANAGE_DAYS},
    )


@takes_posts
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, token):
    """The subscriber's own page: the bulletin's language, and unsubscribing.

    Plain forms posting back here, so it works without JavaScript.
    """
    try:
        payload = read_manage_token(token[:500])
    except TokenExpired:
        return _link_problem(request, "manage_expired", 410)
    except TokenInvalid:
        return _link_problem(request, "manage_invalid", 400)
    subscriber = services.find_by_manage_token(payload)
    if subscriber is None:
        return _link_problem(request, "manage_invalid", 404)

    status = 200
    saved = False
    language_form = LanguageForm(initial={"language": subscriber.language})
    if request.method == "POST" and subscriber.status == Subscriber.Status.CONFIRMED:
        if request.POST.get("action") == "unsubscribe":
            subscriber = services.unsubscribe(subscriber)
            return render(
                request,
                "pages/newsletter_unsubscribe.html",
                {"subscriber": subscriber, "token": subscriber.unsubscribe_token, "done": True},
            )
        language_form = LanguageForm(request.POST)
        if language_form.is_valid():
            saved = services.change_language(subscriber, language_form.cleaned_data["language"])
        else:
            status = 400
    return render(
        request,
        "pages/newsletter_manage.html",
        {
            "subscriber": subscriber,
            "subscribed": subscriber.status == Subscriber.Status.CONFIRMED,
            "language_form": language_form,
            "saved": saved,
            "token": token,
        },
        status=status,
    )


@require_safe
def signup_sent(request):
    return render(
        request,
        "pages/newsletter_signup_sent.html",
        {"days": settings.NEWSLETTER_CONFIRM_DAYS},
    )


def _link_problem(request, problem, status, token=""):
    return render(
        request,
        "pages/newsletter_link_problem.html",
        {"problem": problem, "token": token},
        status=status,
    )


@takes_posts
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET shows a button; only the POST it sends confirms (link scanners only GET). The
    name bulletins greet with is the one sent with the button (``ConfirmForm``)."""
    try:
        payload = read_confirmation_token(token)
    except TokenExpired:
        return _link_problem(request, "expired", 410, token=token)
    except TokenInvalid:
        return _link_problem(request, "invalid", 400)

    if request.method != "POST":
        pending = (
            Subscriber.objects.filter(pk=payload["s"], confirmation_nonce=payload["n"])
            .exclude(status=Subscriber.Status.CONFIRMED)
            .values("name")
            .first()
        )
        if pending is None:
            return _link_problem(request, "used", 410)
        form = ConfirmForm(initial={"name": pending["name"]})
        return render(request, "pages/newsletter_confirm.html", {"token": token, "form": form})

    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return render(
            request, "pages/newsletter_confirm.html", {"token": token, "form": form}, status=400
        )
    result, _subscriber = services.confirm(payload["s"], payload["n"], form.cleaned_data["name"])
    if result == services.ConfirmResult.USED:
        return _link_problem(request, "used", 410)
    return redirect("newsletter:confirmed")


@require_safe
def confirmed(request):
    return render(request, "pages/newsletter_confirmed.html")


@takes_only_posts
@csrf_exempt
@require_POST
def resend(request):
    """A fresh link in exchange for an expired one (the sign-up is kept as it was).

    Every valid token gets the same answer, after the same work: the task looks it up."""
    token = request.POST.get("token", "")[:500]
    if is_cross_site(request):
        return _link_problem(request, "invalid", 403)
    try:
        payload = read_confirmation_token(token, max_age_days=RESEND_MAX_AGE_DAYS)
    except (TokenExpired, TokenInvalid):
        return _link_problem(request, "invalid", 400)
    if not ratelimit.allow_new_link(visitor_ip(request), payload["s"]):
        return _link_problem(request, "rate_limited", 429, token=token)
    # Whether the sign-up still waits for confirmation is looked up in the task.
    services.request_new_link(payload["s"], payload["n"])
    return redirect("newsletter:signup_sent")


@takes_posts
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET: a one-button page. POST (that button, or a mail client's RFC 8058 one-click
    request with body ``List-Unsubscribe=One-Click``): unsubscribe at once."""
    token = token[:100]
    subscriber, erased = services.find_by_unsubscribe_token(token)
    if subscriber is None:
        if erased:
            return render(request, "pages/newsletter_erased.html")
        return _link_problem(request, "unsubscribe_invalid", 404)
    # The bulletin whose link this is, when the mark in the link is genuine.
    from_mark = request.GET.get("from", "")[:60]
    from_bulletin_id = read_bulletin_mark(token, from_mark) if from_mark else None
    if request.method == "POST":
        subscriber = services.unsubscribe(subscriber, from_bulletin_id=from_bulletin_id)
        done = True
    else:
        done = subscriber.status == Subscriber.Status.UNSUBSCRIBED
    return render(
        request,
        "pages/newsletter_unsubscribe.html",
        {
            "subscriber": subscriber,
            "token": token,
            "done": done,
            "from_mark": from_mark if from_bulletin_id is not None else "",
        },
    )


@takes_only_posts
@csrf_exempt
@require_POST
def erase(request, token):
    subscriber, erased = services.find_by_unsubscribe_token(token[:100])
    if subscriber is None and not erased:
        return _link_problem(request, "unsubscribe_invalid", 404)
    if subscriber is not None:
        services.erase(subscriber)
    return render(request, "pages/newsletter_erased.html")
