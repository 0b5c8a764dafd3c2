"""django-tasks-db's ``db_worker``, which also puts back tasks whose worker died.

Same options as the library's command, plus ``--reap-interval``: every so many seconds a
thread of the worker runs ``requeue_stalled_tasks`` (``bcsp_site.core.task_queue``), so no
cron job is needed. Any number of workers may do this at once.
"""

import logging
import threading

from django.conf import settings
from django.db import connections
from django_tasks_db.management.commands import db_worker

from bcsp_site.core import task_queue

logger = logging.getLogger("bcsp.tasks")


def reap_periodically(interval, stop):
    while True:
        try:
            task_queue.requeue_stalled_tasks()
        except Exception:
            logger.exception("Looking for stalled tasks failed; trying again in %s s", interval)
        finally:
            connections.close_all()  # this thread's own connections
        if stop.wait(interval):
            return


class Command(db_worker.Command):
    help = (
        "Run a database background worker; every --reap-interval seconds it also puts back "
        "in the queue tasks whose worker died."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--reap-interval",
            type=int,
            default=None,
            help="Seconds between looks for stalled tasks (default "
            "TASKS_REAP_INTERVAL_SECONDS; 0: never, run requeue_stalled_tasks from cron).",
        )

    def handle(self, *args, reap_interval=None, **options):
        if reap_interval is None:
            reap_interval = settings.TASKS_REAP_INTERVAL_SECONDS
        stop = threading.Event()
        if reap_interval > 0:
            threading.Thread(
                target=reap_periodically,
                args=(reap_interval, stop),
                name="requeue-stalled-tasks",
                daemon=True,
            ).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
