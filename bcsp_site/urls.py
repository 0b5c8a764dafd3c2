from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from bcsp_site import seo, styleguide
from bcsp_site import views as site_views
from bcsp_site.core import documents, i18n, passwords
from publications import citations
from publications import views as publication_views
from reading import views as reading_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's document view, with caching headers by who may read the document, counting
    # downloads (reading); its password form for private collections stays Wagtail's.
    re_path(r"^documents/(\d+)/(.*)$", reading_views.serve_document, name="wagtaildocs_serve"),
    # The beacon of static/js/reading.js: one view of a publication (reading figures).
    path("reading/<int:page_id>/", reading_views.page_view, name="reading_page_view"),
    # The password forms of private collections and protected pages go through a limit on
    # tries per address first (bcsp_site.core.passwords); the check itself stays Wagtail's.
    path(
        "documents/authenticate_with_password/<int:restriction_id>/",
        passwords.limit_document_password,
        name="wagtaildocs_authenticate_with_password",
    ),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", seo.sitemap, name="sitemap"),
    re_path(
        r"^sitemaps/(?P<section>pages|publications)-(?P<number>[1-9][0-9]{0,8})\.xml$",
        seo.sitemap_section,
        name="sitemap_section",
    ),
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    path(".well-known/security.txt", seo.security_txt, name="security_txt"),
    path("security.txt", RedirectView.as_view(pattern_name="security_txt", permanent=True)),
    path("language/<str:code>/", i18n.choose_language, name="choose_language"),
    path("favicon.ico", site_views.favicon, name="favicon"),
    # The mail provider's delivery reports (bounces, complaints) for the e-bulletin.
    path("anymail/", include("newsletter.webhooks")),
    # wagtail-footnotes' editor script (footnotes/js/footnotes.js) fetches its chooser from
    # this fixed address; the chooser itself is an admin view (bcsp_site.wagtail_hooks).
    path(
        "footnotes/footnotes_modal/",
        RedirectView.as_view(pattern_name="footnote_chooser"),
    ),
]

if settings.DEBUG or getattr(settings, "SERVE_MEDIA", False):
    # Images only: documents are served by the document view, which checks who may read them.
    urlpatterns += [
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", documents.serve_media_except_documents)
    ]

urlpatterns += i18n_patterns(
    path("search/", publication_views.search, name="search"),
    path("styleguide/", styleguide.styleguide, name="styleguide"),
    path("manifest.webmanifest", site_views.web_manifest, name="web_manifest"),
    path("cite/<int:page_id>.bib", citations.bibtex_download, name="cite_bibtex"),
    path("cite/<int:page_id>.ris", citations.ris_download, name="cite_ris"),
    path("e-bulletin/", include("newsletter.urls")),
    path("comments/", include("comments.urls")),
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        passwords.limit_page_password,
        name="wagtailcore_authenticate_with_password",
    ),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)

# Error pages that leak nothing; a lost database connection answers 503 (bcsp_site.core.errors).
handler400 = "bcsp_site.core.errors.bad_request"
handler403 = "bcsp_site.core.errors.permission_denied"
handler500 = "bcsp_site.core.errors.server_error"
