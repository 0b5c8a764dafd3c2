from django.db import migrations

# What a keyword search costs on PostgreSQL grows with what it matches, not with the size of
# the resource base, if every step from a match to its facets is an index lookup:
#
# - Wagtail's search joins its index entries to pages on `object_id`, a text column, by
#   casting each page's id to text. Without an index on that cast PostgreSQL reads every
#   publication to find the few a search matched (a hash join over all 100,000). The index
#   also carries what the facet counts read (kind, date), and the page table's index what
#   every search filters on (live, language), so both lookups are index-only.
# - The GIN indexes of the search vectors are written at once rather than through a pending
#   list ("fastupdate"): a list that every search reads in full until a vacuum merges it (it
#   made a search five times slower after 100,000 publications were added). Publishing is
#   rare and can afford the slower write.
INDEXES = {
    "publication_id_as_text": (
        "publications_publicationpage (((page_ptr_id)::varchar(50))) "
        "INCLUDE (page_ptr_id, kind_id, publication_date)"
    ),
    "page_live_locale_by_id": "wagtailcore_page (id) INCLUDE (live, locale_id)",
}
GIN_INDEXES = ("bcsp_search_title_body_gin",)


def gin_indexes(schema_editor):
    """Ours, and the GIN indexes of Wagtail's search table, whatever it named them."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'wagtailsearch_indexentry' "
            "AND indexdef LIKE '%%USING gin%%'"
        )
        return sorted({*GIN_INDEXES, *(name for (name,) in cursor.fetchall())})


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")
    for name in gin_indexes(schema_editor):
        schema_editor.execute(f'ALTER INDEX "{name}" SET (fastupdate = off)')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name in gin_indexes(schema_editor):
        schema_editor.execute(f'ALTER INDEX "{name}" RESET (fastupdate)')


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0012_publicationpage_body_footnotes"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
