"""Wagtail's database search backend, which on PostgreSQL also writes the public search's
own rows (PublicationSearchEntry) whenever it indexes a publication.

Settings name this module as the backend (``SEARCH_BACKEND=database``, the default). On
other databases it is Wagtail's database backend unchanged, and the search reads Wagtail's
index (publications.search). Hooking the backend rather than signals catches every way a
publication reaches the index: saving and publishing (through Wagtail's indexing task),
``update_index``, the bulk generator and the PDF-text task.
"""

from django.db import connection
from wagtail.search.backends.database import SearchBackend as database_backend
from wagtail.search.backends.database.postgres.postgres import (
    PostgresIndex,
    PostgresSearchBackend,
)
from wagtail.search.models import IndexEntry

from .models import PublicationPage, PublicationSearchEntry

# The row is built in SQL from the entry Wagtail has just written: its `title` and `body`
# vectors together are everything the publication is found by, and ts_filter() keeps the
# heavier-weighted part (title, authors, topics, summary: weights A-C; the body is D) that
# ranking reads. Live, language, kind and date are read from the page as committed.
WRITE_ENTRIES = f"""
    INSERT INTO {PublicationSearchEntry._meta.db_table}
        (page_id, locale_id, live, kind_id, publication_date, year, document, headline)
    SELECT publication.page_ptr_id, page.locale_id, page.live, publication.kind_id,
        publication.publication_date, EXTRACT(YEAR FROM publication.publication_date),
        entry.title || entry.body,
        ts_filter(entry.title || entry.body, '{{a,b,c}}')
    FROM {PublicationPage._meta.db_table} publication
    JOIN wagtailcore_page page ON page.id = publication.page_ptr_id
    JOIN {IndexEntry._meta.db_table} entry
        ON entry.content_type_id = page.content_type_id
        AND entry.object_id = publication.page_ptr_id::varchar(50)
    WHERE %s OR publication.page_ptr_id = ANY(%s)
    ON CONFLICT (page_id) DO UPDATE SET
        locale_id = EXCLUDED.locale_id, live = EXCLUDED.live, kind_id = EXCLUDED.kind_id,
        publication_date = EXCLUDED.publication_date, year = EXCLUDED.year,
        document = EXCLUDED.document,
        headline = EXCLUDED.headline
"""  # noqa: S608 - table names from the models; values go as parameters


def write_entries(cursor, page_ids=None):
    """Write the search entries of these publications (of every publication: None) from
    Wagtail's index entries."""
    cursor.execute(WRITE_ENTRIES, [page_ids is None, list(page_ids or ())])


class PublicationsPostgresIndex(PostgresIndex):
    def add_items(self, model, objs):
        super().add_items(model, objs)
        if issubclass(model, PublicationPage) and objs:
            with self.write_connection.cursor() as cursor:
                write_entries(cursor, [obj.pk for obj in objs])

    def reset(self):
        super().reset()
        PublicationSearchEntry.objects.all()._raw_delete(using=self.write_connection.alias)

    def delete_item(self, item):
        super().delete_item(item)
        if isinstance(item, PublicationPage):
            PublicationSearchEntry.objects.using(self.write_connection.alias).filter(
                page_id=item.pk
            ).delete()


class PublicationsPostgresSearchBackend(PostgresSearchBackend):
    index_class = PublicationsPostgresIndex


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks for in a backend module
    if connection.vendor == "postgresql":
        return PublicationsPostgresSearchBackend(params)
    return database_backend(params)


def uses_search_entries(backend):
    """Whether `backend` keeps PublicationSearchEntry rows (the public search reads them)."""
    return isinstance(backend, PublicationsPostgresSearchBackend)
