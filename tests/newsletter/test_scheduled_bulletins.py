"""Bulletins sent at a time the editor chose: scheduling, the worker, cancelling, and
once-only sending through every race between them."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsletter import scheduling
from newsletter.models import Bulletin, Delivery
from newsletter.tasks import send_scheduled_bulletin
from tests.newsletter.test_newsletter import (  # noqa: F401 (fixtures)
    bulk_subscribers,
    bulletin,
    publications,
)

BELGRADE = zoneinfo.ZoneInfo("Europe/Belgrade")
TASK_PATH = "newsletter.tasks.send_scheduled_bulletin"


@pytest.fixture
def queue(settings):
    """The database queue, as in production: tasks wait for a worker and for their time."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def send_url(bulletin):  # noqa: F811
    return f"/admin/e-bulletin/bulletins/send/{bulletin.pk}/"


def typed(moment):
    """How an editor types a time in the form: the site's time zone, to the minute."""
    return moment.astimezone(BELGRADE).strftime("%Y-%m-%d %H:%M")


def tomorrow_at_nine():
    day = timezone.localtime(timezone.now(), BELGRADE).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=BELGRADE)


def run_worker():
    """What ``db_worker --batch`` does, in this test's transaction: run every task the queue
    hands out (its ``ready()`` tasks: none before its ``run_after``) until none is left.
    (The command itself closes the connection, which on PostgreSQL is the test's own.)"""
    while task := DBTaskResult.objects.ready().order_by("run_after", "enqueued_at").first():
        task.claim("test-worker")
        args_kwargs = task.args_kwargs
        task.set_successful(task.task.call(*args_kwargs["args"], **args_kwargs["kwargs"]))


