"""The sitemaps (an index and its children, with hreflang alternates for every language),
robots.txt and security.txt.

``/sitemap.xml`` is a sitemap index (sitemaps.org) naming the children that have pages:
``/sitemaps/pages-<n>.xml`` for every page that is not a publication and
``/sitemaps/publications-<n>.xml`` for publications and op-eds. Child ``n`` of a section holds
the section's live public pages, in every language, whose ids lie in
``((n - 1) * SITEMAP_MAX_URLS, n * SITEMAP_MAX_URLS]``: never more than the protocol's 50,000
addresses, found by a range of the primary key without counting anything, and a page stays in
the same child for life. Deleted pages leave gaps, so a child may hold fewer and some numbers
none (those are 404s, and the index leaves them out).

A child is read in keyset batches of ``SITEMAP_BATCH`` pages (``id > last id``, as values,
not models), with each batch's translations in one more query, so a child costs two queries
per batch and the memory of one batch, whatever its size. The index is one aggregate query
per section. The addresses are Wagtail's own, built from the sites' root paths and language
prefixes worked out once per answer (``core.page_urls``): asking ``get_full_url()`` page by
page was three quarters of a child's time. At 100,000 publications a child of 50,000
addresses takes 1.8 s instead of 7.9 s, in 101 queries and 2 MB (``bench/sitemap.py``).

What is kept, and why: the index (a few hundred bytes) is remembered for the content
generation, as the whole sitemap was. A child that fits in one batch is an ordinary answer,
which the page cache keeps like any page. A bigger child is streamed and never kept: at
50,000 addresses it is some 20 MB, which the per-process layer of the content cache and
each worker's copies of pages would hold in every worker, for every generation an editor
starts; crawlers read it rarely, and a CDN in front keeps it for ``SITEMAP_CHILD_SECONDS``.
Children are not purged from a CDN (only ``/sitemap.xml`` is, ``bcsp_site.caching.purge``),
hence that short life there.

The XML is written as strings rather than by the template engine: a child is 50,000 entries,
and the engine costs several times more per entry than everything else an entry needs.
"""

import datetime
from collections import defaultdict
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.db.models import ExpressionWrapper, F, IntegerField, Max, Q
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from wagtail.models import Page, Site

from publications.models import PublicationPage

from .caching.generation import remembered
from .caching.page_cache import cacheable, keep_no_longer_than
from .core.metadata import site_root
from .core.organisation import OrganisationSettings
from .core.page_urls import PageUrls

SITEMAP_CACHE_SECONDS = 60 * 60
# Pages read per query.
SITEMAP_BATCH = 1000
# How long browsers and a CDN may keep a child (see above).
SITEMAP_CHILD_SECONDS = 5 * 60
SITEMAP_SECTIONS = ("pages", "publications")
CONTENT_TYPE = "application/xml; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
URLSET_START = (
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    ' xmlns:xhtml="http://www.w3.org/1999/xhtml">'
)
# When a page last changed for visitors; a live page has been published at least once.
MODIFIED = Coalesce("last_published_at", "latest_revision_created_at", "first_published_at")


def served_pages():
    """Every live public page that a site serves (get_full_url() is not None), in every
    language. The view restrictions are read here, once for all the queries built on it."""
    served = Q(pk__in=[])
    for root in Site.get_site_root_paths():
        served |= Q(url_path__startswith=root.root_path)
    return Page.objects.live().public().filter(served, depth__gte=2)


def in_section(pages, section):
    if section == "publications":
        return pages.type(PublicationPage)
    return pages.not_type(PublicationPage)


def child_number(pk):
    """The child sitemap of a page's section that lists the page with this id."""
    return (pk - 1) // settings.SITEMAP_MAX_URLS + 1


def sitemap_children():
    """[(section, number, when its newest page was published)] of the children that list at
    least one page: one aggregate query per section."""
    pages = served_pages()
    chunk = ExpressionWrapper(
        (F("id") - 1) / settings.SITEMAP_MAX_URLS, output_field=IntegerField()
    )
    children = []
    for section in SITEMAP_SECTIONS:
        rows = (
            in_section(pages, section)
            .annotate(chunk=chunk)
            .values("chunk")
            .annotate(modified=Max(MODIFIED))
            .order_by("chunk")
        )
        children += [(section, row["chunk"] + 1, row["modified"]) for row in rows]
    return children


def w3c_datetime(moment):
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds") if moment else None


def render_index(request):
    root = site_root(request)
    parts = [
        XML_DECLARATION,
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n',
    ]
    for section, number, modified in sitemap_children():
        path = reverse("sitemap_section", kwargs={"section": section, "number": number})
        parts.append(f"  <sitemap>\n    <loc>{escape(root + path)}</loc>\n")
        if modified:
            parts.append(f"    <lastmod>{w3c_datetime(modified)}</lastmod>\n")
        parts.append("  </sitemap>\n")
    parts.append("</sitemapindex>\n")
    return "".join(parts)


def page_batches(pages):
    """The pages in id order, SITEMAP_BATCH at a time, each batch one keyset query."""
    after = 0
    while True:
        rows = list(
            pages.filter(id__gt=after)
            .order_by("id")
            .values("id", "translation_key", modified=MODIFIED)[:SITEMAP_BATCH]
        )
        if rows:
            yield rows
        if len(rows) < SITEMAP_BATCH:
            return
        after = rows[-1]["id"]


