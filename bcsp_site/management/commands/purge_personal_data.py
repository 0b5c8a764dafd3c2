from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bcsp_site.core.task_queue import uses_database_queue
from publications.curation import prune_search_terms


class Command(BaseCommand):
    help = (
        "Delete the personal data the site no longer needs: e-bulletin sign-ups never "
        "confirmed, rejected and spam comments (and the IP hash and browser of older "
        "comments), records of failed admin sign-ins, daily counts of search terms, and "
        "finished background tasks (a queued sign-up holds the address and name typed). "
        "Run it daily (cron or a scheduler)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--subscriber-days",
            type=int,
            default=None,
            help="Age of unconfirmed sign-ups to delete (default NEWSLETTER_PENDING_DAYS).",
        )
        parser.add_argument(
            "--comment-days",
            type=int,
            default=None,
            help="Age of rejected and spam comments to delete (default COMMENTS_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--login-days",
            type=int,
            default=None,
            help="Age of failed admin sign-in records to delete (default LOGIN_ATTEMPT_DAYS).",
        )
        parser.add_argument(
            "--search-days",
            type=int,
            default=None,
            help="Age of daily search-term counts to delete (default SEARCH_TERMS_RETENTION_DAYS).",
        )

    def handle(
        self,
        *args,
        subscriber_days=None,
        comment_days=None,
        login_days=None,
        search_days=None,
        **options,
    ):
        for days in (subscriber_days, comment_days, login_days, search_days):
            if days is not None and days < 0:
                raise CommandError("Ages must be zero or more days.")
        call_command("purge_pending_subscribers", days=subscriber_days, stdout=self.stdout)
        call_command("prune_comments", days=comment_days, stdout=self.stdout)
        if uses_database_queue():
            # A finished task is kept a day (a failed one a week) for looking into problems.
            call_command(
                "prune_db_task_results",
                queue_name="*",
                min_age_days=1,
                failed_min_age_days=7,
                stdout=self.stdout,
            )

        login_days = settings.LOGIN_ATTEMPT_DAYS if login_days is None else login_days
        cutoff = timezone.now() - timedelta(days=login_days)
        attempts, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
        failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
        logins, _ = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()
        self.stdout.write(
            f"Deleted {attempts + failures + logins} admin sign-in record(s) older than "
            f"{login_days} days."
        )
        search_days = settings.SEARCH_TERMS_RETENTION_DAYS if search_days is None else search_days
        counts = prune_search_terms(search_days)
        self.stdout.write(f"Deleted {counts} daily search count(s) older than {search_days} days.")
