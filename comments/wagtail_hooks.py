import copy

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .models import Comment
from .moderation import MODERATION_ACTIONS, CommentPermissionPolicy, CommentViewSet

register_permission_policy(Comment, CommentPermissionPolicy(Comment))
register_snippet(CommentViewSet)

for action_class in MODERATION_ACTIONS:
    hooks.register("register_bulk_action", action_class)


@hooks.register("construct_main_menu")
def count_pending_comments(request, menu_items):
    """The "Comments" menu item says how many comments wait for moderation.

    Only moderators get the item (the viewset's own check), so only they pay for the count.
    """
    for index, item in enumerate(menu_items):
        if item.name == CommentViewSet.menu_name:
            pending = Comment.objects.pending().count()
            if pending:
                # A copy: the registered item is shared by every request.
                counted = copy.copy(item)
                counted.label = f"{item.label} ({pending})"
                menu_items[index] = counted
