"""Moderation in the Wagtail admin: the comments listing and its bulk actions."""

from urllib.parse import urlencode

import django_filters
from django.contrib.auth import get_user_model
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.widgets import Button
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from bcsp_site.caching.generation import content_changed

from .invalidation import shown_comments_changed
from .models import Comment

MODERATE = "moderate"
READERS_ONLY = {"add", "copy"}


class CommentPermissionPolicy(ModelPermissionPolicy):
    """Everything editors do with comments needs the one "moderate" permission
    (``comments.moderate_comment``; the model has no add, change or delete permissions).

    Nobody adds or copies comments in the admin: they come from readers.
    """

    def user_has_permission(self, user, action):
        if action in READERS_ONLY:
            return False
        return super().user_has_permission(user, MODERATE)

    def users_with_any_permission(self, actions):
        if set(actions) <= READERS_ONLY:
            return get_user_model().objects.none()
        return super().users_with_any_permission([MODERATE])


class CommentFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Comment.Status.choices, empty_label=_("Any status")
    )
    page = django_filters.ModelChoiceFilter(
        label=_("Page"),
        queryset=lambda request: (
            Page.objects.filter(reader_comments__isnull=False).distinct().order_by("title")
        ),
        empty_label=_("Any page"),
    )
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Posted"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Comment
        fields = ["status", "page", "created_at"]


class PageLinkColumn(Column):
    """The commented page's title, linking to the page on the site."""

    cell_template_name = "comments/admin/page_link_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["page_title"] = instance.page.title
        context["page_url"] = instance.page.get_url(parent_context.get("request"))
        return context


class CommentIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("page")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if not self.user_has_permission("change"):
            return buttons
        # Back to the listing as filtered (this may be the results-only view of a filter).
        next_url = self.index_url
        if self.request.GET:
            next_url += "?" + self.request.GET.urlencode()
        query = urlencode({"id": instance.pk, "next": next_url})
        for priority, action in enumerate(MODERATION_ACTIONS, start=11):
            if instance.status == action.new_status:
                continue
            url = reverse("wagtail_bulk_action", args=("comments", "comment", action.action_type))
            buttons.append(
                Button(
                    action.display_name,
                    url=f"{url}?{query}",
                    icon_name=action.icon_name,
                    priority=priority,
                )
            )
        return buttons


class CommentModerationForm(WagtailAdminModelForm):
    """Editors change only the status; the change is stamped with who and when."""

    def save(self, commit=True):
        comment = super().save(commit=False)
        if "status" in self.changed_data:
            comment.moderated_at = timezone.now()
            comment.moderated_by = self.for_user
        if commit:
            comment.save()
        return comment


class CommentViewSet(SnippetViewSet):
    model = Comment
    icon = "comment"
    menu_label = _("Comments")
    menu_name = "reader-comments"
    menu_order = 250
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = CommentIndexView
    list_display = [
        "excerpt",
        "name",
        "email",
        StatusTagColumn(
            "status",
            label=_("Status"),
            accessor="get_status_display",
            primary=lambda comment: comment.status == Comment.Status.PENDING,
            sort_key="status",
        ),
        PageLinkColumn("page", label=_("Page")),
        DateColumn("created_at", label=_("Posted"), sort_key="created_at"),
    ]
    filterset_class = CommentFilterSet
    search_fields = ["name", "email", "text"]
    search_backend_name = None
    ordering = ["-created_at", "-pk"]
    list_per_page = 50
    edit_handler = ObjectList(
        [
            FieldPanel("status"),
            MultiFieldPanel(
                [
                    FieldPanel("page", read_only=True),
                    FieldPanel("name", read_only=True),
                    FieldPanel("email", read_only=True),
                    FieldPanel("text", read_only=True),
                    FieldPanel("created_at", read_only=True),
                ],
                heading=_("Comment"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("moderated_by", read_only=True),
                    FieldPanel("moderated_at", read_only=True),
                ],
                heading=_("Moderation"),
            ),
        ],
        base_form_class=CommentModerationForm,
    )

    @property
    def menu_url(self):
        return reverse(self.get_url_name("list")) + "?status=pending"


class ModerateBulkAction(SnippetBulkAction):
    """Set the status of the selected comments, recording who did it and when."""

    models = [Comment]
    template_name = "comments/bulk_actions/confirm_moderate.html"
    new_status = None
    icon_name = None

    def check_perm(self, obj):
        return self.permission_policy.user_has_permission(self.request.user, MODERATE)

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        count = Comment.objects.filter(pk__in=[comment.pk for comment in objects]).update(
            status=cls.new_status, moderated_at=Now(), moderated_by=user
        )
        # update() sends no signals: drop cached copies of pages whose shown comments change.
        now_shown = cls.new_status == Comment.Status.APPROVED
        shown_comments_changed(
            comment.page_id for comment in objects if comment.is_approved != now_shown
        )
        content_changed()
        return count, 0

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action": self}


class ApproveBulkAction(ModerateBulkAction):
    display_name = _("Approve")
    action_type = "approve"
    aria_label = _("Approve the selected comments")
    action_priority = 10
    new_status = Comment.Status.APPROVED
    icon_name = "check"
    confirm_label = _("Yes, approve")

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d comment approved: it now shows on the site.",
            "%(count)d comments approved: they now show on the site.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


class RejectBulkAction(ModerateBulkAction):
    display_name = _("Reject")
    action_type = "reject"
    aria_label = _("Reject the selected comments")
    action_priority = 20
    new_status = Comment.Status.REJECTED
    icon_name = "cross"
    confirm_label = _("Yes, reject")

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d comment rejected.", "%(count)d comments rejected.", num_parent_objects
        ) % {"count": num_parent_objects}


class SpamBulkAction(ModerateBulkAction):
    display_name = _("Mark as spam")
    action_type = "spam"
    aria_label = _("Mark the selected comments as spam")
    action_priority = 25
    new_status = Comment.Status.SPAM
    icon_name = "warning"
    confirm_label = _("Yes, mark as spam")

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d comment marked as spam.",
            "%(count)d comments marked as spam.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


MODERATION_ACTIONS = [ApproveBulkAction, RejectBulkAction, SpamBulkAction]
