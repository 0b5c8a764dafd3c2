from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bcsp_site.operations.backup import BackupError, write_archive


class Command(BaseCommand):
    help = (
        "Write one dated archive of the database and every upload (images, renditions, "
        "documents; from local disk or S3), with a manifest of checksums inside and "
        "<archive>.sha256 beside it. Restore it with `manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(settings.BASE_DIR / "backups"),
            help="Folder to write the archive into (default: backups/ in the project).",
        )

    def handle(self, *args, output, **options):
        self.verbosity = options["verbosity"]
        try:
            archive = write_archive(output, log=self._log)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backup written: {archive}"))

    def _log(self, message):
        if self.verbosity > 0:
            self.stdout.write(message)
