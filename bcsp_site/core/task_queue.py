"""The database task queue (django-tasks-db): how long work has waited, and tasks whose
worker died.

django-tasks-db marks a task RUNNING when a worker claims it and records the outcome when it
ends; a worker killed in between (``kill -9``, an out-of-memory kill, a lost server) leaves
the task RUNNING for ever. The installed version (0.13) has no heartbeat, no stale-task
detection and no command for it, so ``requeue_stalled_tasks`` does it here: a task RUNNING
for longer than ``TASKS_STALLED_SECONDS`` is put back in the queue, or marked FAILED once
``TASKS_MAX_ATTEMPTS`` workers have taken it. ``db_worker`` runs it every
``TASKS_REAP_INTERVAL_SECONDS`` (``bcsp_site.management.commands.db_worker``); the
``requeue_stalled_tasks`` command runs it once, for cron.

A task is judged by its age alone, so the limit must be longer than any task runs. A task
that is only slow is then run a second time while the first run goes on: the tasks here are
safe to run twice (a bulletin claims each recipient before sending, ``newsletter.tasks``).

A re-queued task keeps its list of worker ids: it is the queue's record of attempts (the
task's ``TaskContext.attempt`` counts it), and the limit on attempts is counted from it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, F, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger("bcsp.tasks")


class WorkerLost(Exception):
    """Recorded as the error of a task whose every attempt ended with its worker gone."""


WORKER_LOST = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


def uses_database_queue(alias="default"):
    return isinstance(task_backends[alias], DatabaseBackend)


def oldest_waiting_age(now=None):
    """How long the task that has waited longest to run has waited, or None.

    A task deferred with ``run_after`` waits from that time, not from when it was queued.
    """
    now = now or timezone.now()
    waiting_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=Greatest(F("enqueued_at"), F("run_after")),
    )
    oldest = (
        DBTaskResult.objects.ready()
        .annotate(waiting_since=waiting_since)
        .order_by("waiting_since")
        .values_list("waiting_since", flat=True)
        .first()
    )
    return None if oldest is None else max(now - oldest, timedelta(0))


def requeue_stalled_tasks(*, stalled_seconds=None, max_attempts=None, now=None):
    """Put tasks RUNNING for longer than ``stalled_seconds`` back in the queue, or mark them
    FAILED after ``max_attempts``. Returns ``(requeued, failed)`` counts.

    Each change is a conditional update on the state that was read, so any number of
    workers may run this at once: each stalled task is taken by exactly one of them.
    """
    if stalled_seconds is None:
        stalled_seconds = settings.TASKS_STALLED_SECONDS
    if max_attempts is None:
        max_attempts = settings.TASKS_MAX_ATTEMPTS
    now = now or timezone.now()
    stalled = DBTaskResult.objects.running().filter(
        started_at__lte=now - timedelta(seconds=stalled_seconds)
    )
    requeued = failed = 0
    for task_id, task_path, started_at, worker_ids in stalled.values_list(
        "id", "task_path", "started_at", "worker_ids"
    ):
        attempts = len(worker_ids)
        same_state = DBTaskResult.objects.filter(
            pk=task_id, status=TaskResultStatus.RUNNING, started_at=started_at
        )
        if attempts >= max_attempts:
            message = (
                f"The worker running this task stopped answering {attempts} times "
                f"(each time RUNNING for more than {stalled_seconds} seconds); not tried again."
            )
            if same_state.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=WORKER_LOST,
                traceback=f"{WORKER_LOST}: {message}",
                return_value=None,
            ):
                failed += 1
                logger.error("Task %s (%s) failed: %s", task_id, task_path, message)
        elif same_state.update(status=TaskResultStatus.READY, started_at=None):
            requeued += 1
            logger.warning(
                "Task %s (%s) stalled on attempt %d of %d (worker %s); re-queued",
                task_id,
                task_path,
                attempts,
                max_attempts,
                worker_ids[-1] if worker_ids else "unknown",
            )
    return requeued, failed
