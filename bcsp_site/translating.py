"""When a translation made in the admin reaches visitors: only once it is translated.

wagtail-localize, left to itself, publishes the Serbian copy the moment "Translate this page"
makes it (still in English), writes the source's current text over translations that are
already published whenever their source is submitted again (translating a page submits its
kind too; translating a section submits every page in it), lets "Publish in …" and "Sync
translated pages › Publish immediately" publish the source's text wherever a segment is not
translated yet, and makes live "alias" copies of untranslated parent pages. Here:

- New translations are drafts: WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE = False in the
  settings (wagtail-localize's own switch).
- Submitting a source again leaves its published translations alone
  (``DraftTranslationCreator``, used by the submit views below).
- A translation is published only when every segment is translated and the objects it links
  to (its kind) are translated and published (``untranslated_fields``): the translation
  editor's "Publish in …" says what is left instead, and "Sync translated pages" publishes
  only the published translations that are complete and tells which wait for a translator.
- A page standing in for an untranslated page of another language (an alias) is never live
  (``keep_placeholders_unpublished``), so visitors get a 404 there instead of the original
  language.

wagtail-localize offers no setting for the last three, so its submit and update views are
replaced by subclasses on the same addresses (``register_admin_urls`` below), and the
publish button of its translation editor is checked first (``before_edit_page``). Tests in
tests/site/test_translation_drafts.py pin the wagtail-localize behaviour this relies on.
"""

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import transaction
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.models import DraftStateMixin, Page
from wagtail_localize.models import RelatedObjectSegment, StringSegment, Translation
from wagtail_localize.operations import TranslationCreator
from wagtail_localize.tasks import background
from wagtail_localize.views import submit_translations, update_translations

from .core.footnotes import REFERENCE_MARKER


def is_public(instance):
    """Do visitors see this object? A page or a draftable snippet when live; other objects
    exist only in public."""
    if isinstance(instance, DraftStateMixin):  # pages too
        return bool(instance.live)
    return True


def has_public_translation(instance, locale):
    translation = instance.get_translation_or_none(locale)
    return translation is not None and is_public(translation)


def untranslated_fields(translation):
    """Names of the fields of `translation` that would still show the source language: text
    segments not translated, linked objects (a publication's kind) with no published
    translation, and what the translated object itself reports (`untranslated_parts()`: a
    publication's tags still to be named). Empty when the translation is complete."""
    source = translation.source
    locale = translation.target_locale
    paths = list(
        StringSegment.objects.filter(source=source)
        .annotate_translation(locale)
        .filter(translation__isnull=True)
        # A footnote tag's "[abcdef]" is no prose (the page shows a number there): it keeps
        # the source's text, so an empty one is not left to translate.
        .exclude(string__data__regex=REFERENCE_MARKER)
        .order_by("order")
        .values_list("context__path", flat=True)
    )
    for segment in (
        RelatedObjectSegment.objects.filter(source=source)
        .select_related("object", "context")
        .order_by("order")
    ):
        linked = segment.object.get_instance_or_none(locale)
        if linked is None or not is_public(linked):
            paths.append(segment.context.path)
    model = source.specific_content_type.model_class()
    labels = [field_label(model, path) for path in paths]
    if hasattr(model, "untranslated_parts"):
        try:
            labels += source.get_translated_instance(locale).untranslated_parts()
        except ObjectDoesNotExist:
            pass  # not made yet: nothing of it can be published
    return list(dict.fromkeys(labels))


def field_label(model, path):
    """ "body.<block id>.text" → "Body", in the admin's language."""
    name = path.split(".", 1)[0]
    try:
        return capfirst(str(model._meta.get_field(name).verbose_name))
    except (FieldDoesNotExist, AttributeError):  # gone, or a child relation: its name
        return capfirst(name.replace("_", " "))


def publish_if_complete(translation, user):
    """Publish `translation` if nothing in it is left untranslated; return what is left."""
    missing = untranslated_fields(translation)
    if not missing:
        translation.save_target(user=user, publish=True)
    return missing


# "Translate this page" / "Translate": drafts, and published translations left alone ------


class DraftTranslationCreator(TranslationCreator):
    """wagtail-localize's TranslationCreator, skipping the languages in which the object
    already has a published translation.

    It submits the object and the objects it links to (a publication's kind) for every
    language asked for, and saves each translation from the source's current text, falling
    back to the source language for what is not translated. Done to a published translation,
    that puts the untranslated text live: wagtail-localize writes a page's translation to the
    page itself, not only to a draft revision. Published translations are brought up to date
    by their translators instead, through the translation editor or "Sync translated pages".
    """

    def __init__(self, user, target_locales):
        super().__init__(user, target_locales)
        self.requested_locales = list(target_locales)

    def create_translations(self, instance, include_related_objects=True):
        outer_locales = self.target_locales
        self.target_locales = [
            locale
            for locale in self.requested_locales
            if not has_public_translation(instance, locale)
        ]
        try:
            super().create_translations(instance, include_related_objects)
        finally:
            self.target_locales = outer_locales


# The same as wagtail_localize.operations.translate_object / translate_page_subtree, with
# DraftTranslationCreator.
@transaction.atomic
def translate_object(instance, locales, components=None, user=None):
    translator = DraftTranslationCreator(user, locales)
    translator.create_translations(instance)
    if components is not None:
        components.save(translator, sources_and_translations=translator.mappings)


