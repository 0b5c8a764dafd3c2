from wagtail import hooks

from .page_cache import mark_cacheable


@hooks.register("before_serve_page", order=100)
def share_public_pages(page, request, serve_args, serve_kwargs):
    """Every page's answer (its routes and feeds too) is the same for all anonymous visitors.

    Pages behind a view restriction still never reach a shared cache: Wagtail sends them
    with ``Cache-Control: private, no-store``, which ``bcsp_site.page_cache`` respects.
    """
    mark_cacheable(request)
