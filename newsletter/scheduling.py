"""Starting a bulletin now or at a time, and cancelling one that has not started.

Every change is made on the locked row, and the task is queued once it is committed. The
scheduled send is an ordinary django-tasks task queued with ``run_after`` (the database
backend's worker takes it only once that time has come); ``schedule_token`` says which
queued task may start it, so cancelling or scheduling again leaves any earlier task inert
(``tasks.send_scheduled_bulletin``). Views call these outside any transaction.
"""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Bulletin
from .tasks import send_bulletin, send_scheduled_bulletin


class ScheduleError(Exception):
    """What the editor asked cannot be done; the message says why."""

    def __init__(self, message, field=None, conflict=False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.conflict = conflict


def scheduling_supported():
    """Whether the task backend can hold a task until a time (the database queue can)."""
    return send_scheduled_bulletin.get_backend().supports_defer


def _locked_not_started(bulletin_id):
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin_id)
    if not bulletin.is_draft:
        raise ScheduleError(
            _("This bulletin has already been sent or is being sent."), conflict=True
        )
    if not bulletin.recipients().exists():
        raise ScheduleError(_("No confirmed subscribers read this bulletin's language yet."))
    return bulletin


def schedule(bulletin_id, send_at, user):
    """Have the worker send the bulletin at ``send_at`` (replacing any earlier time)."""
    if not scheduling_supported():
        raise ScheduleError(
            _("Scheduling needs the task worker's database queue; this site runs tasks at once.")
        )
    if send_at <= timezone.now():
        raise ScheduleError(_("Choose a time in the future."), field="send_at")
    with transaction.atomic():
        bulletin = _locked_not_started(bulletin_id)
        bulletin.status = Bulletin.Status.SCHEDULED
        bulletin.send_at = send_at
        bulletin.schedule_token = secrets.token_hex(16)
        bulletin.queued_by = user
        bulletin.save(update_fields=["status", "send_at", "schedule_token", "queued_by"])
    # Queued after the commit, so the worker finds the token it carries.
    send_scheduled_bulletin.using(run_after=send_at).enqueue(bulletin_id, bulletin.schedule_token)
    return bulletin


def cancel(bulletin_id):
    """Stop a scheduled send that has not started; False once it has."""
    return bool(
        Bulletin.objects.filter(pk=bulletin_id, status=Bulletin.Status.SCHEDULED).update(
            status=Bulletin.Status.CANCELLED, schedule_token=""
        )
    )


def send_now(bulletin_id, user):
    """Start sending at once (a draft, a cancelled bulletin or one scheduled for later)."""
    with transaction.atomic():
        bulletin = _locked_not_started(bulletin_id)
        bulletin.status = Bulletin.Status.SENDING
        bulletin.queued_at = timezone.now()
        bulletin.queued_by = user
        bulletin.schedule_token = ""
        bulletin.save(update_fields=["status", "queued_at", "queued_by", "schedule_token"])
    send_bulletin.enqueue(bulletin_id)
    return bulletin
