from django.core.management.base import BaseCommand, CommandError

from bcsp_site.operations.backup import BackupError, restore_archive


class Command(BaseCommand):
    help = (
        "Rebuild an empty installation (database and uploads' storage) from an archive "
        "written by `manage.py backup`: checks its checksums first, then restores the "
        "database and the files and starts a new content generation with every cache "
        "emptied. Restart the app servers and workers afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar archive; its .sha256 file must be beside it.")
        parser.add_argument(
            "--replace-existing",
            action="store_true",
            help=(
                "Delete every table of the configured database and overwrite stored files "
                "of the same names, instead of refusing an installation that is not empty."
            ),
        )

    def handle(self, *args, archive, replace_existing, **options):
        self.verbosity = options["verbosity"]
        try:
            summary = restore_archive(archive, replace_existing=replace_existing, log=self._log)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the {summary.database} database and {summary.files} files from "
                f"{archive}. Restart the app servers and task workers now."
            )
        )
        if summary.migrations_to_apply:
            self.stdout.write(
                f"The archive predates {len(summary.migrations_to_apply)} migrations of this "
                "release: run `manage.py migrate`."
            )

    def _log(self, message):
        if self.verbosity > 0:
            self.stdout.write(message)
