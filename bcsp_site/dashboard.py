"""Panels of the admin's dashboard: what editors of this site act on.

Each panel shows only to users who may act on it and costs a fixed number of queries,
however many comments, translations, bulletins or subscribers there are. Pages awaiting
review are Wagtail's own panel ("Awaiting your review"), which is already on the dashboard.
"""

from datetime import timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry

from comments.models import Comment
from newsletter.models import Bulletin, Subscriber

TRANSLATIONS_SHOWN = 8
SIGNUP_DAYS = 30


def _user(parent_context):
    return parent_context["request"].user


class DashboardPanel(Component):
    def is_shown(self, user):
        raise NotImplementedError

    def render_html(self, parent_context=None):
        if not self.is_shown(_user(parent_context)):
            return ""
        return super().render_html(parent_context)


class PendingCommentsPanel(DashboardPanel):
    name = "pending_comments"
    template_name = "admin/dashboard/pending_comments.html"
    order = 50

    def is_shown(self, user):
        return policy_registry.get_by_type(Comment).user_has_permission(user, "moderate")

    def get_context_data(self, parent_context):
        waiting = Comment.objects.pending().aggregate(count=Count("pk"), oldest=Min("created_at"))
        return {
            "count": waiting["count"],
            "oldest": waiting["oldest"],
            "queue_url": reverse("wagtailsnippets_comments_comment:list") + "?status=pending",
        }


class TranslationsInProgressPanel(DashboardPanel):
    """Translated pages (wagtail-localize) that are not live yet, or have changes that are
    not published, among the pages the user may edit."""

    name = "translations_in_progress"
    template_name = "admin/dashboard/translations_in_progress.html"
    order = 230

    def is_shown(self, user):
        return PagePermissionPolicy().user_has_permission(user, "change")

    def get_context_data(self, parent_context):
        from wagtail_localize.models import Translation

        user = _user(parent_context)
        being_translated = Translation.objects.filter(
            enabled=True,
            source__object_id=OuterRef("translation_key"),
            target_locale_id=OuterRef("locale_id"),
        )
        pages = (
            PagePermissionPolicy()
            .instances_user_has_permission_for(user, "change")
            .filter(Exists(being_translated))
            .filter(Q(live=False) | Q(has_unpublished_changes=True))
        )
        return {
            "count": pages.count(),
            "pages": pages.select_related("locale").order_by("-latest_revision_created_at")[
                :TRANSLATIONS_SHOWN
            ],
        }


class EBulletinPanel(DashboardPanel):
    """The last bulletin sent and the next one being written, and recent sign-ups."""

    name = "e_bulletin"
    template_name = "admin/dashboard/e_bulletin.html"
    order = 240

    def can_see_bulletins(self, user):
        policy = policy_registry.get_by_type(Bulletin)
        return policy.user_has_any_permission(user, {"change", "send"})

    def can_see_subscribers(self, user):
        policy = policy_registry.get_by_type(Subscriber)
        return policy.user_has_any_permission(user, {"view", "change"})

    def is_shown(self, user):
        return self.can_see_bulletins(user) or self.can_see_subscribers(user)

    def get_context_data(self, parent_context):
        user = _user(parent_context)
        context = {"signup_days": SIGNUP_DAYS}
        if self.can_see_bulletins(user):
            context["bulletins_url"] = reverse("newsletter_bulletins:list")
            context["last_bulletin"] = (
                Bulletin.objects.exclude(status__in=Bulletin.NOT_STARTED)
                .order_by("-queued_at", "-pk")
                .first()
            )
            context["next_bulletin"] = (
                Bulletin.objects.filter(status__in=Bulletin.NOT_STARTED)
                .order_by("-updated_at", "-pk")
                .first()
            )
        if self.can_see_subscribers(user):
            since = timezone.now() - timedelta(days=SIGNUP_DAYS)
            context["subscribers_url"] = reverse("newsletter_subscribers:list")
            context["signups"] = Subscriber.objects.filter(created_at__gte=since).aggregate(
                total=Count("pk"),
                confirmed=Count("pk", filter=Q(status=Subscriber.Status.CONFIRMED)),
            )
        return context


def dashboard_panels():
    return [PendingCommentsPanel(), TranslationsInProgressPanel(), EBulletinPanel()]
