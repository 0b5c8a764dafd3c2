import datetime
import logging
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db.models import DBTaskResult

from bcsp_site.core import task_queue
from bcsp_site.management.commands.db_worker import reap_periodically
from newsletter.tasks import send_confirmation_email

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_QUEUE
    settings.TASKS_STALLED_SECONDS = 3600
    settings.TASKS_MAX_ATTEMPTS = 3


def running_task(started_ago, workers=("worker-a",)):
    """A task a worker claimed ``started_ago`` and never finished."""
    result = send_confirmation_email.enqueue(0)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING",
        started_at=timezone.now() - started_ago,
        worker_ids=list(workers),
    )
    return result.id


def status_of(task_id):
    return task_backends["default"].get_result(task_id)


def test_stalled_task_goes_back_to_the_queue(db, database_queue, caplog):
    stalled = running_task(datetime.timedelta(hours=2))
    busy = running_task(datetime.timedelta(minutes=5), workers=["worker-b"])
    caplog.set_level(logging.WARNING, logger="bcsp.tasks")

    call_command("requeue_stalled_tasks")

    result = status_of(stalled)
    assert result.status == "READY"
    assert result.worker_ids == ["worker-a"]  # the record of attempts stays
    assert status_of(busy).status == "RUNNING"
    assert f"Task {stalled}" in caplog.text
    assert "stalled on attempt 1 of 3 (worker worker-a); re-queued" in caplog.text
    # The queue's own worker takes it again.
    assert DBTaskResult.objects.ready().filter(pk=stalled).exists()


def test_task_whose_workers_all_died_is_marked_failed(db, database_queue, caplog):
    task_id = running_task(datetime.timedelta(hours=2), workers=["w1", "w2", "w3"])
    caplog.set_level(logging.WARNING, logger="bcsp.tasks")

    call_command("requeue_stalled_tasks")

    result = status_of(task_id)
    assert result.status == "FAILED"
    assert result.finished_at is not None
    (error,) = result.errors
    assert error.exception_class_path == "bcsp_site.core.task_queue.WorkerLost"
    assert "stopped answering 3 times" in error.traceback
    assert "failed: The worker running this task stopped answering 3 times" in caplog.text


def test_command_options_and_output(db, database_queue):
    task_id = running_task(datetime.timedelta(seconds=30), workers=["w1"])
    call_command("requeue_stalled_tasks", "--stalled-seconds", "60")
    assert status_of(task_id).status == "RUNNING"

    out = StringIO()
    call_command(
        "requeue_stalled_tasks", "--stalled-seconds", "10", "--max-attempts", "1", stdout=out
    )
    assert out.getvalue().strip() == (
        "0 stalled task(s) re-queued, 1 marked failed (running for more than 10 s)."
    )
    assert status_of(task_id).status == "FAILED"

    with pytest.raises(CommandError, match="--max-attempts must be one or more"):
        call_command("requeue_stalled_tasks", "--max-attempts", "0")
    with pytest.raises(CommandError, match="--stalled-seconds must be zero or more"):
        call_command("requeue_stalled_tasks", "--stalled-seconds", "-1")


def test_two_reapers_at_once_take_each_task_once(db, database_queue):
    running_task(datetime.timedelta(hours=2))
    running_task(datetime.timedelta(hours=3))
    assert task_queue.requeue_stalled_tasks() == (2, 0)
    assert task_queue.requeue_stalled_tasks() == (0, 0)


def test_worker_thread_reaps_and_stops(db, database_queue, monkeypatch):
    calls = []
    monkeypatch.setattr(task_queue, "requeue_stalled_tasks", lambda: calls.append(1))
    monkeypatch.setattr("bcsp_site.management.commands.db_worker.connections.close_all", list)
    stop = threading.Event()
    stop.set()
    reap_periodically(60, stop)
    assert calls == [1]


def test_worker_thread_survives_a_failed_look(db, monkeypatch, caplog):
    def broken():
        raise RuntimeError("database gone")

    monkeypatch.setattr(task_queue, "requeue_stalled_tasks", broken)
    monkeypatch.setattr("bcsp_site.management.commands.db_worker.connections.close_all", list)
    stop = threading.Event()
    stop.set()
    reap_periodically(5, stop)
    assert "Looking for stalled tasks failed; trying again in 5 s" in caplog.text
