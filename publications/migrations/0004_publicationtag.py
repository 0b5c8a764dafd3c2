"""Publication tags get a model of their own, with a language, filled from taggit's tags.

Each taggit tag used by publications (or by nothing at all) becomes a publication tag with the
same id, name and slug, so every existing tagging and address stays valid: in the site's
default language (English) when an English page uses it or nothing does, otherwise in the
language of the pages that use it (a tag used only on Serbian pages becomes Serbian). Tags
used only by images and documents stay taggit's. 0005 points the taggings at the new model
and gives pages of other languages tags of their own.
"""

import uuid
from collections import defaultdict

import django.db.models.deletion
from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations, models


def default_locale(Locale):
    return (
        Locale.objects.filter(language_code=settings.LANGUAGE_CODE).first()
        or Locale.objects.order_by("pk").first()
    )


def copy_tags(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    Locale = apps.get_model("wagtailcore", "Locale")
    PublicationTag = apps.get_model("publications", "PublicationTag")
    PublicationPageTag = apps.get_model("publications", "PublicationPageTag")

    languages = defaultdict(set)  # tag id → ids of the locales of the pages using it
    for tag_id, locale_id in PublicationPageTag.objects.values_list(
        "tag_id", "content_object__locale_id"
    ):
        languages[tag_id].add(locale_id)
    used_elsewhere = set(TaggedItem.objects.values_list("tag_id", flat=True))
    default = default_locale(Locale)
    tags = [
        tag
        for tag in Tag.objects.order_by("pk")
        if tag.pk in languages or tag.pk not in used_elsewhere
    ]
    if not tags:
        return
    if default is None:
        default = Locale.objects.create(language_code=settings.LANGUAGE_CODE)

    def language_of(tag):
        used_in = languages.get(tag.pk)
        if not used_in or default.pk in used_in:
            return default.pk
        return min(used_in)

    PublicationTag.objects.bulk_create(
        PublicationTag(
            pk=tag.pk,
            name=tag.name,
            slug=tag.slug,
            translation_key=uuid.uuid4(),
            locale_id=language_of(tag),
        )
        for tag in tags
    )
    # The ids were given, so move the table's id sequence past them (PostgreSQL).
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [PublicationTag]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0003_search_text_index"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicationTag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("translation_key", models.UUIDField(default=uuid.uuid4, editable=False)),
                (
                    "name",
                    models.CharField(
                        help_text=(
                            "As readers see it on publications and the tag's page, "
                            "e.g. 'surveillance'."
                        ),
                        max_length=100,
                        verbose_name="name",
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        allow_unicode=True,
                        blank=True,
                        help_text=(
                            "The end of the tag page's address, e.g. 'surveillance' for "
                            "/en/publications/tags/surveillance/. Leave empty to make it from "
                            "the name."
                        ),
                        max_length=100,
                        verbose_name="slug",
                    ),
                ),
                (
                    "needs_translation",
                    models.BooleanField(
                        default=False,
                        help_text=(
                            "Made from the tag in another language when a page was "
                            "translated, and still under that language's name. Giving the tag "
                            "a new name clears this; untick it if the name is right as it is."
                        ),
                        verbose_name="needs translation",
                    ),
                ),
                (
                    "locale",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="wagtailcore.locale",
                        verbose_name="locale",
                    ),
                ),
            ],
            options={
                "verbose_name": "tag",
                "verbose_name_plural": "tags",
                "abstract": False,
                "unique_together": {("translation_key", "locale")},
                "constraints": [
                    models.UniqueConstraint(
                        fields=("locale", "name"), name="unique_tag_name_per_locale"
                    ),
                    models.UniqueConstraint(
                        fields=("locale", "slug"), name="unique_tag_slug_per_locale"
                    ),
                ],
            },
        ),
        migrations.RunPython(copy_tags, migrations.RunPython.noop),
    ]
