from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from comments.models import Comment


class Command(BaseCommand):
    help = (
        "Delete rejected and spam comments, and forget the IP hash and browser of every "
        "comment, once they are older than COMMENTS_RETENTION_DAYS. Run it daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Override COMMENTS_RETENTION_DAYS for this run.",
        )

    def handle(self, *args, days=None, **options):
        days = settings.COMMENTS_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - timedelta(days=days)
        old = Comment.objects.filter(created_at__lt=cutoff)
        deleted, _ = old.filter(status__in=[Comment.Status.REJECTED, Comment.Status.SPAM]).delete()
        anonymised = old.exclude(ip_hash="", user_agent="").update(ip_hash="", user_agent="")
        self.stdout.write(
            f"Deleted {deleted} rejected or spam comments and cleared the IP hash and browser "
            f"of {anonymised} comments older than {days} days."
        )
