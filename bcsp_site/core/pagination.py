"""Pages of a list, one way everywhere: which page an address asks for, and the page links.

Every paginated page (the publication listing with its year and tag archives, author pages,
comment lists) picks its page with `page_of` below (search with `Paginator.get_page`) and
shows the links of `components/pagination.html`, built by `page_links`.

One address per page: page 1 is the list's own address, so `?page=1` (or `?page=01`, `?page=0`,
`?page=x`, two page numbers) is redirected there for good. A number past the end shows the
last page, as Django's `get_page` does: the list grows, so that address is the next page
soon (an old link to a list that has shrunk still shows something). No list goes deeper than
MAX_PAGE pages: a number above it is no page of any list (404). Only views that call
`page_of` or `mark_paginated` read `?page=`; on any other page the page cache redirects it
away (`bcsp_site.caching.page_cache`), so no page is kept twice.
"""

import re
from urllib.parse import urlencode

from django.core import paginator
from django.http import Http404
from django.utils.functional import cached_property

PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")

# Pages shown either side of the current one, and at each end, on wide screens.
ON_EACH_SIDE = 2
ON_ENDS = 1


# The deepest page of any list. The database reaches page n by walking past the n - 1 pages
# before it, so a deep page costs in proportion to its number: at 100,000 publications the
# listing's slowest query took 4 ms on page 2, 25 ms on page 200, 114 ms on page 1,000 and
# 391 ms on page 5,000. A reader goes further back by year, tag, author or search (the last
# page says so); crawlers find every page in the sitemap.
MAX_PAGE = 200


class Paginator(paginator.Paginator):
    """Django's paginator, except that a number below 1 means the first page (Django gives
    the last): "?page=0" and "?page=-3" are typing slips near the start, while a number past
    the end (an old link to a list that has shrunk) still gives the last page. A list has at
    most MAX_PAGE pages, and a number above that is not found (404)."""

    @cached_property
    def num_pages(self):
        return min(super().num_pages, MAX_PAGE)

    @property
    def truncated(self):
        """Whether the list goes on past its last page (MAX_PAGE)."""
        return self.count > MAX_PAGE * self.per_page

    def get_page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError, OverflowError):
            return super().get_page(number)
        if number > MAX_PAGE:
            raise Http404(f"Lists end at page {MAX_PAGE}")
        return super().get_page(max(number, 1))


def page_address(path, query, number):
    """The address of page `number` of a list at `path` with the (already encoded) `query`
    of its filters; page 1 has no page parameter, so it is the list's own address."""
    parts = [query] if query else []
    if number != 1:
        parts.append(urlencode({"page": number}))
    return "?" + "&".join(parts) if parts else path


def page_links(page_obj, query, path):
    """What the pagination component shows for `page_obj`: previous and next addresses and
    the page numbers of Django's elided page range (first, last and those near the current
    page, with gaps where pages are left out).

    Narrow screens show only the first, current and last page, so each entry says if it
    shows `only` on "wide" or "narrow" screens: Django's gaps on wide screens only, and
    gaps of their own beside the current page on narrow screens only. (Django's range is
    worked out for one width: this marks which of its entries a narrow screen hides, so
    one list of links serves both.)
    """
    paginator, current = page_obj.paginator, page_obj.number
    last = paginator.num_pages
    entries = []
    for number in paginator.get_elided_page_range(
        current, on_each_side=ON_EACH_SIDE, on_ends=ON_ENDS
    ):
        if number == paginator.ELLIPSIS:
            entries.append({"gap": True, "only": "wide"})
            continue
        if number == current and current > 2:
            entries.append({"gap": True, "only": "narrow"})
        entries.append(
            {
                "number": number,
                "url": page_address(path, query, number),
                "current": number == current,
                "only": "" if number in (1, current, last) else "wide",
            }
        )
        if number == current and current < last - 1:
            entries.append({"gap": True, "only": "narrow"})
    return {
        "previous": page_address(path, query, current - 1) if page_obj.has_previous() else None,
        "next": page_address(path, query, current + 1) if page_obj.has_next() else None,
        "entries": entries,
    }


class NotCanonical(Exception):  # noqa: N818 - a redirect, not an error
    """Raised by a view asked for at another address of what it shows: the request guard
    (`bcsp_site.core.security.RequestGuardMiddleware`) redirects there for good."""

    def __init__(self, url):
        super().__init__(url)
        self.url = url


def mark_paginated(request):
    """Say that this view reads ?page= (see the module's docstring)."""
    request.paginated = True


def _address_of_page(request, number):
    query = request.GET.copy()
    query.pop("page", None)
    if number != 1:
        query["page"] = str(number)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def page_of(paginator, request):
    """The page of `paginator` that the request's ?page= asks for, at its one address."""
    mark_paginated(request)
    numbers = request.GET.getlist("page")
    if not numbers:
        return paginator.get_page(1)
    if len(numbers) != 1 or not PAGE_NUMBER.fullmatch(numbers[0]):
        raise NotCanonical(_address_of_page(request, 1))
    number = int(numbers[0])
    if number == 1:
        raise NotCanonical(_address_of_page(request, 1))
    return paginator.get_page(number)
