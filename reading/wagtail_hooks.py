from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .reports import ReadingFiguresReport, may_see_figures


class ReadingFiguresMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_figures(request.user)


@hooks.register("register_reports_menu_item")
def reading_figures_menu_item():
    return ReadingFiguresMenuItem(
        _("Reading figures"), reverse("reading_report"), icon_name="view", order=50
    )


@hooks.register("register_admin_urls")
def reading_figures_urls():
    return [
        path("reports/reading/", ReadingFiguresReport.as_view(), name="reading_report"),
        path(
            "reports/reading/results/",
            ReadingFiguresReport.as_view(results_only=True),
            name="reading_report_results",
        ),
    ]


@hooks.register("register_permissions")
def reading_figures_permission():
    """Offered under "Other permissions" when editing a group."""
    return Permission.objects.filter(
        content_type__app_label="reading", codename="view_reading_figures"
    )
