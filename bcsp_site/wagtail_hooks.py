"""The menus in the Wagtail admin: one per place (header, footer) and language."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import NavigationMenu


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
        Column("link_count", label=_("Links"), accessor="link_count"),
    ]
    list_filter = ["location"]

    def get_queryset(self, request):
        return NavigationMenu.objects.annotate(link_count=Count("items"))


register_snippet(NavigationMenuViewSet)
