"""Map the old site's addresses to new pages: a CSV of `old_path,new_url` rows.

Rows whose new URL is a page on this site become redirects to that page (so they follow the
page if it moves later); absolute URLs elsewhere become plain link redirects. Rows that cannot
be mapped are reported with their line number and the reason, and nothing is written for them.
"""

import csv
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Locale, Page, Site


class Command(BaseCommand):
    help = "Import redirects from a CSV of old_path,new_url (a header row is optional)."

    def add_arguments(self, parser):
        parser.add_argument("csv_file", help="Path of the CSV file (UTF-8).")
        parser.add_argument(
            "--temporary", action="store_true", help="Create 302 instead of 301 redirects."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen, write nothing."
        )

    def handle(self, *args, csv_file, temporary, dry_run, **options):
        try:
            with open(csv_file, newline="", encoding="utf-8-sig") as handle:
                rows = list(csv.reader(handle))
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {csv_file}: {error}") from error

        self.site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if self.site is None:
            raise CommandError("No default site is configured.")
        created = updated = 0
        problems = []
        with transaction.atomic():
            for line_number, row in enumerate(rows, start=1):
                if line_number == 1 and [cell.strip().lower() for cell in row[:2]] == [
                    "old_path",
                    "new_url",
                ]:
                    continue
                if not any(cell.strip() for cell in row):
                    continue
                try:
                    old_path, target = self.parse_row(row)
                except ValueError as error:
                    problems.append((line_number, row, str(error)))
                    continue
                redirect = Redirect.objects.filter(old_path=old_path, site=None).first()
                is_new = redirect is None
                redirect = redirect or Redirect(old_path=old_path)
                redirect.is_permanent = not temporary
                redirect.redirect_page = target if isinstance(target, Page) else None
                redirect.redirect_link = "" if isinstance(target, Page) else target
                if not dry_run:
                    redirect.save()
                created += is_new
                updated += not is_new
            if dry_run:
                transaction.set_rollback(True)

        verb = "Would create" if dry_run else "Created"
        self.stdout.write(f"{verb} {created} redirects, updated {updated}.")
        for line_number, row, reason in problems:
            self.stdout.write(self.style.WARNING(f"line {line_number}: {reason}: {','.join(row)}"))
        if problems:
            self.stdout.write(self.style.WARNING(f"{len(problems)} rows could not be mapped."))

    def parse_row(self, row):
        if len(row) < 2:
            raise ValueError("expected two columns, old_path and new_url")
        old_raw, new_raw = row[0].strip(), row[1].strip()
        if not old_raw:
            raise ValueError("the old path is empty")
        old_path = Redirect.normalise_path(
            urlsplit(old_raw)._replace(scheme="", netloc="").geturl()
        )
        if old_path in ("", "/"):
            raise ValueError("the old path is the site root")
        if not new_raw:
            raise ValueError("the new URL is empty")
        new_parts = urlsplit(new_raw)
        if new_parts.scheme and new_parts.scheme not in ("http", "https"):
            raise ValueError("the new URL must be http(s) or a path on this site")
        if new_parts.netloc and new_parts.hostname != self.site.hostname:
            return old_path, new_raw
        page = self.find_page(new_parts.path)
        if page is None:
            raise ValueError("no live page at the new URL")
        if Redirect.normalise_path(page.url or "") == old_path:
            raise ValueError("the old path is the new page itself")
        return old_path, page

    def find_page(self, path):
        segments = [segment for segment in path.split("/") if segment]
        languages = {code for code, _name in settings.LANGUAGES}
        language = settings.LANGUAGE_CODE
        if segments and segments[0] in languages:
            language = segments.pop(0)
        locale = Locale.objects.filter(language_code=language).first()
        home = self.site.root_page.get_translation_or_none(locale) if locale else None
        if home is None:
            return None
        url_path = home.url_path + "".join(f"{segment}/" for segment in segments)
        return Page.objects.live().filter(url_path=url_path, locale=locale).first()
