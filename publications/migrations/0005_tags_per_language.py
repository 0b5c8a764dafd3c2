"""Taggings point at publication tags, and every page carries tags of its own language.

A tag that pages of several languages shared (e.g. "COVID-19" on English and Serbian pages)
stays with the default language's pages; each other language gets its own copy, linked to it
by translation key and marked as needing translation, and its pages are tagged with that.
taggit's tags that were copied in 0004 and that nothing uses any more are deleted.

Going back re-creates taggit's tags from the publication tags (one per name) and points the
taggings at them again; it stops with an error when an id is needed that taggit now uses for
another tag.
"""

import django.db.models.deletion
from django.core.management.color import no_style
from django.db import migrations, models

import publications.tags


def tags_per_language(apps, schema_editor):
    PublicationTag = apps.get_model("publications", "PublicationTag")
    PublicationPageTag = apps.get_model("publications", "PublicationPageTag")

    mismatched = PublicationPageTag.objects.exclude(
        tag__locale_id=models.F("content_object__locale_id")
    ).values_list("pk", "tag_id", "content_object__locale_id")
    by_counterpart = {}
    for tagging_id, tag_id, locale_id in mismatched:
        by_counterpart.setdefault((tag_id, locale_id), []).append(tagging_id)
    for (tag_id, locale_id), tagging_ids in by_counterpart.items():
        tag = PublicationTag.objects.get(pk=tag_id)
        counterpart, _created = PublicationTag.objects.get_or_create(
            translation_key=tag.translation_key,
            locale_id=locale_id,
            defaults={"name": tag.name, "slug": tag.slug, "needs_translation": True},
        )
        PublicationPageTag.objects.filter(pk__in=tagging_ids).update(tag_id=counterpart.pk)

    Tag = apps.get_model("taggit", "Tag")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    Tag.objects.filter(pk__in=PublicationTag.objects.values("pk")).exclude(
        pk__in=TaggedItem.objects.values("tag_id")
    ).delete()


def back_to_shared_tags(apps, schema_editor):
    PublicationTag = apps.get_model("publications", "PublicationTag")
    PublicationPageTag = apps.get_model("publications", "PublicationPageTag")
    Tag = apps.get_model("taggit", "Tag")

    used = PublicationTag.objects.filter(
        pk__in=PublicationPageTag.objects.values("tag_id")
    ).order_by("pk")
    shared_by_name = {}
    for tag in used:
        shared = shared_by_name.get(tag.name)
        if shared is None:
            existing = Tag.objects.filter(pk=tag.pk).first()
            if existing is not None and existing.name != tag.name:
                raise RuntimeError(
                    f"Cannot go back: taggit's tag {tag.pk} is now {existing.name!r}, "
                    f"not {tag.name!r}."
                )
            shared = existing or Tag.objects.filter(name=tag.name).first()
            if shared is None:
                slug = tag.slug
                if Tag.objects.filter(slug=slug).exists():
                    slug = f"{slug}_{tag.pk}"
                shared = Tag.objects.create(pk=tag.pk, name=tag.name, slug=slug)
            shared_by_name[tag.name] = shared
        if shared.pk != tag.pk:
            PublicationPageTag.objects.filter(tag_id=tag.pk).update(tag_id=shared.pk)
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Tag]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0004_publicationtag"),
    ]

    operations = [
        migrations.AlterField(
            model_name="publicationpagetag",
            name="tag",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="publication_links",
                to="publications.publicationtag",
            ),
        ),
        migrations.AlterField(
            model_name="publicationpage",
            name="tags",
            field=publications.tags.TagsInPageLanguage(
                blank=True,
                help_text=(
                    "Topics such as 'surveillance'. Each tag gets its own page. Only this "
                    "language's tags are offered; a new name makes a new tag in this language."
                ),
                through="publications.PublicationPageTag",
                to="publications.PublicationTag",
                verbose_name="Tags",
            ),
        ),
        migrations.RunPython(tags_per_language, back_to_shared_tags),
    ]
