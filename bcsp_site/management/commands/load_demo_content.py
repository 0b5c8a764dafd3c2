"""Create the demo site (bcsp_site.demo.seed) and, with --publications N, N synthetic
publications for benchmarks (bcsp_site.demo.bulk).

Safe to run repeatedly: everything is looked up by slug before it is created.
"""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from bcsp_site.demo import bulk
from bcsp_site.demo.seed import Seed
from publications.models import PublicationPage


class Command(BaseCommand):
    help = "Load the demo site content (idempotent); --publications N adds N synthetic ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--publications",
            type=int,
            default=0,
            help=(
                "Make sure this many synthetic publications (spread over 15 years) exist, "
                "adding the missing ones; for benchmarks."
            ),
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Processes that generate the synthetic publications (PostgreSQL only).",
        )
        parser.add_argument(
            "--no-images",
            action="store_true",
            help="Make no PDFs, and so no covers drawn from their first pages (faster).",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        with transaction.atomic():
            seed = Seed(with_images=not options["no_images"]).load()
        if options["publications"]:
            bulk.generate(
                options["publications"], seed, self.stdout.write, workers=options["workers"]
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content ready ({PublicationPage.objects.count()} publications, "
                f"{time.monotonic() - started:.1f}s)."
            )
        )
