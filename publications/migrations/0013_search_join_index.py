from django.db import migrations

# Wagtail's PostgreSQL search joins its index entries to pages on `object_id`, a text column,
# by casting each page's id to text. Without an index on that cast, PostgreSQL reads every
# publication to find the few a search matched: a cost that grows with the resource base
# (a hash join over all 10,000 rows at 10,000 publications, ten times that at 100,000). With
# it, each match is looked up by index, and a search costs what its matches cost.
INDEX = "publication_id_as_text"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON publications_publicationpage "
        "(((page_ptr_id)::varchar(50)))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("publications", "0012_publicationpage_body_footnotes")]

    operations = [migrations.RunPython(create_index, drop_index)]
