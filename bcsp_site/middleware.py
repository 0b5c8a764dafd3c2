from csp.constants import SELF, UNSAFE_EVAL, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings

# The Wagtail admin ships inline scripts and styles of its own; it gets this looser policy,
# scoped to its own URLs, while public pages allow only the site's own script files.
ADMIN_POLICY = {
    "script-src": [SELF, UNSAFE_INLINE, UNSAFE_EVAL],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:", *settings.MEDIA_ORIGINS],
    "frame-src": [SELF],
    "frame-ancestors": [SELF],
}


class SiteCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith("/admin/"):
            parts.replace = {**ADMIN_POLICY, **(parts.replace or {})}
            # A nonce would switch off 'unsafe-inline' in browsers that honour both.
            parts.nonce = None
        return parts
