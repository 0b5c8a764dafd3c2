"""The test settings as a separate server process runs them: the database named by
DATABASE_URL (the test's own) and the cache REDIS_URL names, as production configures it."""

from bcsp_site.settings import base
from bcsp_site.settings.test import *  # noqa: F403

CACHES = base.CACHES
CACHE_SINGLE_PROCESS = False
