"""Settings shared by every environment.

Every secret and host comes from the environment, read through the helpers below;
with nothing set, the site runs on a SQLite file and a local-memory cache.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "bcsp_site"


def env_str(name, default=""):
    return os.environ.get(name, default).strip()


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = env_str("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The path the site is mounted under ("" at the root, e.g. "/site" behind a proxy that serves
# it there). Never taken from a request: a SCRIPT_NAME the server read from a client's header
# would prefix every link of pages kept for everyone (bcsp_site.core.security.RequestGuard).
FORCE_SCRIPT_NAME = env_str("FORCE_SCRIPT_NAME").rstrip("/")

INSTALLED_APPS = [
    "bcsp_site",
    "publications",
    "authors",
    "comments",
    "newsletter",
    "reading",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail_footnotes",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.contrib.typed_table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "anymail",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # Before anything reads the request: the address as asked for, with the configured
    # script prefix, and none of the proxy headers the site never trusts.
    "bcsp_site.core.security.RequestGuardMiddleware",
    # Load balancers probe /healthz and /readyz by address over plain HTTP.
    "bcsp_site.core.health.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "bcsp_site.core.security.PermissionsPolicyMiddleware",
    "bcsp_site.core.security.AdminAccessMiddleware",
    "bcsp_site.core.security.RequestSanityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Right after static files: a cached page is answered before sessions, CSRF and the rest.
    "bcsp_site.caching.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF: comments are posted to their page from cached copies without a token.
    "comments.middleware.CommentPostMiddleware",
    # After comments have taken theirs, before CSRF: 405 for a method the view does not take.
    "bcsp_site.core.security.AllowedMethodsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which second factor (if any) this session was verified with; then every admin view but
    # signing in asks for it (bcsp_site.signin.middleware).
    "django_otp.middleware.OTPMiddleware",
    "bcsp_site.signin.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bcsp_site.middleware.SiteCSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "bcsp_site.caching.page_cache.CachedSiteMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bcsp_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "bcsp_site.wsgi.application"

# Database: a SQLite file in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections buy nothing on SQLite; a busy timeout avoids "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the server is unreachable: a 503 page rather than a hung worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 3)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared between worker processes), else local memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # RedisCache that serves on (without caching) while Redis is down, and fails fast.
            "BACKEND": "bcsp_site.caching.backends.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "bcsp",
            "TIMEOUT": 300,
        },
        # Fragments and objects kept for the content generation (bcsp_site.caching.generation):
        # their keys never change meaning, so each worker also keeps recent ones in memory.
        "content": {"BACKEND": "bcsp_site.caching.backends.LayeredCache", "LOCATION": "default"},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bcsp",
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 3000},
        }
    }
# A cache each process keeps for itself is a system check error (bcsp_site.caching.checks)
# unless exactly one process serves the site and changes its content.
CACHE_SINGLE_PROCESS = env_bool("CACHE_SINGLE_PROCESS", False)
# Full-page cache for anonymous visitors (bcsp_site.caching.page_cache). On by default only with a
# shared cache: with local memory, a change made in one process would not reach the others.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE", bool(REDIS_URL))
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60 * 60)
# Each worker keeps the pages it served last in memory, so a hit needs no round trip.
PAGE_CACHE_LOCAL_BYTES = env_int("PAGE_CACHE_LOCAL_MB", 32) * 1024 * 1024
# Browsers cannot be told that a page changed, so they keep it only briefly.
PAGE_CACHE_BROWSER_SECONDS = env_int("PAGE_CACHE_BROWSER_SECONDS", 60)

# CDN or Varnish in front of the site, purged on publishing (bcsp_site.caching.purge) with
# Wagtail's frontend-cache backends. Each configured backend gets the same URLs.
WAGTAILFRONTENDCACHE = {}
if env_str("VARNISH_URL"):
    WAGTAILFRONTENDCACHE["varnish"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": env_str("VARNISH_URL"),
    }
if env_str("CLOUDFLARE_ZONE_ID"):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "ZONEID": env_str("CLOUDFLARE_ZONE_ID"),
        "BEARER_TOKEN": env_str("CLOUDFLARE_API_TOKEN"),
    }
# The purge list already names each language's own addresses.
WAGTAILFRONTENDCACHE_LANGUAGES = []
# How long a CDN may keep a page: long when it is purged on changes, a minute when not.
PAGE_CACHE_CDN_SECONDS = env_int("PAGE_CACHE_CDN_SECONDS", 60 * 60 if WAGTAILFRONTENDCACHE else 60)

# Addresses in one child sitemap (bcsp_site.seo): at most the 50,000 the sitemaps.org protocol
# allows. A child holds the pages whose ids fall in one range this wide.
SITEMAP_MAX_URLS = max(1, min(env_int("SITEMAP_MAX_URLS", 50_000), 50_000))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: English and Serbian (Latin script), URLs under /en/ and /sr/.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("sr", _("Serbian"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
# "Translate this page" makes a draft; it is published once translated (bcsp_site.translating).
WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE = False
# The site's Serbian (Latin) catalogue first, then Django's own strings in Latin script
# (Django's "sr" catalogue is Cyrillic); see the update_translations command.
LOCALE_PATHS = [
    BASE_DIR / "bcsp_site" / "translations" / "site",
    BASE_DIR / "bcsp_site" / "translations" / "django",
]
TIME_ZONE = "Europe/Belgrade"
USE_I18N = True
USE_TZ = True

# Static files and media.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
# Serve MEDIA_ROOT from Django itself (development does anyway); in production the proxy
# serves /media/, so only local runs of the production settings turn this on.
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)


def object_storages(environ):
    """STORAGES entries for S3-compatible object storage (django-storages), read from the
    S3_* variables in `environ`; empty when S3_BUCKET is unset (uploads stay on local disk).

    "default" holds images and renditions: readable by anyone (the bucket's own policy says
    so), addressed without signatures so pages that show them stay cacheable. "documents" is
    never public: the document view checks who may read a file, then redirects to a signed
    URL that lasts S3_SIGNED_URL_SECONDS.
    """
    bucket = environ.get("S3_BUCKET", "").strip()
    if not bucket:
        return {}

    def read(name, default=""):
        return environ.get(name, "").strip() or default

    def storage(alias, **options):
        return {
            "BACKEND": "bcsp_site.core.s3.ConfiguredS3Storage",
            "OPTIONS": {
                "alias": alias,
                "endpoint_url": read("S3_ENDPOINT_URL") or None,
                "region_name": read("S3_REGION", "us-east-1"),
                "access_key": read("S3_ACCESS_KEY_ID") or None,
                "secret_key": read("S3_SECRET_ACCESS_KEY") or None,
                "signature_version": "s3v4",
                # Two uploads called report.pdf must both survive (django-storages
                # overwrites by default; Wagtail expects a free name like local disk gives).
                "file_overwrite": False,
                **options,
            },
        }

    return {
        "default": storage(
            "default",
            bucket_name=bucket,
            querystring_auth=False,
            custom_domain=read("S3_CUSTOM_DOMAIN") or None,
            object_parameters={"CacheControl": "public, max-age=86400"},
        ),
        "documents": storage(
            "documents",
            bucket_name=read("S3_DOCUMENTS_BUCKET", bucket),
            querystring_auth=True,
            querystring_expire=int(read("S3_SIGNED_URL_SECONDS", "300")),
        ),
    }


def object_storage_origins(environ):
    """Where browsers fetch images from when they are on S3 (for the Content Security
    Policy): the custom domain, else the endpoint's host, else AWS's host of the bucket."""
    bucket = environ.get("S3_BUCKET", "").strip()
    custom_domain = environ.get("S3_CUSTOM_DOMAIN", "").strip()
    endpoint = urlsplit(environ.get("S3_ENDPOINT_URL", "").strip())
    if not bucket:
        return []
    if custom_domain:
        return [f"https://{custom_domain}"]
    if endpoint.netloc:
        return [f"{endpoint.scheme}://{endpoint.netloc}"]
    return [f"https://{bucket}.s3.amazonaws.com"]


# Uploads: local disk (MEDIA_ROOT) unless S3_BUCKET is set; then images in S3_BUCKET and
# documents in S3_DOCUMENTS_BUCKET (bcsp_site.core.storage picks the storage).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    **object_storages(os.environ),
}
# Images on S3 are shown from the bucket's address (allowed by CONTENT_SECURITY_POLICY below
# and the admin's own policy in bcsp_site.middleware).
MEDIA_ORIGINS = object_storage_origins(os.environ)
# Documents on local disk may be handed to nginx to send (X-Accel-Redirect to an internal
# location: see README, Storage), once the document view has checked who may read them.
DOCUMENTS_X_ACCEL_REDIRECT = env_str("DOCUMENTS_X_ACCEL_REDIRECT")
if DOCUMENTS_X_ACCEL_REDIRECT:
    SENDFILE_BACKEND = "django_sendfile.backends.nginx"
    SENDFILE_ROOT = str(MEDIA_ROOT)
    SENDFILE_URL = DOCUMENTS_X_ACCEL_REDIRECT.rstrip("/")
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Email: console in development; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "BCSP <no-reply@bezbednost.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail provider's API through django-anymail: EMAIL_BACKEND names its backend (e.g.
# anymail.backends.postmark.EmailBackend) and every ANYMAIL_<NAME> variable becomes
# ANYMAIL["<NAME>"]: the provider's key (ANYMAIL_POSTMARK_SERVER_TOKEN, ANYMAIL_MAILGUN_API_KEY…),
# its webhook signing key where it signs, and ANYMAIL_WEBHOOK_SECRET ("user:password"), the
# basic auth of the tracking webhooks at /anymail/<provider>/tracking/ (refused without it).
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and value
}

# Background work: immediate in development, the database queue plus a worker in production.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# A task RUNNING longer than this lost its worker (bcsp_site.core.task_queue): it goes back to
# the queue, or is marked failed after TASKS_MAX_ATTEMPTS. Longer than any task runs: the
# longest is a bulletin to every subscriber. db_worker looks every TASKS_REAP_INTERVAL_SECONDS.
TASKS_STALLED_SECONDS = env_int("TASKS_STALLED_SECONDS", 60 * 60)
TASKS_MAX_ATTEMPTS = env_int("TASKS_MAX_ATTEMPTS", 3)
TASKS_REAP_INTERVAL_SECONDS = env_int("TASKS_REAP_INTERVAL_SECONDS", 60)
# /readyz fails when a task has waited longer than this to run (0: report the age only).
READYZ_MAX_TASK_AGE_SECONDS = env_int("READYZ_MAX_TASK_AGE_SECONDS", 600)

# Proxies in front of the site whose X-Forwarded-For is believed (0: use REMOTE_ADDR).
# Read by comments, the e-bulletin, admin throttling and ADMIN_ALLOWED_IPS alike.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Guessing the password of a protected page or private collection: tries per address (an
# IPv6 /64) and restriction in a window of seconds, then 429 until the window ends.
PAGE_PASSWORD_ATTEMPTS = env_int("PAGE_PASSWORD_ATTEMPTS", 10)
PAGE_PASSWORD_WINDOW = env_int("PAGE_PASSWORD_WINDOW", 900)

# Reading figures (the reading app): one count per visitor and page or document in a visit
# window of seconds; requests per address (an IPv6 /64) in a rate window; how many
# publications the home page's "Most read" lists, and how often it is worked out again.
READING_VISIT_SECONDS = env_int("READING_VISIT_SECONDS", 30 * 60)
READING_RATE_LIMIT = env_int("READING_RATE_LIMIT", 120)
READING_RATE_WINDOW = env_int("READING_RATE_WINDOW", 600)
READING_MOST_READ_COUNT = env_int("READING_MOST_READ_COUNT", 5)
READING_MOST_READ_SECONDS = env_int("READING_MOST_READ_SECONDS", 60 * 60)

# E-bulletin. Links in emails are built on NEWSLETTER_BASE_URL (default: WAGTAILADMIN_BASE_URL).
NEWSLETTER_BASE_URL = env_str("NEWSLETTER_BASE_URL")
NEWSLETTER_FROM_EMAIL = env_str("NEWSLETTER_FROM_EMAIL")
NEWSLETTER_CONFIRM_DAYS = env_int("NEWSLETTER_CONFIRM_DAYS", 7)
NEWSLETTER_MANAGE_DAYS = env_int("NEWSLETTER_MANAGE_DAYS", 7)
NEWSLETTER_PENDING_DAYS = env_int("NEWSLETTER_PENDING_DAYS", 30)
# Sign-ups, new confirmation links and manage-link requests per NEWSLETTER_RATE_WINDOW
# seconds: per email address (or sign-up), and per IP, where a whole office can sit behind
# one address. The names before these (NEWSLETTER_SIGNUPS_PER_ADDRESS, _PER_IP) still count.
NEWSLETTER_RATE_LIMIT_PER_EMAIL = env_int(
    "NEWSLETTER_RATE_LIMIT_PER_EMAIL", env_int("NEWSLETTER_SIGNUPS_PER_ADDRESS", 3)
)
NEWSLETTER_RATE_LIMIT_PER_IP = env_int(
    "NEWSLETTER_RATE_LIMIT_PER_IP", env_int("NEWSLETTER_SIGNUPS_PER_IP", 30)
)
NEWSLETTER_RATE_WINDOW = env_int("NEWSLETTER_RATE_WINDOW", 3600)
NEWSLETTER_TRUSTED_PROXY_COUNT = env_int("NEWSLETTER_TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT)
# Functions (request, resolver match) -> bool that say a Wagtail page takes POSTs at its own
# address (every other page answers POST with 405): named here, as core knows no app.
PAGE_POST_CHECKS = ["comments.middleware.takes_comment_posts"]
# The page type bulletins list: named here so the e-bulletin never imports the app that has it.
NEWSLETTER_PUBLICATION_MODEL = "publications.PublicationPage"

# Reader comments: who is told about new ones, the per-IP rate limit, the salt of the
# stored IP hashes (default: SECRET_KEY), proxies in front of the site whose
# X-Forwarded-For is trusted, and how long spam and personal details are kept.
COMMENTS_MODERATOR_EMAILS = env_list("COMMENTS_MODERATOR_EMAILS")
COMMENTS_RATE_LIMIT = env_int("COMMENTS_RATE_LIMIT", 5)
COMMENTS_RATE_WINDOW = env_int("COMMENTS_RATE_WINDOW", 600)
COMMENTS_IP_SALT = env_str("COMMENTS_IP_SALT")
COMMENTS_TRUSTED_PROXY_COUNT = env_int("COMMENTS_TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT)
COMMENTS_RETENTION_DAYS = env_int("COMMENTS_RETENTION_DAYS", 90)
# Search curation (publications.curation): days of searches and no-result searches kept for
# the search-terms report; purge_personal_data deletes older days. The library's own
# garbage collection (searchpromotions_garbage_collect) keeps the same number.
SEARCH_TERMS_RETENTION_DAYS = env_int("SEARCH_TERMS_RETENTION_DAYS", 30)
WAGTAILSEARCH_HITS_MAX_AGE = SEARCH_TERMS_RETENTION_DAYS

# Wagtail
WAGTAIL_SITE_NAME = "Belgrade Centre for Security Policy"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Editors' avatars stay local: no editor's email hash goes to a third party, and the admin's
# Content Security Policy (self-hosted images only) has nothing to block.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Search: Wagtail's database backend (PostgreSQL full-text search, which also keeps the
# public search's own rows: publications.search_backend; SQLite FTS5 locally)
# unless SEARCH_BACKEND names one of Wagtail's search-server backends ("opensearch3",
# "opensearch2", "elasticsearch9", "elasticsearch8", "elasticsearch7"; its Python client
# installed) at SEARCH_URLS. Run `manage.py update_index` after switching (README › Search).
SEARCH_BACKEND = env_str("SEARCH_BACKEND", "database")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "publications.search_backend"}}
if SEARCH_BACKEND != "database":
    WAGTAILSEARCH_BACKENDS["default"] = {
        "BACKEND": f"wagtail.search.backends.{SEARCH_BACKEND}",
        "URLS": env_list("SEARCH_URLS", ["http://localhost:9200"]),
        "INDEX_PREFIX": env_str("SEARCH_INDEX_PREFIX", "bcsp_"),
        "TIMEOUT": env_int("SEARCH_TIMEOUT", 5),
    }
WAGTAILDOCS_DOCUMENT_MODEL = "publications.PublicationDocument"
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "ppt", "pptx", "csv"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 30 * 1024 * 1024
# Documents are served only through the document view, which checks the collection's and the
# linking pages' view restrictions (bcsp_site.core.documents). WAGTAILDOCS_SERVE_METHOD is
# left unset so Wagtail picks per storage: from local disk it sends the file itself (or
# hands it to nginx), from S3 it redirects to a signed, short-lived URL of the object.
WAGTAILDOCS_DOCUMENT_FORM_BASE = "bcsp_site.core.uploads.DocumentForm"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 15 * 1024 * 1024
# A PDF's text, page count and first page are read by the task worker in a child process
# under these limits (publications.pdf_sandbox); a PDF past one keeps no text, a warning is
# logged and the worker goes on. Text is taken from the first pages only, up to a length.
PDF_PARSE_MEMORY_MB = env_int("PDF_PARSE_MEMORY_MB", 768)
PDF_PARSE_CPU_SECONDS = env_int("PDF_PARSE_CPU_SECONDS", 60)
PDF_PARSE_TIMEOUT_SECONDS = env_int("PDF_PARSE_TIMEOUT_SECONDS", 120)
PDF_TEXT_MAX_PAGES = env_int("PDF_TEXT_MAX_PAGES", 500)
PDF_TEXT_MAX_CHARS = env_int("PDF_TEXT_MAX_CHARS", 500_000)
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
# SVG for the organisation's logo only (checked for scripts on upload: bcsp_site.core.images).
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif", "svg"]
WAGTAILIMAGES_IMAGE_FORM_BASE = "bcsp_site.core.uploads.ImageForm"
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_PASSWORD_RESET_ENABLED = True
# The reset email is sent by a task, to at most ADMIN_PASSWORD_RESETS_PER_ACCOUNT requests
# per address asked about and ADMIN_PASSWORD_RESETS_PER_IP per visitor in each window of
# ADMIN_PASSWORD_RESET_WINDOW seconds; every request gets the same answer.
# (A class's path, not a password.)
_RESET_FORM = "bcsp_site.signin.password_reset.ThrottledPasswordResetForm"
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = _RESET_FORM
ADMIN_PASSWORD_RESETS_PER_ACCOUNT = env_int("ADMIN_PASSWORD_RESETS_PER_ACCOUNT", 3)
ADMIN_PASSWORD_RESETS_PER_IP = env_int("ADMIN_PASSWORD_RESETS_PER_IP", 10)
ADMIN_PASSWORD_RESET_WINDOW = env_int("ADMIN_PASSWORD_RESET_WINDOW", 3600)
WAGTAILADMIN_COMMENTS_ENABLED = True

# Security headers that hold everywhere; production.py adds HTTPS-only settings.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365  # a visitor's choice of language lasts a year

# Content Security Policy: public pages run only the site's own script files, so they need
# no nonce and stay the same for every visitor (the page cache and a CDN share them); the
# admin gets its own looser policy (see bcsp_site.middleware), scoped to /admin/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [
            "https://www.youtube-nocookie.com",
            "https://www.youtube.com",
            "https://player.vimeo.com",
        ],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "bcsp": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# Hardening (bcsp_site.core.security, bcsp_site.core.errors): browser features the site never uses,
# an optional allow-list of addresses (or CIDR networks) for /admin/, friendly error pages.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), browsing-topics=()"
)
ADMIN_ALLOWED_IPS = env_list("ADMIN_ALLOWED_IPS")
CSRF_FAILURE_VIEW = "bcsp_site.core.errors.csrf_failure"
# No script reads the CSRF cookie (Wagtail's admin and comments.js get the token from the
# page or from comments:form_token), so keep it out of reach of scripts too.
CSRF_COOKIE_HTTPONLY = True
MAX_QUERY_STRING_LENGTH = 4096
# Views whose forms report bad query parameters (NUL bytes…) next to the field themselves.
FORM_VALIDATED_VIEWS = ["publications.views.search"]

# Admin sign-in throttling (django-axes, with the two limits of bcsp_site.core.security's
# LoginThrottle): AXES_FAILURE_LIMIT failures for one username from one address pause that
# username there, and AXES_IP_FAILURE_LIMIT failures from one address (any usernames) pause
# the address, for AXES_COOLOFF_MINUTES after the last failure. Guesses from elsewhere never
# lock an editor out. Successful sign-ins are not recorded; failed ones are deleted by
# purge_personal_data after LOGIN_ATTEMPT_DAYS.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "bcsp_site.core.security.LoginThrottle"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
# The pair first, then the address alone: LoginThrottle reads them in this order.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "bcsp_site.core.visitors.client_ip"
AXES_CLIENT_STR_CALLABLE = "bcsp_site.core.security.login_client_str"
AXES_LOCKOUT_CALLABLE = "bcsp_site.core.errors.login_locked_out"
LOGIN_ATTEMPT_DAYS = env_int("LOGIN_ATTEMPT_DAYS", 7)

# Two-step verification of admin sign-ins (django-otp; bcsp_site.signin): with
# ADMIN_REQUIRE_2FA every editor sets up an authenticator app at their next sign-in; without
# it only those who set one up (Account › Two-step verification) are asked for a code.
# On by default under the production settings.
ADMIN_REQUIRE_2FA = env_bool("ADMIN_REQUIRE_2FA", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "BCSP")


def passkey_relying_party(admin_base_url):
    """The host name passkeys are made for and the origins they are used from, by default
    those of the admin's address. Browsers make no passkeys for an IP address, so an address
    given as one (the development default) becomes localhost on the same port."""
    parts = urlsplit(admin_base_url)
    host = parts.hostname or "localhost"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host, [f"{parts.scheme}://{parts.netloc}"]
    port = f":{parts.port}" if parts.port else ""
    return "localhost", [f"{parts.scheme}://localhost{port}"]


# Passkeys as a second factor beside the app (django-otp-webauthn; bcsp_site.signin.passkeys).
# Never instead of the password: Wagtail's sign-in, with its throttling, stays the way in.
# A passkey works only on the host name it was made for (OTP_WEBAUTHN_RP_ID): changing it
# makes every editor's passkeys useless.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
_PASSKEY_HOST, _PASSKEY_ORIGINS = passkey_relying_party(WAGTAILADMIN_BASE_URL)
OTP_WEBAUTHN_RP_ID = env_str("OTP_WEBAUTHN_RP_ID", _PASSKEY_HOST)
OTP_WEBAUTHN_RP_NAME = env_str("OTP_WEBAUTHN_RP_NAME", WAGTAIL_SITE_NAME)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("OTP_WEBAUTHN_ALLOWED_ORIGINS", _PASSKEY_ORIGINS)

# No personal data in logs: emails, IP addresses and e-bulletin link tokens are redacted
# from every record (bcsp_site.core.logging); production.py writes JSON lines.
LOGGING["filters"] = {"redact": {"()": "bcsp_site.core.logging.RedactPersonalData"}}
LOGGING["handlers"]["console"]["filters"] = ["redact"]
LOGGING["loggers"]["axes"] = {"handlers": ["console"], "level": "WARNING", "propagate": False}
