from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from newsletter.models import Subscriber


class Command(BaseCommand):
    help = (
        "Delete sign-ups never confirmed within NEWSLETTER_PENDING_DAYS days. "
        "Run it daily (cron or a scheduler)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Override NEWSLETTER_PENDING_DAYS for this run.",
        )

    def handle(self, *args, days=None, **options):
        days = settings.NEWSLETTER_PENDING_DAYS if days is None else days
        cutoff = timezone.now() - timedelta(days=days)
        stale = Subscriber.objects.filter(
            status=Subscriber.Status.PENDING, consent_at__lt=cutoff, confirmed_at__isnull=True
        )
        deleted = stale.count()
        stale.delete()
        self.stdout.write(f"Deleted {deleted} unconfirmed sign-up(s) older than {days} days.")
