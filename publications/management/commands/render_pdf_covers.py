from django.core.management.base import BaseCommand
from wagtail.documents import get_document_model

from publications.covers import render_pdf_cover


class Command(BaseCommand):
    help = (
        "Queue the drawing of the first page of every PDF document that has no picture of it "
        "yet (the cover of publications without a cover image); --all draws them all again. "
        "Only queues tasks (the task worker draws them); each replaces a document's old "
        "picture only once the new one is stored, and changes nothing else."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="Draw every PDF's first page again, also those that have a picture already.",
        )

    def handle(self, *args, **options):
        documents = get_document_model().objects.filter(file__iendswith=".pdf")
        if not options["all"]:
            documents = documents.filter(first_page_image__isnull=True)
        queued = 0
        for document_id in documents.order_by("pk").values_list("pk", flat=True).iterator():
            render_pdf_cover.enqueue(document_id)
            queued += 1
        self.stdout.write(f"Queued the first pages of {queued} PDF documents.")
