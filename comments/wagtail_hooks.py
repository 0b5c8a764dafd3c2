from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .models import Comment
from .moderation import MODERATION_ACTIONS, CommentPermissionPolicy, CommentViewSet

register_permission_policy(Comment, CommentPermissionPolicy(Comment))
register_snippet(CommentViewSet)

for action_class in MODERATION_ACTIONS:
    hooks.register("register_bulk_action", action_class)
