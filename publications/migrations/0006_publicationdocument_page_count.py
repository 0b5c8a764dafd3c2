from django.db import migrations, models


def count_pages(apps, schema_editor):
    """Count the pages of the PDFs uploaded before documents kept their page count, and
    fill in any missing file size."""
    from publications.pdf import pdf_page_count

    documents = apps.get_model("publications", "PublicationDocument")
    for document in documents.objects.filter(page_count__isnull=True).iterator():
        if not document.file.name.lower().endswith(".pdf"):
            continue
        document.page_count = pdf_page_count(document.file)
        if document.file_size is None:
            try:
                document.file_size = document.file.size
            except OSError:
                pass
        document.save(update_fields=["page_count", "file_size"])


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0005_tags_per_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="publicationdocument",
            name="page_count",
            field=models.PositiveIntegerField(
                blank=True,
                editable=False,
                help_text="Pages in the PDF, counted when the file is uploaded.",
                null=True,
            ),
        ),
        migrations.RunPython(count_pages, migrations.RunPython.noop, elidable=True),
    ]
