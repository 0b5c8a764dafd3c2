from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bcsp_site.core import task_queue


class Command(BaseCommand):
    help = (
        "Put background tasks whose worker died (RUNNING for longer than "
        "TASKS_STALLED_SECONDS) back in the queue, or mark them failed after "
        "TASKS_MAX_ATTEMPTS attempts. db_worker does this every minute by itself; "
        "run this from cron only if workers run with --reap-interval 0."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stalled-seconds",
            type=int,
            default=None,
            help="How long a task may run before it counts as stalled "
            "(default TASKS_STALLED_SECONDS).",
        )
        parser.add_argument(
            "--max-attempts",
            type=int,
            default=None,
            help="Attempts after which a stalled task is marked failed "
            "(default TASKS_MAX_ATTEMPTS).",
        )

    def handle(self, *args, stalled_seconds=None, max_attempts=None, **options):
        if stalled_seconds is not None and stalled_seconds < 0:
            raise CommandError("--stalled-seconds must be zero or more.")
        if max_attempts is not None and max_attempts < 1:
            raise CommandError("--max-attempts must be one or more.")
        requeued, failed = task_queue.requeue_stalled_tasks(
            stalled_seconds=stalled_seconds, max_attempts=max_attempts
        )
        limit = settings.TASKS_STALLED_SECONDS if stalled_seconds is None else stalled_seconds
        self.stdout.write(
            f"{requeued} stalled task(s) re-queued, {failed} marked failed "
            f"(running for more than {limit} s)."
        )
