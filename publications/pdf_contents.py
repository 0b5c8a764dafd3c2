"""A PDF's text and page count, read in the background once the document is saved.

Saving a document (the admin's upload, multiple upload and file replacement, code, the
archive import) never parses the file: PublicationDocument.save empties the text and page
count of a new file and queues read_pdf_contents once the save commits, naming the file and
the SHA-1 of its bytes. The task copies the file out of its storage, reads it in a child
process under limits (publications.pdf_sandbox), and stores the result with one UPDATE on
the condition that the document still holds that very file: a task queued for a file that
was replaced meanwhile (even by one stored under the same name) changes nothing, and the
newer file's own task fills it in. Then the document and the publications that attach it
are indexed again for search, and the pages that show its page count are refreshed.

Until the task has run a document has no text and no page count: search does not find it
by its contents yet, and the download button leaves the pages out. Running the task twice
stores the same again.
"""

import logging

from django.db import transaction
from django_tasks import task
from wagtail.documents import get_document_model
from wagtail.search import index

from bcsp_site.caching.generation import start_new_generation
from bcsp_site.caching.purge import purge_urls

from .pdf_sandbox import NO_CONTENTS, local_copy, read_pdf_text

logger = logging.getLogger("bcsp.publications")


@task()
def read_pdf_contents(document_id, file_name, file_hash):
    """Read the text and page count of document `document_id`'s file, if it still holds
    `file_name` with bytes of SHA-1 `file_hash`. Returns whether anything was stored."""
    documents = get_document_model().objects
    document = documents.filter(pk=document_id).first()
    if not (document and document.file.name == file_name and document.file_hash == file_hash):
        return False  # deleted or replaced meanwhile: the newer file's own task reads it
    contents = NO_CONTENTS
    if document.is_pdf:
        with local_copy(document.file) as (folder, digest):
            if file_hash and digest != file_hash:
                return False  # another file under the same name: its own task reads it
            # The slow part, outside any transaction.
            contents = read_pdf_text(folder, file_name)
    stored = documents.filter(pk=document_id, file=file_name, file_hash=file_hash).update(
        extracted_text=contents.text, page_count=contents.page_count
    )
    if not stored:
        return False
    document.extracted_text, document.page_count = contents
    index.insert_or_update_object(document)
    document.reindex_publications()
    # The download button shows the page count: pages kept before it was known go stale.
    start_new_generation()
    purge_urls(document.publication_urls())
    return True


def enqueue_pdf_reading(document):
    """Queue read_pdf_contents for `document`'s current file once the transaction commits."""
    arguments = (document.pk, document.file.name, document.file_hash)
    transaction.on_commit(lambda: read_pdf_contents.enqueue(*arguments))