@transaction.atomic
def translate_page_subtree(page_id, locales, components, user):
    page = Page.objects.get(id=page_id)
    translator = DraftTranslationCreator(user, locales)

    def walk(current_page):
        for child_page in current_page.get_children():
            translator.create_translations(child_page)
            if child_page.numchild:
                walk(child_page)

    walk(page)
    if components is not None:
        components.save(translator, sources_and_translations=translator.mappings)


class SubmitDraftsMixin:
    """The submit views' form_valid (wagtail-localize 1.14), with the functions above."""

    @transaction.atomic
    def form_valid(self, form):
        locales = form.cleaned_data["locales"]
        translate_object(self.object, locales, self.components, self.request.user)
        if isinstance(self.object, Page) and form.cleaned_data["include_subtree"]:
            background.enqueue(
                translate_page_subtree,
                [self.object.id, locales, self.components, self.request.user],
                {},
            )
        single_translated_object = None
        if len(locales) == 1:
            locale_names = locales[0].get_display_name()
            single_translated_object = self.object.get_translation(locales[0])
        else:
            locale_names = _("{} locales").format(len(locales))
        messages.success(self.request, self.get_success_message(locale_names))
        return redirect(
            self.get_success_url() or self.get_default_success_url(single_translated_object)
        )

    def get_success_message(self, locales):
        return "{}. {}".format(
            super().get_success_message(locales),
            _("Visitors see a translation once it is translated and published."),
        )


class SubmitPageTranslationView(SubmitDraftsMixin, submit_translations.SubmitPageTranslationView):
    pass


class SubmitSnippetTranslationView(
    SubmitDraftsMixin, submit_translations.SubmitSnippetTranslationView
):
    pass


# "Sync translated pages": publish only what is complete -----------------------------------


class UpdateTranslationsForm(update_translations.UpdateTranslationsForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publish_translations"].help_text = gettext_lazy(
            "Publish the updated translations that have every field translated. Those with "
            "new text to translate stay as they are until their translator publishes them."
        )


class UpdateTranslationsView(update_translations.UpdateTranslationsView):
    def get_form(self):
        return UpdateTranslationsForm(self.request.POST if self.request.method == "POST" else None)

    @transaction.atomic
    def form_valid(self, form):
        publish = form.cleaned_data["publish_translations"]
        # wagtail-localize's own sync, without its publishing: it brings the source's
        # segments up to date and the translations' view restrictions.
        form.cleaned_data["publish_translations"] = False
        response = super().form_valid(form)
        if publish:
            translations = self.object.translations.filter(enabled=True).select_related(
                "source", "target_locale"
            )
            for translation in translations:
                try:
                    target = translation.get_target_instance()
                except ObjectDoesNotExist:
                    continue
                if not is_public(target):
                    continue  # a draft: its translator publishes it
                missing = publish_if_complete(translation, self.request.user)
                if missing:
                    messages.warning(
                        self.request,
                        _(
                            "'%(title)s' stays as it was in %(language)s until these are "
                            "translated and it is published again: %(fields)s."
                        )
                        % {
                            "title": target,
                            "language": translation.target_locale.get_display_name(),
                            "fields": ", ".join(missing),
                        },
                    )
        return response


@hooks.register("register_admin_urls", order=-1)
def replace_localize_views():
    """Before wagtail-localize's own patterns, on the same addresses (so its links and
    `reverse("wagtail_localize:…")` lead here)."""
    return [
        path(
            "localize/",
            include(
                [
                    path("submit/page/<int:page_id>/", SubmitPageTranslationView.as_view()),
                    path(
                        "submit/snippet/<slug:app_label>/<slug:model_name>/<str:pk>/",
                        SubmitSnippetTranslationView.as_view(),
                    ),
                    path("update/<int:translation_source_id>/", UpdateTranslationsView.as_view()),
                ]
            ),
        )
    ]


# "Publish in …" in the translation editor ------------------------------------------------


def refuse_to_publish_untranslated(request, instance):
    """Answer the translation editor's publish button for an incomplete translation with what
    is left to translate, instead of wagtail-localize publishing it with the source's text."""
    if request.method != "POST" or request.POST.get("action") != "publish":
        return None
    translation = (
        Translation.objects.filter(
            source__object_id=instance.translation_key,
            target_locale_id=instance.locale_id,
            enabled=True,
        )
        .select_related("source", "target_locale")
        .first()
    )
    if translation is None:
        return None
    missing = untranslated_fields(translation)
    if not missing:
        return None
    messages.error(
        request,
        _(
            "'%(title)s' was not published in %(language)s, as these are not translated "
            "yet: %(fields)s."
        )
        % {
            "title": instance,
            "language": translation.target_locale.get_display_name(),
            "fields": ", ".join(missing),
        },
    )
    return redirect(request.get_full_path())


hooks.register("before_edit_page", refuse_to_publish_untranslated, order=-1)
hooks.register("before_edit_snippet", refuse_to_publish_untranslated, order=-1)


# Placeholders of untranslated pages -------------------------------------------------------


def keep_placeholders_unpublished(sender, instance, **kwargs):
    """An alias of a page in another language stands in for a translation not made yet
    (wagtail-localize makes them for untranslated parents of a translated page, and for
    every page when a language is set to synchronise from another). It would show the other
    language under this one's addresses, so it is never live; Wagtail publishes aliases
    whenever their original is published, hence a check on every save."""
    if not isinstance(instance, Page) or not instance.alias_of_id or not instance.live:
        return
    if Page.objects.filter(pk=instance.alias_of_id).exclude(locale_id=instance.locale_id).exists():
        Page.objects.filter(pk=instance.pk).update(live=False)
        instance.live = False