def url_entries(page_urls, served, rows):
    """The <url> elements of one batch: each page, with every live public language version
    (its own included) as alternates when it has more than one. One query for them all."""
    versions = served.filter(translation_key__in={row["translation_key"] for row in rows})
    urls = {}
    languages = defaultdict(list)
    for pk, key, url_path, language in versions.values_list(
        "id", "translation_key", "url_path", "locale__language_code"
    ):
        url = page_urls.full_url(pk, url_path)
        if url:
            urls[pk] = url
            languages[key].append((language, url))
    parts = []
    for row in rows:
        url = urls.get(row["id"])
        if url is None:
            continue
        parts.append(f"  <url>\n    <loc>{escape(url)}</loc>\n")
        if row["modified"]:
            parts.append(f"    <lastmod>{w3c_datetime(row['modified'])}</lastmod>\n")
        alternates = sorted(languages[row["translation_key"]])
        if len(alternates) > 1:
            for code, alternate_url in alternates:
                parts.append(
                    f'    <xhtml:link rel="alternate" hreflang={quoteattr(code)}'
                    f" href={quoteattr(alternate_url)}/>\n"
                )
            default = dict(alternates).get(settings.LANGUAGE_CODE)
            if default:
                parts.append(
                    '    <xhtml:link rel="alternate" hreflang="x-default"'
                    f" href={quoteattr(default)}/>\n"
                )
        parts.append("  </url>\n")
    return "".join(parts)


def _urlset(request, served, first, batches):
    # Not Page.get_full_url(): it works the sites and the language prefix out again for every
    # page, which was nearly all of a 50,000-address child's 34 s (bcsp_site.core.page_urls).
    page_urls = PageUrls(request)
    yield XML_DECLARATION + URLSET_START + "\n" + url_entries(page_urls, served, first)
    for rows in batches:
        yield url_entries(page_urls, served, rows)
    yield "</urlset>\n"


@cacheable
@require_safe
def sitemap(request):
    """The sitemap index."""
    site = Site.find_for_request(request)
    if site is None:
        return HttpResponse(status=404)
    # Kept for the content generation, so any change visitors see (a page published, moved,
    # made private, a site's host name) takes it along at once.
    body = remembered(
        f"seo:sitemap-index:{site.pk}:{settings.SITEMAP_MAX_URLS}",
        lambda: render_index(request),
        seconds=SITEMAP_CACHE_SECONDS,
    )
    return HttpResponse(body, content_type=CONTENT_TYPE)


@cacheable
@require_safe
def sitemap_section(request, section, number):
    """One child sitemap: a section's pages whose ids fall in the child's range."""
    if Site.find_for_request(request) is None:
        return HttpResponse(status=404)
    width, number = settings.SITEMAP_MAX_URLS, int(number)  # the URL pattern allows digits only
    served = served_pages()
    pages = in_section(served, section).filter(id__gt=(number - 1) * width, id__lte=number * width)
    batches = page_batches(pages)
    first = next(batches, None)
    if first is None:
        raise Http404("No such sitemap.")
    keep_no_longer_than(request, SITEMAP_CHILD_SECONDS)
    if len(first) < SITEMAP_BATCH:  # the whole child: the page cache may keep it
        body = "".join(_urlset(request, served, first, ()))
        return HttpResponse(body, content_type=CONTENT_TYPE)
    response = StreamingHttpResponse(
        () if request.method == "HEAD" else _urlset(request, served, first, batches),
        content_type=CONTENT_TYPE,
    )
    # The page cache keeps no stream, and would mark it private: said here instead.
    patch_cache_control(
        response,
        public=True,
        max_age=min(settings.PAGE_CACHE_BROWSER_SECONDS, SITEMAP_CHILD_SECONDS),
        s_maxage=min(settings.PAGE_CACHE_CDN_SECONDS, SITEMAP_CHILD_SECONDS),
    )
    return response


@cacheable
@require_safe
def robots_txt(request):
    search_path = reverse("search").split("/", 2)[2]  # "search/" without the language prefix
    search_paths = [f"/{code}/{search_path}" for code, _name in settings.LANGUAGES]
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /language/"]
    lines += [f"Disallow: {path}" for path in search_paths]
    # The site's own address, never the request's Host: the answer is kept for every host.
    lines += ["", f"Sitemap: {site_root(request)}{reverse('sitemap')}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


# How far ahead security.txt says it is good for: RFC 9116 asks for less than a year, so that
# a copy nobody looks after stops being believed.
SECURITY_TXT_DAYS = 180


@cacheable
@require_safe
def security_txt(request):
    """/.well-known/security.txt (RFC 9116): whom to tell about a vulnerability.

    Kept by the page cache like any public page; a change to the organisation settings
    starts a new content generation, so the next request shows it.
    """
    organisation = OrganisationSettings.for_request(request)
    expires = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(
        days=SECURITY_TXT_DAYS
    )
    lines = [
        f"Contact: {organisation.security_contact_uri}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: " + ", ".join(code for code, _name in settings.LANGUAGES),
        # The Site's host, never the request's Host header: the answer is kept for every host.
        f"Canonical: https://{urlsplit(site_root(request)).netloc}{reverse('security_txt')}",
    ]
    policy = organisation.security_policy_page
    if policy is not None and policy.live:
        policy_url = policy.get_full_url(request)
        if policy_url:
            lines.append(f"Policy: {policy_url}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
