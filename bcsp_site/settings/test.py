import os

from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-used-anywhere-else-0123456789"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHE_SINGLE_PROCESS = True  # the test client serves from the test's own process
# The suite runs with the full-page cache on, so every test of a page after a change also
# tests that the change reached the cache; the CDN purges go to a recorder.
PAGE_CACHE_ENABLED = True
WAGTAILFRONTENDCACHE = {"recorder": {"BACKEND": "tests.support.frontend_cache.RecordingBackend"}}
PAGE_CACHE_CDN_SECONDS = 3600
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# One folder per test run, removed when the run ends, so parallel runs never collide.
MEDIA_ROOT = BASE_DIR / "build" / f"test-media-{os.getpid()}"
WAGTAILADMIN_BASE_URL = "http://testserver"
# Passkeys need a host name that is not an address: browser tests reach the live server as
# localhost (and set the origin with its port).
OTP_WEBAUTHN_RP_ID = "localhost"
OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://localhost"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The live server used by browser tests serves uploaded media too.
SERVE_MEDIA = True

# Admin sign-in throttling is switched on per test (the `settings` fixture); other tests
# sign in with client.login many times.
AXES_ENABLED = False
