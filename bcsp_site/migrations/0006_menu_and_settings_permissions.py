"""Editors and Moderators run the menus; Moderators also edit the organisation's settings."""

from django.db import migrations

MENUS = ("bcsp_site", "navigationmenu", ["add", "change", "delete", "view"])
ORGANISATION = ("bcsp_site", "organisationsettings", ["change"])

GRANTS = {"Editors": [MENUS], "Moderators": [MENUS, ORGANISATION]}


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for app_label, model, actions in grants:
            content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
            for action in actions:
                permission, _ = Permission.objects.get_or_create(
                    content_type=content_type,
                    codename=f"{action}_{model}",
                    defaults={"name": f"Can {action} {model}"},
                )
                group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("bcsp_site", "0005_site_pages_menus_and_texts"),
        ("bcsp_site", "0004_editorial_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
