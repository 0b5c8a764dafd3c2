"""The admin groups, each with only the permissions its work needs.

- Editors write and edit pages, images, documents, publication kinds and redirects.
- Moderators also publish pages and moderate reader comments (they see commenters' emails).
- Newsletter managers handle subscribers and bulletins (they see subscribers' emails).

Wagtail's own migrations create "Editors" and "Moderators" with page, image and document
permissions; this adds what the project's apps need and creates "Newsletter managers".
Permissions are created here if the post-migrate signal has not made them yet.
"""

from django.db import migrations

ADMIN = ("wagtailadmin", "admin", ["access_admin"])
DOCUMENTS = ("publications", "publicationdocument", ["add", "change", "delete", "choose"])
IMAGES = ("wagtailimages", "image", ["add", "change", "delete", "choose"])
KINDS = ("publications", "publicationkind", ["add", "change", "delete", "view"])
REDIRECTS = ("wagtailredirects", "redirect", ["add", "change", "delete"])
COMMENTS = ("comments", "comment", ["moderate"])
SUBSCRIBERS = ("newsletter", "subscriber", ["view", "change", "delete", "export"])
BULLETINS = ("newsletter", "bulletin", ["add", "change", "delete", "view", "send"])

EDITOR_PAGE_ACTIONS = ["add", "change", "lock", "unlock"]
MODERATOR_PAGE_ACTIONS = ["add", "change", "publish", "bulk_delete", "lock", "unlock"]

GROUPS = {
    "Editors": {
        "model": [ADMIN, KINDS, REDIRECTS],
        "collection": [DOCUMENTS, IMAGES],
        "page": EDITOR_PAGE_ACTIONS,
    },
    "Moderators": {
        "model": [ADMIN, KINDS, REDIRECTS, COMMENTS],
        "collection": [DOCUMENTS, IMAGES],
        "page": MODERATOR_PAGE_ACTIONS,
    },
    "Newsletter managers": {
        "model": [ADMIN, SUBSCRIBERS, BULLETINS],
        "collection": [],
        "page": [],
    },
}


def codename(action, model):
    if action == "access_admin":
        return action
    return f"{action}_{model}"


def get_permission(apps, app_label, model, action):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    name = codename(action, model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=name,
        defaults={"name": f"Can {action.replace('_', ' ')} {model}"},
    )
    return permission


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()

    for group_name, spec in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for app_label, model, actions in spec["model"]:
            for action in actions:
                group.permissions.add(get_permission(apps, app_label, model, action))
        if root_collection is not None:
            for app_label, model, actions in spec["collection"]:
                for action in actions:
                    GroupCollectionPermission.objects.get_or_create(
                        group=group,
                        collection=root_collection,
                        permission=get_permission(apps, app_label, model, action),
                    )
        if root_page is not None:
            for action in spec["page"]:
                GroupPagePermission.objects.get_or_create(
                    group=group,
                    page=root_page,
                    permission=get_permission(apps, "wagtailcore", "page", action),
                )


class Migration(migrations.Migration):
    dependencies = [
        ("bcsp_site", "0003_create_home_page"),
        ("comments", "0001_initial"),
        ("newsletter", "0001_initial"),
        ("publications", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailredirects", "0008_add_verbose_name_plural"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
