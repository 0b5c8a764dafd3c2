"""The header menu: the home page's children marked "show in menus", cached per language.

Building it costs two queries (the home page in this language, its children), so it is
cached and dropped whenever a page is published, unpublished, moved or deleted.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

CACHE_KEY = "navigation:main:{site_id}:{language}"


def main_menu(request):
    """[(title, url)] for the current site and language."""
    site = Site.find_for_request(request)
    if site is None:
        return []
    try:
        language = get_supported_content_language_variant(translation.get_language())
    except LookupError:
        language = settings.LANGUAGE_CODE
    key = CACHE_KEY.format(site_id=site.pk, language=language)
    items = cache.get(key)
    if items is None:
        items = _build_menu(site, language)
        cache.set(key, items, 60 * 60)
    return items


def _build_menu(site, language):
    from .models import PublicPageQuerySet

    translations = Page.objects.filter(translation_key=site.root_page.translation_key)
    home = translations.filter(locale__language_code=language).first() or site.root_page
    pages = (
        PublicPageQuerySet(Page)
        .child_of(home)
        .live()
        .public()
        .in_menu()
        .only("title", "url_path", "locale_id")
    )
    items = [(gettext("Home"), home.get_url(current_site=site))]
    items += [(page.title, page.get_url(current_site=site)) for page in pages]
    return items


def clear_menu_cache(**kwargs):
    keys = [
        CACHE_KEY.format(site_id=site_id, language=code)
        for site_id in Site.objects.values_list("pk", flat=True)
        for code, _name in settings.LANGUAGES
    ]
    cache.delete_many(keys)


for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
    signal.connect(clear_menu_cache, dispatch_uid=f"navigation-{signal!r}")


@receiver(post_delete, dispatch_uid="navigation-delete")
def _clear_on_delete(sender, **kwargs):
    if isinstance(sender, type) and issubclass(sender, Page):
        clear_menu_cache()
