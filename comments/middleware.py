from wagtail.models import Page

from .models import page_takes_comments
from .views import receive_comment


class CommentPostMiddleware:
    """Takes a comment posted to the address of the page it is under.

    The comment form posts to its own page, so that a comment with a mistake comes back as
    that page, at that address. Wagtail serves pages through one view for every method;
    this answers a POST routed to a page that takes comments with ``receive_comment``
    before Django's CSRF check runs: the form is on pages served from a shared cache and
    carries no CSRF token (``comments.views`` says why comments need none and what guards
    them instead). It must come before ``CsrfViewMiddleware``. Every other POST to a page
    (to a page that takes no comments, or a route within a routable page) goes on to the
    CSRF check and Wagtail as before.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        page = commented_page(request, request.resolver_match)
        return None if page is None else receive_comment(request, page)


def commented_page(request, match):
    """The page that takes comments at the address of `match`, else None."""
    if match is None or match.url_name != "wagtail_serve":
        return None
    path = match.args[0] if match.args else match.kwargs.get("path", "")
    route = Page.route_for_request(request, path)
    if route is None:
        return None
    page, args, kwargs = route
    if args or kwargs or not page_takes_comments(page.specific_class):
        return None
    return page


def takes_comment_posts(request, match):
    """For the methods middleware (bcsp_site.core.security): a page that takes comments
    answers POST as well as GET and HEAD."""
    return commented_page(request, match) is not None
