"""A Redis cache that degrades instead of taking the site down when Redis is unreachable.

Django's ``RedisCache`` raises on connection errors, so a stopped Redis would turn every
page into a 500. This backend catches them: reads are misses, writes are dropped, and
``incr`` answers as if the counter had just been created (so a rate limit lets the request
through). After a failure Redis is left alone for ``RETRY_SECONDS`` so a dead server costs
each request nothing, then tried again: the site recovers by itself when Redis returns.

While Redis is down the comment and sign-up rate limits and the Site cache are not in
force; pages are still served, from the database.
"""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("bcsp.cache")

RETRY_SECONDS = 2.0
_MISSING = object()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new ``redis.Redis`` object, with its table of some 170 response
    callbacks, for every cache call: a fifth of the time a cached page takes to serve. One
    object per connection pool does the same work (it is thread-safe; the pool hands out
    the connections)."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._down_until = 0.0

    def _guarded(self, method, *args, fallback=None, **kwargs):
        if self._down_until:
            if time.monotonic() < self._down_until:
                return fallback
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except RedisError as error:
            if not self._down_until:
                logger.warning(
                    "Cache unavailable (%s); serving without it, rate limits not enforced",
                    type(error).__name__,
                )
            self._down_until = time.monotonic() + RETRY_SECONDS
            return fallback
        if self._down_until:
            logger.warning("Cache available again")
            self._down_until = 0.0
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("add", key, value, timeout, version, fallback=False)

    def get(self, key, default=None, version=None):
        return self._guarded("get", key, default, version, fallback=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guarded("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("touch", key, timeout, version, fallback=False)

    def delete(self, key, version=None):
        return self._guarded("delete", key, version, fallback=False)

    def get_many(self, keys, version=None):
        return self._guarded("get_many", keys, version, fallback={})

    def has_key(self, key, version=None):
        return self._guarded("has_key", key, version, fallback=False)

    def incr(self, key, delta=1, version=None):
        # A missing key still raises ValueError, as Django's cache API promises.
        return self._guarded("incr", key, delta, version, fallback=delta)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        self._guarded("set_many", data, timeout, version)
        return []

    def delete_many(self, keys, version=None):
        self._guarded("delete_many", keys, version)

    def clear(self):
        return self._guarded("clear", fallback=False)


class LayeredCache(BaseCache):
    """A shared cache (LOCATION names its alias) with a small local-memory layer in front.

    Only for entries whose key names their content for good, such as those that include the
    content generation (bcsp_site.fragments): a copy kept in the worker can never be stale,
    and reading it costs no round trip to Redis. Writes go to both layers.
    """

    def __init__(self, location, params):
        super().__init__(params)
        self._shared_alias = location or "default"
        options = params.get("OPTIONS", {})
        self.local = LocMemCache(
            f"layered-{self._shared_alias}",
            {
                "TIMEOUT": options.get("LOCAL_TIMEOUT", 600),
                "OPTIONS": {"MAX_ENTRIES": options.get("LOCAL_MAX_ENTRIES", 500)},
            },
        )

    @property
    def shared(self):
        return caches[self._shared_alias]

    def get(self, key, default=None, version=None):
        value = self.local.get(key, _MISSING, version)
        if value is _MISSING:
            value = self.shared.get(key, _MISSING, version)
            if value is _MISSING:
                return default
            self.local.set(key, value, version=version)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        self.shared.set(key, value, timeout, version)
        self.local.set(key, value, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        added = self.shared.add(key, value, timeout, version)
        if added:
            self.local.set(key, value, version=version)
        return added

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        return self.shared.touch(key, timeout, version)

    def delete(self, key, version=None):
        self.local.delete(key, version)
        return self.shared.delete(key, version)

    def has_key(self, key, version=None):
        return self.local.has_key(key, version) or self.shared.has_key(key, version)

    def clear(self):
        self.local.clear()
        return self.shared.clear()
