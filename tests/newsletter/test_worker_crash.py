"""A bulletin send whose worker is killed (``kill -9``) mid-send: the reaper puts the task
back, a new worker finishes it, and no subscriber gets the bulletin twice.

Real processes on a real database: the worker is ``manage.py db_worker`` in a subprocess on
this test's PostgreSQL database (``tests.support.worker_settings``), every email a file
(``tests.support.mail_capture``).
"""

import datetime
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsletter.models import Bulletin, Delivery
from newsletter.tasks import STALE_CLAIM_AFTER, prepare_deliveries, send_bulletin
from tests.newsletter.test_newsletter import (  # noqa: F401 (fixtures)
    bulk_subscribers,
    bulletin,
    publications,
    start_sending,
)
from tests.support.mail_capture import HANG_MARKER, recipients

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker in another process needs a database server both can reach "
    "(run with DATABASE_URL=postgres://…)",
)

SUBSCRIBERS = 60
KILLED_WHILE_SENDING = 25  # the worker dies with this message claimed but not yet sent
WAIT_SECONDS = 120


def database_url():
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def start_worker(mail_dir, log, hang_at=None):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.support.worker_settings",
        "DATABASE_URL": database_url(),
        "MAIL_DIR": str(mail_dir),
        "MAIL_HANG_AT": str(hang_at or ""),
    }
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"]
    command += ["--interval", "0.1", "--reap-interval", "0"]
    return subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def wait_until(condition, process, log_path):
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if process.poll() is not None and not condition():
            pytest.fail(f"the worker exited early:\n{log_path.read_text()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the worker did not get there in time:\n{log_path.read_text()}")
        time.sleep(0.05)


def run_worker_to_the_end(mail_dir, log_path):
    with log_path.open("ab") as log:
        worker = start_worker(mail_dir, log)
        try:
            worker.wait(WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            pytest.fail(f"the worker did not finish:\n{log_path.read_text()}")
    assert worker.returncode == 0, log_path.read_text()


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bulletin_survives_a_killed_worker_without_sending_anyone_twice(
    bulletin,  # noqa: F811
    settings,
    tmp_path,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    subscribers = bulk_subscribers(SUBSCRIBERS)
    start_sending(bulletin)
    task = send_bulletin.enqueue(bulletin.pk)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"

    # 1. The worker sends 24 emails, claims the 25th and is killed before it goes out.
    with log_path.open("ab") as log:
        worker = start_worker(mail_dir, log, hang_at=KILLED_WHILE_SENDING)
        wait_until((mail_dir / HANG_MARKER).exists, worker, log_path)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(WAIT_SECONDS)
    assert worker.returncode == -signal.SIGKILL
    assert len(recipients(mail_dir)) == KILLED_WHILE_SENDING - 1
    assert DBTaskResult.objects.get(pk=task.id).status == "RUNNING"  # for ever, on its own
    assert Delivery.objects.filter(bulletin=bulletin, status=Delivery.Status.SENDING).count() == 1

    # 2. The reaper puts the task back in the queue (a limit of 0 s stands in for the wait).
    call_command("requeue_stalled_tasks", "--stalled-seconds", "0")
    requeued = DBTaskResult.objects.get(pk=task.id)
    assert requeued.status == "READY"
    assert len(requeued.worker_ids) == 1

    # 3. A new worker sends to everyone not yet sent to. The one the dead worker was
    # sending to may or may not have got it (with SMTP there is no telling), so it is
    # left alone for now, and the task comes back once that claim counts as interrupted.
    run_worker_to_the_end(mail_dir, log_path)
    assert DBTaskResult.objects.get(pk=task.id).status == "SUCCESSFUL"
    assert len(DBTaskResult.objects.get(pk=task.id).worker_ids) == 2
    sent_to = Counter(recipients(mail_dir))
    assert len(sent_to) == SUBSCRIBERS - 1
    assert set(sent_to.values()) == {1}
    interrupted = Delivery.objects.select_related("subscriber").get(
        bulletin=bulletin, status=Delivery.Status.SENDING
    )
    assert interrupted.subscriber.email not in sent_to
    follow_up = DBTaskResult.objects.exclude(pk=task.id).get(status="READY")
    assert follow_up.task_path == "newsletter.tasks.send_bulletin"
    assert follow_up.run_after > timezone.now()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENDING

    # 4. Time passes (moved on in the database): the follow-up marks that one delivery as
    # failed, not sent again, and the bulletin is finished.
    Delivery.objects.filter(pk=interrupted.pk).update(
        attempted_at=interrupted.attempted_at - STALE_CLAIM_AFTER - datetime.timedelta(minutes=1)
    )
    DBTaskResult.objects.filter(pk=follow_up.pk).update(run_after=timezone.now())
    run_worker_to_the_end(mail_dir, log_path)

    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT
    assert bulletin.progress() == {
        "sent": SUBSCRIBERS - 1,
        "failed": 1,
        "skipped": 0,
        "pending": 0,
    }
    interrupted.refresh_from_db()
    assert interrupted.status == Delivery.Status.FAILED
    assert "not sent again" in interrupted.error
    sent_to = Counter(recipients(mail_dir))
    assert max(sent_to.values()) == 1
    assert set(sent_to) == {s.email for s in subscribers} - {interrupted.subscriber.email}
    assert not DBTaskResult.objects.exclude(status__in=["SUCCESSFUL"]).exists()


def test_a_claim_left_by_another_run_brings_the_task_back_later(bulletin, settings):  # noqa: F811
    """In one process: the queue's own run ends with another run's claim outstanding, and
    queues itself for when that claim counts as interrupted."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    bulk_subscribers(3)
    start_sending(bulletin)
    prepare_deliveries(bulletin)
    claimed_at = timezone.now() - datetime.timedelta(minutes=2)
    first = Delivery.objects.filter(bulletin=bulletin).order_by("pk").first()
    Delivery.objects.filter(pk=first.pk).update(
        status=Delivery.Status.SENDING, attempted_at=claimed_at
    )

    send_bulletin.call(bulletin.pk)

    assert len(mail.outbox) == 2
    follow_up = DBTaskResult.objects.get(task_path="newsletter.tasks.send_bulletin")
    assert follow_up.status == "READY"
    assert follow_up.args_kwargs == {"args": [bulletin.pk], "kwargs": {}}
    assert follow_up.run_after > claimed_at + STALE_CLAIM_AFTER
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENDING


def test_without_a_queue_nothing_is_brought_back(bulletin):  # noqa: F811
    """Tasks run at once (development, tests): there is no later to queue for."""
    bulk_subscribers(2)
    start_sending(bulletin)
    prepare_deliveries(bulletin)
    Delivery.objects.filter(bulletin=bulletin).update(
        status=Delivery.Status.SENDING, attempted_at=timezone.now()
    )
    send_bulletin.call(bulletin.pk)
    assert not DBTaskResult.objects.filter(task_path="newsletter.tasks.send_bulletin").exists()
