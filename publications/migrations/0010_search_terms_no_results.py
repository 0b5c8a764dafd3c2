"""Search curation: a daily count of searches that found nothing, beside
wagtail.contrib.search_promotions' daily count of searches; Editors and Moderators may
manage promoted search results (editors' picks)."""

import django.db.models.deletion
from django.db import migrations, models

PROMOTION_PERMISSIONS = ("add", "change", "delete")


def grant_promotions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailsearchpromotions", model="searchpromotion"
    )
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_searchpromotion",
            defaults={"name": f"Can {action} search promotion"},
        )[0]
        for action in PROMOTION_PERMISSIONS
    ]
    for group in Group.objects.filter(name__in=["Editors", "Moderators"]):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("bcsp_site", "0004_editorial_groups"),  # the groups given the permissions
        ("publications", "0009_documents_storage"),
        ("wagtailsearchpromotions", "0008_query_verbose_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="NoResultsDailyHits",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                ("hits", models.PositiveIntegerField(default=0)),
                (
                    "query",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="no_results_daily",
                        to="wagtailsearchpromotions.query",
                    ),
                ),
            ],
            options={
                "verbose_name": "searches without results on a day",
                "verbose_name_plural": "searches without results by day",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("query", "date"), name="unique_no_results_per_day"
                    )
                ],
            },
        ),
        migrations.RunPython(grant_promotions, migrations.RunPython.noop),
    ]
