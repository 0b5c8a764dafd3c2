"""Menus get a draft state (a translation is published once its links are rewritten);
Editors and Moderators, who run the menus, may publish them. Alias pages that stand in for
an untranslated page of another language are unpublished: they showed that language."""

import django.db.models.deletion
from django.db import migrations, models


def grant_publish(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="bcsp_site", model="navigationmenu"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="publish_navigationmenu",
        defaults={"name": "Can publish navigationmenu"},
    )
    for group in Group.objects.filter(name__in=["Editors", "Moderators"]):
        group.permissions.add(permission)


def unpublish_placeholders(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Page.objects.filter(alias_of__isnull=False, live=True).exclude(
        locale_id=models.F("alias_of__locale_id")
    ).update(live=False)


class Migration(migrations.Migration):
    dependencies = [
        ("bcsp_site", "0006_menu_and_settings_permissions"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="navigationmenu",
            name="expire_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expiry date/time"),
        ),
        migrations.AddField(
            model_name="navigationmenu",
            name="expired",
            field=models.BooleanField(default=False, editable=False, verbose_name="expired"),
        ),
        migrations.AddField(
            model_name="navigationmenu",
            name="first_published_at",
            field=models.DateTimeField(
                blank=True, db_index=True, null=True, verbose_name="first published at"
            ),
        ),
        migrations.AddField(
            model_name="navigationmenu",
            name="go_live_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="go live date/time"),
        ),
        migrations.AddField(
            model_name="navigationmenu",
            name="has_unpublished_changes",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="has unpublished changes"
            ),
        ),
        migrations.AddField(
            model_name="navigationmenu",
            name="last_published_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="last published at"),
        ),
        migrations.AddField(
            model_name="navigationmenu",
            name="latest_revision",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="wagtailcore.revision",
                verbose_name="latest revision",
            ),
        ),
        migrations.AddField(
            model_name="navigationmenu",
            name="live",
            field=models.BooleanField(default=True, editable=False, verbose_name="live"),
        ),
        migrations.AddField(
            model_name="navigationmenu",
            name="live_revision",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="wagtailcore.revision",
                verbose_name="live revision",
            ),
        ),
        migrations.AlterField(
            model_name="navigationmenu",
            name="location",
            field=models.CharField(
                choices=[("header", "Header menu"), ("footer", "Footer links")],
                help_text="Where the links are shown. Each language has its own menu for each place; until a language's header menu is published, the header lists the home page's subpages marked 'Show in menus'.",
                max_length=20,
            ),
        ),
        migrations.RunPython(grant_publish, migrations.RunPython.noop),
        migrations.RunPython(unpublish_placeholders, migrations.RunPython.noop),
    ]
