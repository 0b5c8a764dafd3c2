from django.db import migrations, models

# PostgreSQL only, like the table's rows; GIN indexes written at once, no pending list (0013).
# - The words' indexes hold the kind beside them (btree_gin, a contrib extension every
#   PostgreSQL ships): a search narrowed to a kind then reads only that kind's rows, where
#   filtering after the index read every match's row (13,000 for a topic at 100,000
#   publications, to keep 2,300).
# - Ranking reads the publications whose title, authors, topics or summary hold every word of
#   a query (publications.search): found through the headline's index, not by reading every
#   match's row.
# - A broad query's counts are estimated from the publications whose id is a multiple of 20,
#   or of 200 for the broadest (publications.search.SAMPLE_EVERY, COARSE_SAMPLE_EVERY): their
#   own small indexes find only the sampled matches.
INDEXES = {
    "publication_search_document_gin": "gin (kind_id, document) WITH (fastupdate = off)",
    "publication_search_headline_gin": "gin (kind_id, headline) WITH (fastupdate = off)",
    "publication_search_sample_gin": (
        "gin (document) WITH (fastupdate = off) WHERE ((page_id %% 20) = 0)"
    ),
    "publication_search_coarse_sample_gin": (
        "gin (document) WITH (fastupdate = off) WHERE ((page_id %% 200) = 0)"
    ),
}
# What 0014 made.
DOCUMENT_ONLY = "gin (document) WITH (fastupdate = off)"


def create_index(schema_editor, name, definition):
    schema_editor.execute(
        f"CREATE INDEX {name} ON publications_publicationsearchentry USING {definition}"
    )


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Not Django's BtreeGinExtension: undoing it asks pg_extension on any database.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        schema_editor.execute("DROP INDEX IF EXISTS publication_search_document_gin")
        for name, definition in INDEXES.items():
            create_index(schema_editor, name, definition)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        create_index(schema_editor, "publication_search_document_gin", DOCUMENT_ONLY)
        # btree_gin stays installed: nothing of it is left in use, and dropping an
        # extension could take what others made with it.


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0014_search_entries"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="publicationsearchentry",
            index=models.Index(
                fields=["locale", "-publication_date", "-page"], name="publication_search_by_date"
            ),
        ),
        migrations.AddIndex(
            model_name="publicationsearchentry",
            index=models.Index(
                fields=["locale", "kind", "-publication_date", "-page"],
                name="publication_search_kind_date",
            ),
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
