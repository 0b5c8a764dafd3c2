"""Refresh the Serbian catalogues and compile them, with or without GNU gettext's msgfmt.

- Our own strings: `makemessages` (needs GNU gettext's xgettext) merges new and changed
  strings into bcsp_site/translations/site/sr/LC_MESSAGES/django.po; translate the new
  entries there.
- Django's own strings (form errors, month names): Django's Serbian catalogue is in
  Cyrillic, so its Latin-script catalogue is copied to bcsp_site/translations/django/ under
  the "sr" code the site uses, where it takes precedence over the Cyrillic one.
- The texts of django-otp-webauthn's scripts, which it has no Serbian for, are kept by hand
  in djangojs.po beside ours (its jsi18n view reads them from there).
- Every catalogue is compiled to .mo in Python (polib), and the compiled files are committed,
  so running the site never needs gettext.
"""

import shutil
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

LANGUAGE = "sr"
OUR_CATALOGUE = Path(settings.BASE_DIR) / "bcsp_site" / "translations" / "site"
DJANGO_CATALOGUE = Path(settings.BASE_DIR) / "bcsp_site" / "translations" / "django"
DJANGO_LATIN = Path(django.__file__).parent / "conf" / "locale" / "sr_Latn" / "LC_MESSAGES"
IGNORE = [".venv", "venv", "tests", "bench", "load", "*/node_modules/*", "staticfiles", "media"]


def catalogue_path(root=OUR_CATALOGUE, language=LANGUAGE):
    return root / language / "LC_MESSAGES" / "django.po"


def compile_catalogue(po_path):
    import polib

    catalogue = polib.pofile(str(po_path))
    catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
    return catalogue


class Command(BaseCommand):
    help = "Extract new interface strings into the Serbian catalogue and compile catalogues."

    def add_arguments(self, parser):
        parser.add_argument(
            "--compile-only",
            action="store_true",
            help="Only compile the .po files (no extraction; gettext is not needed).",
        )

    def handle(self, *args, compile_only=False, **options):
        try:
            import polib  # noqa: F401
        except ImportError as error:
            raise CommandError("polib is needed: make install-dev") from error
        django_po = catalogue_path(DJANGO_CATALOGUE)
        django_po.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DJANGO_LATIN / "django.po", django_po)
        compile_catalogue(django_po)
        if not compile_only:
            if shutil.which("xgettext") is None:
                raise CommandError(
                    "Extracting strings needs GNU gettext (apt-get install gettext); "
                    "use --compile-only to just compile."
                )
            call_command("makemessages", locale=[LANGUAGE], ignore_patterns=IGNORE, verbosity=0)
        compile_catalogue(catalogue_path().with_name("djangojs.po"))
        catalogue = compile_catalogue(catalogue_path())
        untranslated = catalogue.untranslated_entries() + catalogue.fuzzy_entries()
        self.stdout.write(
            f"{catalogue_path()}: {len(catalogue.translated_entries())} translated, "
            f"{len(untranslated)} to translate."
        )
        for entry in untranslated:
            self.stdout.write(f"  to translate: {entry.msgid!r}")
