"""The e-bulletin in the Wagtail admin: subscribers (with counts and CSV export) and bulletins
(with preview, test send, background sending and progress), grouped under one menu item."""

from django.middleware.csrf import get_token
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import HeaderButton, ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    CreateView,
    EditView,
    IndexView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from .admin_views import (
    BulletinPreviewView,
    BulletinSendView,
    SubscriberExportView,
    user_can,
)
from .models import Bulletin, BulletinItem, Subscriber, annotate_progress


class SubscriberPermissionPolicy(ModelPermissionPolicy):
    """Subscribers join only through the double opt-in form, so nobody adds them here."""

    def user_has_permission(self, user, action):
        if action == "add":
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


# Registered before the viewsets below ask for a policy.
register_permission_policy(Subscriber, SubscriberPermissionPolicy(Subscriber))


class SubscriberIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if user_can(self.request.user, Subscriber, "export"):
            buttons.append(
                HeaderButton(
                    _("Export confirmed (CSV)"),
                    url=reverse("newsletter_subscribers:export"),
                    icon_name="download",
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = Subscriber.objects.counts_by_status()
        context["status_counts"] = [
            (label, counts[value]) for value, label in Subscriber.Status.choices
        ]
        return context


class MailStoppedColumn(Column):
    """Why mail to the address stopped (a bounce or a spam complaint), or nothing."""

    def get_value(self, instance):
        return instance.get_suppression_reason_display() if instance.is_suppressed else ""


class SubscriberViewSet(SnippetViewSet):
    model = Subscriber
    icon = "user"
    menu_label = _("Subscribers")
    admin_url_namespace = "newsletter_subscribers"
    base_url_path = "e-bulletin/subscribers"
    index_view_class = SubscriberIndexView
    index_template_name = "newsletter/admin/subscriber_index.html"
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = [
        "email",
        "name",
        "language",
        "status",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "consent_text",
        "consent_at",
        "consent_language",
        "consent_ip_hash",
        "suppressed_at",
        "suppression_reason",
    ]
    list_display = [
        "email",
        "name",
        "language",
        "status",
        MailStoppedColumn("suppression_reason", label=_("Mail stopped")),
        "created_at",
        "confirmed_at",
    ]
    list_filter = ["status", "suppression_reason", "language"]
    search_fields = ["email", "name"]
    search_backend_name = None
    ordering = ["-created_at"]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("export/", SubscriberExportView.as_view(), name="export"),
        ]


class ProgressColumn(Column):
    def get_value(self, instance):
        return instance.progress_summary()


class ResponsesColumn(Column):
    def get_value(self, instance):
        return instance.responses_summary()


class StateColumn(Column):
    """Draft, scheduled for a time (with its cancel button), sending, sent at a time."""

    cell_template_name = "newsletter/admin/bulletin_state_cell.html"

    def get_value(self, instance):
        return instance.state_label()

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        if request is not None and user_can(request.user, Bulletin, "send"):
            context["cancel_url"] = reverse("newsletter_bulletins:send", args=[instance.pk])
            context["csrf_token"] = get_token(request)
        return context


class BulletinIndexView(IndexView):
    def get_base_queryset(self):
        return annotate_progress(super().get_base_queryset())

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if user_can(self.request.user, Bulletin, "send"):
            label = _("Send…") if instance.is_draft else _("Progress")
            buttons.append(
                ListingButton(
                    label,
                    url=reverse("newsletter_bulletins:send", args=[instance.pk]),
                    icon_name="mail",
                    priority=15,
                )
            )
        return buttons


class BulletinCreateView(CreateView):
    def save_instance(self):
        instance = super().save_instance()
        # An empty list means "everything published since the last bulletin": fill it in
        # now so editors see, reorder and prune the default selection.
        if not instance.items.exists():
            BulletinItem.objects.bulk_create(
                BulletinItem(bulletin=instance, publication=page, sort_order=order)
                for order, page in enumerate(instance.default_publications())
            )
        return instance


class BulletinEditView(EditView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if user_can(self.request.user, Bulletin, "send"):
            buttons.append(
                HeaderButton(
                    _("Test, send and progress"),
                    url=reverse("newsletter_bulletins:send", args=[self.object.pk]),
                    icon_name="mail",
                    priority=5,
                )
            )
        return buttons


class BulletinViewSet(SnippetViewSet):
    model = Bulletin
    icon = "mail"
    menu_label = _("Bulletins")
    admin_url_namespace = "newsletter_bulletins"
    base_url_path = "e-bulletin/bulletins"
    index_view_class = BulletinIndexView
    add_view_class = BulletinCreateView
    edit_view_class = BulletinEditView
    list_display = [
        "subject",
        "language",
        StateColumn("status", label=_("Status")),
        ProgressColumn("progress", label=_("Progress")),
        ResponsesColumn("responses", label=_("Bounces, complaints, unsubscribes")),
        "created_at",
    ]
    list_filter = ["status", "language"]
    search_fields = ["subject"]
    search_backend_name = None
    ordering = ["-created_at"]

    def get_urlpatterns(self):
        view_names = {
            "index_url_name": self.get_url_name("list"),
            "edit_url_name": self.get_url_name("edit"),
        }
        return [
            *super().get_urlpatterns(),
            path(
                "send/<int:pk>/",
                BulletinSendView.as_view(
                    **view_names,
                    preview_url_name=self.get_url_name("email_preview"),
                    breadcrumbs_items=self.breadcrumbs_items,
                ),
                name="send",
            ),
            path(
                "email-preview/<int:pk>/",
                BulletinPreviewView.as_view(),
                name="email_preview",
            ),
        ]


class EBulletinGroup(SnippetViewSetGroup):
    menu_label = _("E-bulletin")
    menu_icon = "mail"
    menu_order = 300
    items = (BulletinViewSet, SubscriberViewSet)


register_snippet(EBulletinGroup)
