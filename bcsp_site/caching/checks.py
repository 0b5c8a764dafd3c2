"""System checks: caches that each process keeps for itself, where several processes serve.

The content generation, the fragments and remembered values keyed by it, the page cache
and the rate limits are only right when every process sees the same cache. With a cache
of each process's own (local memory, a dummy cache, files on one server's disk) a change
published through one gunicorn worker, the task worker or another server would stay hidden
behind the other processes' copies. So:

- ``bcsp.E001`` (``check --deploy``): a process-local cache, unless the operator declares
  that one process serves the site (``CACHE_SINGLE_PROCESS=1``).
- ``bcsp.E002`` (every check, so ``runserver`` and gunicorn refuse to start): the page
  cache switched on over a process-local cache, under the same exception.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.utils.module_loading import import_string

from .backends import LayeredCache

# Backends whose entries every process and server that names the same location sees.
SHARED_BACKENDS = (
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
    "django.core.cache.backends.db.DatabaseCache",
)
HINT = (
    "Set REDIS_URL to a Redis server that every web worker, the task worker and every "
    "server share; or, only if exactly one process serves the site and changes its content, "
    "set CACHE_SINGLE_PROCESS=1."
)


def _is_shared(alias, seen=()):
    config = settings.CACHES.get(alias)
    if config is None or alias in seen:
        return False
    backend = import_string(config["BACKEND"])
    if issubclass(backend, LayeredCache):
        # Its local layer only holds entries whose keys never change meaning.
        return _is_shared(config.get("LOCATION") or "default", (*seen, alias))
    return any(issubclass(backend, import_string(shared)) for shared in SHARED_BACKENDS)


def process_local_caches():
    """The aliases of CACHES whose entries only the process that wrote them sees."""
    return [alias for alias in settings.CACHES if not _is_shared(alias)]


def _single_process():
    return getattr(settings, "CACHE_SINGLE_PROCESS", False)


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    local = process_local_caches()
    if not local or _single_process():
        return []
    names = ", ".join(f"{alias} ({settings.CACHES[alias]['BACKEND']})" for alias in local)
    return [
        Error(
            f"The cache is kept by each process for itself: {names}. A change published "
            "through one process (a gunicorn worker, the task worker, another server) would "
            "stay hidden behind the cached pages and fragments of the others, and rate "
            "limits would count per process.",
            hint=HINT,
            id="bcsp.E001",
        )
    ]


@register(Tags.caches)
def check_page_cache(app_configs, **kwargs):
    if not settings.PAGE_CACHE_ENABLED or _single_process():
        return []
    if "default" not in process_local_caches():
        return []
    return [
        Error(
            "The page cache (PAGE_CACHE) is on over a cache each process keeps for itself "
            f"({settings.CACHES['default']['BACKEND']}): with more than one process, "
            "visitors would be served pages that a change published elsewhere replaced.",
            hint=f"Set PAGE_CACHE=0, or {HINT[0].lower()}{HINT[1:]}",
            id="bcsp.E002",
        )
    ]