def time_passes(bulletin):  # noqa: F811
    """Move the bulletin's time, and its queued tasks', into the past (the clock stands in)."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    Bulletin.objects.filter(pk=bulletin.pk).update(send_at=past)
    DBTaskResult.objects.filter(task_path=TASK_PATH).update(run_after=past)


def test_editor_schedules_in_the_site_time_zone(admin_client, bulletin, queue):  # noqa: F811
    bulk_subscribers(3)
    when = tomorrow_at_nine()
    response = admin_client.post(send_url(bulletin), {"action": "schedule", "send_at": typed(when)})
    assert response.status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SCHEDULED
    assert bulletin.send_at == when
    task = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert task.run_after == when
    assert task.args_kwargs == {"args": [bulletin.pk, bulletin.schedule_token], "kwargs": {}}
    assert mail.outbox == []

    page = admin_client.get(send_url(bulletin)).content.decode()
    shown = when.strftime("%b. %-d, %Y, %-I") + " a.m."
    assert f"Scheduled for {shown}" in page
    assert "Cancel the scheduled sending" in page
    listing = admin_client.get("/admin/e-bulletin/bulletins/").content.decode()
    assert f"Scheduled for {shown}" in listing


def test_the_worker_sends_only_once_the_time_has_come(admin_client, bulletin, queue):  # noqa: F811
    bulk_subscribers(4)
    admin_client.post(
        send_url(bulletin), {"action": "schedule", "send_at": typed(tomorrow_at_nine())}
    )
    run_worker()  # the database backend takes no task before its run_after
    assert mail.outbox == []
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SCHEDULED
    assert DBTaskResult.objects.get(task_path=TASK_PATH).status == "READY"

    time_passes(bulletin)
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == [f"reader{n}@example.org" for n in range(4)]
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT
    assert "Sent at" in bulletin.state_label()


def test_a_task_run_before_its_time_waits_for_it(bulletin, queue):  # noqa: F811
    bulk_subscribers(1)
    scheduling.schedule(bulletin.pk, tomorrow_at_nine(), None)
    bulletin.refresh_from_db()
    assert send_scheduled_bulletin.call(bulletin.pk, bulletin.schedule_token) == "early"
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").count() == 2


@pytest.mark.parametrize(
    ("send_at", "message"),
    [
        ("2020-01-01 09:00", "Choose a time in the future."),
        ("next Tuesday", "Enter a valid date/time."),
        ("", "This field is required."),
    ],
)
def test_a_bad_time_is_refused_and_kept(admin_client, bulletin, queue, send_at, message):  # noqa: F811
    bulk_subscribers(1)
    response = admin_client.post(send_url(bulletin), {"action": "schedule", "send_at": send_at})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'value="{send_at}"' in html or not send_at
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT
    assert not DBTaskResult.objects.exists()


def test_no_subscribers_or_already_sent_are_refused(admin_client, bulletin, queue):  # noqa: F811
    when = typed(tomorrow_at_nine())
    response = admin_client.post(send_url(bulletin), {"action": "schedule", "send_at": when})
    assert response.status_code == 400
    assert "No confirmed subscribers read this bulletin" in response.content.decode()
    bulk_subscribers(1)
    Bulletin.objects.filter(pk=bulletin.pk).update(status=Bulletin.Status.SENT)
    response = admin_client.post(send_url(bulletin), {"action": "schedule", "send_at": when})
    assert response.status_code == 409
    assert "already been sent" in response.content.decode()
    assert not DBTaskResult.objects.exists()


def test_without_a_queue_scheduling_is_refused(admin_client, bulletin):  # noqa: F811
    bulk_subscribers(1)
    page = admin_client.get(send_url(bulletin)).content.decode()
    assert "Scheduling needs the task worker" in page
    response = admin_client.post(
        send_url(bulletin), {"action": "schedule", "send_at": typed(tomorrow_at_nine())}
    )
    assert response.status_code == 400
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT


def test_cancelled_bulletin_is_not_sent(admin_client, bulletin, queue):  # noqa: F811
    bulk_subscribers(2)
    admin_client.post(
        send_url(bulletin), {"action": "schedule", "send_at": typed(tomorrow_at_nine())}
    )
    response = admin_client.post(send_url(bulletin), {"action": "cancel", "return_to": "listing"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/e-bulletin/bulletins/"
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.CANCELLED
    time_passes(bulletin)
    run_worker()
    assert mail.outbox == []
    assert DBTaskResult.objects.get(task_path=TASK_PATH).return_value == "outdated"
    assert "Cancelled" in admin_client.get("/admin/e-bulletin/bulletins/").content.decode()


def test_rescheduling_leaves_the_old_task_inert(admin_client, bulletin, queue):  # noqa: F811
    bulk_subscribers(3)
    first = tomorrow_at_nine()
    admin_client.post(send_url(bulletin), {"action": "schedule", "send_at": typed(first)})
    later = first + datetime.timedelta(hours=2)
    admin_client.post(send_url(bulletin), {"action": "schedule", "send_at": typed(later)})
    bulletin.refresh_from_db()
    assert bulletin.send_at == later
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 2

    time_passes(bulletin)
    run_worker()
    results = sorted(DBTaskResult.objects.filter(task_path=TASK_PATH), key=lambda t: t.enqueued_at)
    assert results[0].return_value == "outdated"
    assert len(mail.outbox) == 3
    assert len({m.to[0] for m in mail.outbox}) == 3


def test_send_now_after_scheduling_sends_once(admin_client, bulletin, queue):  # noqa: F811
    bulk_subscribers(2)
    admin_client.post(
        send_url(bulletin), {"action": "schedule", "send_at": typed(tomorrow_at_nine())}
    )
    admin_client.post(send_url(bulletin), {"action": "send"})
    time_passes(bulletin)
    run_worker()  # the send-now task and the outdated scheduled one
    assert len(mail.outbox) == 2
    assert DBTaskResult.objects.get(task_path=TASK_PATH).return_value == "outdated"


def test_start_wins_over_a_later_cancel(admin_client, bulletin, queue):  # noqa: F811
    bulk_subscribers(2)
    scheduling.schedule(bulletin.pk, tomorrow_at_nine(), None)
    time_passes(bulletin)
    bulletin.refresh_from_db()
    # The worker takes the task and starts sending...
    started = Bulletin.objects.filter(pk=bulletin.pk, status=Bulletin.Status.SCHEDULED).update(
        status=Bulletin.Status.SENDING
    )
    assert started
    # ...then the editor's cancel arrives: too late, and it says so.
    response = admin_client.post(send_url(bulletin), {"action": "cancel"}, follow=True)
    assert "it can no longer be cancelled" in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENDING
    # The same task's run goes on sending (a worker that died after starting is re-run).
    send_scheduled_bulletin.call(bulletin.pk, bulletin.schedule_token)
    assert len(mail.outbox) == 2


def test_cancel_wins_over_a_later_start(bulletin, queue):  # noqa: F811
    bulk_subscribers(2)
    scheduling.schedule(bulletin.pk, tomorrow_at_nine(), None)
    bulletin.refresh_from_db()
    token = bulletin.schedule_token
    time_passes(bulletin)
    assert scheduling.cancel(bulletin.pk)
    assert send_scheduled_bulletin.call(bulletin.pk, token) == "outdated"
    assert mail.outbox == []
    assert not scheduling.cancel(bulletin.pk)  # nothing left to cancel


def test_two_workers_running_the_task_send_once(bulletin, queue):  # noqa: F811
    bulk_subscribers(5)
    scheduling.schedule(bulletin.pk, tomorrow_at_nine(), None)
    bulletin.refresh_from_db()
    time_passes(bulletin)
    send_scheduled_bulletin.call(bulletin.pk, bulletin.schedule_token)
    send_scheduled_bulletin.call(bulletin.pk, bulletin.schedule_token)
    assert len(mail.outbox) == 5
    assert Delivery.objects.filter(bulletin=bulletin, status=Delivery.Status.SENT).count() == 5


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads writing at once need a database server (SQLite locks the table)",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_cancel_and_start_agree_on_one_outcome(bulletin, settings):  # noqa: F811
    """Many cancels and starts at once: either it was cancelled and nobody got it, or it
    started and everybody got it once."""
    from concurrent.futures import ThreadPoolExecutor

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    bulk_subscribers(3)
    scheduling.schedule(bulletin.pk, tomorrow_at_nine(), None)
    bulletin.refresh_from_db()
    token = bulletin.schedule_token
    time_passes(bulletin)

    def start():
        try:
            return send_scheduled_bulletin.call(bulletin.pk, token)
        finally:
            connection.close()

    def cancel():
        try:
            return scheduling.cancel(bulletin.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(job) for job in (start, cancel, start, cancel)]
        [future.result() for future in futures]
    bulletin.refresh_from_db()
    if bulletin.status == Bulletin.Status.CANCELLED:
        assert mail.outbox == []
    else:
        assert bulletin.status == Bulletin.Status.SENT
        assert sorted(m.to[0] for m in mail.outbox) == [f"reader{n}@example.org" for n in range(3)]


def test_listing_queries_do_not_grow_with_bulletins(admin_client, bulletin, queue):  # noqa: F811
    bulk_subscribers(1)

    def listing_queries():
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/admin/e-bulletin/bulletins/")
        assert response.status_code == 200
        return len(queries)

    scheduling.schedule(bulletin.pk, tomorrow_at_nine(), None)
    few = listing_queries()
    for number in range(8):
        other = Bulletin.objects.create(subject=f"Bulletin {number}")
        scheduling.schedule(other.pk, tomorrow_at_nine(), None)
        Bulletin.objects.create(subject=f"Sent {number}", status=Bulletin.Status.SENT)
    assert listing_queries() == few
