from django.db import migrations, models

# PostgreSQL only, like the table's rows; GIN indexes written at once, no pending list (0013).
# - Ranking reads the publications whose title, authors, topics or summary hold every word of
#   a query (publications.search): found through the headline's index, not by reading every
#   match's row.
# - A broad query's counts are estimated from the publications whose id is a multiple of 20
#   (publications.search.SAMPLE_EVERY): their own small index finds only the sampled matches.
INDEXES = {
    "publication_search_headline_gin": "gin (headline) WITH (fastupdate = off)",
    "publication_search_sample_gin": (
        "gin (document) WITH (fastupdate = off) WHERE ((page_id %% 20) = 0)"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX {name} ON publications_publicationsearchentry USING {definition}"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


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
        migrations.RunPython(create_indexes, drop_indexes),
    ]
