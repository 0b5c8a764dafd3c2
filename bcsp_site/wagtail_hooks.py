"""Admin menus (one per place and language), the dashboard panels, the style guide under
Help, the page-cache hook on serving pages, the rule that keeps documents linked
only from private pages private, and the second sign-in step's pages and links."""

from django.db.models import Count
from django.urls import include, path, reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, LiveStatusTagColumn, LocaleColumn
from wagtail.admin.widgets.button import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import translating  # noqa: F401  (registers the translation editor's hooks)
from .caching.page_cache import mark_cacheable
from .core.documents import private_pages_rule
from .dashboard import dashboard_panels
from .models import NavigationMenu
from .signin import urls as signin_urls


class NavigationMenuViewSet(SnippetViewSet):
    model = NavigationMenu
    icon = "list-ul"
    menu_label = _("Menus")
    menu_name = "menus"
    menu_order = 220
    add_to_admin_menu = True
    base_url_path = "menus"
    copy_view_enabled = False
    list_display = [
        "__str__",
        LocaleColumn(),
        Column("link_count", label=_("Links"), accessor="link_count"),
        LiveStatusTagColumn(),
    ]
    list_filter = ["location"]

    def get_queryset(self, request):
        return NavigationMenu.objects.annotate(link_count=Count("items"))


register_snippet(NavigationMenuViewSet)


@hooks.register("before_serve_page", order=100)
def share_public_pages(page, request, serve_args, serve_kwargs):
    """Every page's answer (its routes and feeds too) is the same for all anonymous visitors.

    Pages behind a view restriction still never reach a shared cache: Wagtail sends them
    with ``Cache-Control: private, no-store``, which ``bcsp_site.caching.page_cache`` respects.
    """
    mark_cacheable(request)


@hooks.register("construct_homepage_panels")
def add_dashboard_panels(request, panels):
    """Comments to moderate, translations in progress and the e-bulletin (see dashboard)."""
    panels.extend(dashboard_panels())


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_staff


@hooks.register("register_help_menu_item")
def register_styleguide_menu_item():
    """The living style guide (bcsp_site.styleguide), in the admin's language."""
    return StaffMenuItem(
        _("Style guide"),
        reverse_lazy("styleguide"),
        name="styleguide",
        icon_name="doc-full",
        order=900,
        attrs={"target": "_blank", "rel": "noopener"},
    )


# Documents linked only from private pages are as private as those pages.
hooks.register("before_serve_document", private_pages_rule)


@hooks.register("register_admin_urls")
def register_signin_urls():
    return [path("", include(signin_urls))]


@hooks.register("register_admin_urls")
def register_footnote_chooser():
    """wagtail-footnotes' chooser (the "Fn" control's dialog), inside the admin: the
    library's own view answers anyone, at /footnotes/, which the site's urls send here."""
    return [
        path(
            "footnotes/chooser/",
            TemplateView.as_view(template_name="wagtail_footnotes/admin/footnotes_modal.html"),
            name="footnote_chooser",
        )
    ]


@hooks.register("register_account_menu_item")
def two_step_verification_settings(request):
    return {
        "url": reverse("signin_settings"),
        "label": _("Two-step verification"),
        "help_text": _(
            "Set up or change the authenticator app, recovery codes and passkeys you sign in with."
        ),
    }


@hooks.register("register_user_listing_buttons")
def reset_two_step_verification(user, request_user):
    if request_user.is_superuser:
        yield Button(
            _("Reset two-step verification"),
            reverse("signin_reset", args=[user.pk]),
            icon_name="key",
            priority=90,
        )
