from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from publications.archive_import.importer import ArchiveImporter


class Command(BaseCommand):
    help = (
        "Import an old site's publications from a JSON-lines manifest (one publication a "
        "line; README, 'Importing an archive'): published pages in their language with "
        "their authors, tags, images, PDF, footnotes and a permanent redirect from the old "
        "address. Safe to run again: unchanged rows are left alone, changed ones updated. "
        "Rows that cannot be imported are reported with their line and the reason; the "
        "others are imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("manifest", help="The manifest: a .jsonl file, one row a line.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would be done, changing nothing.",
        )

    def handle(self, *args, manifest, dry_run, verbosity, **options):
        path = Path(manifest)
        if not path.is_file():
            raise CommandError(f"{manifest}: no such file")

        def progress(line):
            self.stderr.write(line)

        importer = ArchiveImporter(path, dry_run=dry_run, progress=progress if verbosity else None)
        report = importer.run()
        if verbosity:
            for line in report.lines(verbose=verbosity > 1):
                self.stdout.write(line)
        self.stdout.write(report.summary())
