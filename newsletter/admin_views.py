"""Admin views beyond the standard listing and editing: sending, previews and export."""

import csv
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import policy_registry

from . import scheduling
from .forms import ScheduleForm
from .models import Bulletin, Delivery, Subscriber
from .tasks import send_bulletin, send_test_bulletin


def site_time_zone():
    """Editors enter and read bulletin times in the site's zone, whatever their own."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


RECENT_FAILURES_SHOWN = 20


def user_can(user, model, action):
    return policy_registry.get_by_type(model).user_has_permission(user, action)


def can_see_subscribers(user):
    return policy_registry.get_by_type(Subscriber).user_has_any_permission(
        user, {"view", "change", "delete", "export"}
    )


class BulletinSendView(WagtailAdminTemplateMixin, TemplateView):
    """Progress of a bulletin, a test send to the editor, and the send button itself."""

    template_name = "newsletter/admin/bulletin_send.html"
    header_icon = "mail"
    page_title = gettext_lazy("Send bulletin")
    index_url_name = None
    edit_url_name = None
    preview_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if not user_can(request.user, Bulletin, "send"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def bulletin(self):
        return get_object_or_404(Bulletin, pk=self.kwargs["pk"])

    def get_page_subtitle(self):
        return self.bulletin.subject

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Bulletins")},
            {
                "url": reverse(self.edit_url_name, args=[self.bulletin.pk]),
                "label": str(self.bulletin),
            },
            {"url": "", "label": _("Send")},
        ]

    def get_context_data(self, schedule_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        bulletin = self.bulletin
        if schedule_form is None:
            # Naive, in the site's time zone: shown as is, whatever the editor's own zone.
            initial = {}
            if bulletin.send_at:
                initial["send_at"] = timezone.localtime(bulletin.send_at, site_time_zone()).replace(
                    tzinfo=None
                )
            schedule_form = ScheduleForm(initial=initial)
        failures = Delivery.objects.none()
        if can_see_subscribers(self.request.user):
            failures = (
                bulletin.deliveries.filter(status=Delivery.Status.FAILED)
                .select_related("subscriber")
                .order_by("-attempted_at")[:RECENT_FAILURES_SHOWN]
            )
        context.update(
            {
                "bulletin": bulletin,
                "publications": bulletin.publications(),
                "recipient_count": bulletin.recipients().count(),
                "progress": bulletin.progress(),
                "failures": failures,
                "edit_url": reverse(self.edit_url_name, args=[bulletin.pk]),
                "preview_url": reverse(self.preview_url_name, args=[bulletin.pk]),
                "user_email": self.request.user.email,
                "schedule_form": schedule_form,
                "scheduling_supported": scheduling.scheduling_supported(),
                "site_time_zone": settings.TIME_ZONE,
                "responses": bulletin.responses(),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "test":
            self.send_test()
        elif action == "send":
            self.start_sending()
        elif action == "schedule":
            return self.schedule()
        elif action == "cancel":
            self.cancel()
            if request.POST.get("return_to") == "listing":
                return redirect(self.index_url_name)
        elif action == "resume":
            self.resume()
        return redirect(request.path)

    def send_test(self):
        email = self.request.user.email
        if not email:
            messages.error(
                self.request, _("Your account has no email address; add one in your account.")
            )
            return
        send_test_bulletin.enqueue(self.bulletin.pk, email)
        messages.success(self.request, _("A test is on its way to %(email)s.") % {"email": email})

    def start_sending(self):
        try:
            scheduling.send_now(self.bulletin.pk, self.request.user)
        except scheduling.ScheduleError as error:
            messages.error(self.request, error.message)
            return
        messages.success(
            self.request,
            _("Sending has started in the background. This page shows its progress."),
        )

    def schedule(self):
        """Schedule from the form; a form error answers 400 (409 once sending started)
        with what was typed kept."""
        with timezone.override(site_time_zone()):
            form = ScheduleForm(self.request.POST)
            valid = form.is_valid()
        status = 400
        if valid:
            try:
                bulletin = scheduling.schedule(
                    self.bulletin.pk, form.cleaned_data["send_at"], self.request.user
                )
            except scheduling.ScheduleError as error:
                status = 409 if error.conflict else 400
                if error.conflict:  # no form is shown once sending has started
                    messages.error(self.request, error.message)
                else:
                    form.add_error(error.field, error.message)
            else:
                messages.success(
                    self.request,
                    _("%(state)s. Until then you can cancel it or choose another time.")
                    % {"state": bulletin.state_label()},
                )
                return redirect(self.request.path)
        self.__dict__.pop("bulletin", None)  # read again: the state may have changed
        return self.render_to_response(self.get_context_data(schedule_form=form), status=status)

    def cancel(self):
        if scheduling.cancel(self.bulletin.pk):
            messages.success(self.request, _("The scheduled sending is cancelled."))
        else:
            messages.error(
                self.request, _("Sending has already started; it can no longer be cancelled.")
            )

    def resume(self):
        if self.bulletin.status != Bulletin.Status.SENDING:
            return
        send_bulletin.enqueue(self.bulletin.pk)
        messages.success(self.request, _("Sending resumes where it stopped."))


class BulletinPreviewView(View):
    """The email as a subscriber sees it, in a browser tab: ?format=text for the plain part."""

    def get(self, request, pk):
        if not user_can(request.user, Bulletin, "change") and not user_can(
            request.user, Bulletin, "send"
        ):
            raise PermissionDenied
        bulletin = get_object_or_404(Bulletin, pk=pk)
        mode = "text" if request.GET.get("format") == "text" else "html"
        return bulletin.serve_preview(request, mode)


class _Echo:
    def write(self, value):
        return value


EXPORT_COLUMNS = ["email", "name", "language", "confirmed_at", "consent_at", "consent_language"]


def _csv_safe(value):
    """Keep spreadsheet programs from running reader-typed text as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


class SubscriberExportView(View):
    """CSV of confirmed subscribers, for users with the export permission only."""

    def get(self, request):
        if not user_can(request.user, Subscriber, "export"):
            raise PermissionDenied
        subscribers = (
            Subscriber.objects.mailable()
            .order_by("email")
            .values_list(*EXPORT_COLUMNS)
            .iterator(chunk_size=2000)
        )
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(EXPORT_COLUMNS)
            for row in subscribers:
                yield writer.writerow(
                    [
                        _csv_safe(value.isoformat() if hasattr(value, "isoformat") else value)
                        for value in row
                    ]
                )

        filename = f"e-bulletin-subscribers-{timezone.localdate().isoformat()}.csv"
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
