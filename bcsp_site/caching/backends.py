"""A Redis cache that degrades instead of taking the site down when Redis is unreachable.

Django's ``RedisCache`` raises on connection errors, so a stopped Redis would turn every
page into a 500. This backend catches them: reads are misses, writes are dropped, and
``incr`` answers as if the counter had just been created (so a rate limit lets the request
through).

A dead or hung Redis must also cost a request next to nothing. Calls have short connect and
read timeouts and are never retried, and the first failure opens a ``CircuitBreaker``
shared by every cache alias, thread and key watch of the process that talks to that
server: for ``RETRY_SECONDS`` nothing asks Redis at all, then one call tries again (the
others still skip it) and, when it succeeds, everything uses Redis again, without a
restart. bench/redis_down.py measures it.

While Redis is down the comment and sign-up rate limits and the shared cache are not in
force; pages are still served, each worker answering with what it kept (the content
generation is then read from the database: ``bcsp_site.caching.generation``).

``get_watched`` reads a key that every request needs (the content generation) without a
round trip: see ``KeyWatch``.
"""

import logging
import os
import select
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import ConnectionPool
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError
from redis.retry import Retry

logger = logging.getLogger("bcsp.cache")

RETRY_SECONDS = 2.0
# Redis answers in well under a millisecond on a local network; a server that takes longer
# than this is treated as down (and left alone for RETRY_SECONDS) rather than waited for.
CONNECT_TIMEOUT_SECONDS = 0.2
SOCKET_TIMEOUT_SECONDS = 0.25
_MISSING = object()


class CircuitBreaker:
    """Whether a Redis server is worth asking, for the whole process.

    Django makes a cache object per alias and per thread, so a flag on each would let every
    one of them wait for the same dead server in turn. One breaker per server instead:
    open on the first failure; after ``RETRY_SECONDS`` the next caller (one only) tries
    Redis again while the rest keep skipping it; a success closes it for everyone.
    """

    def __init__(self, name):
        self.name = name
        self._lock = threading.Lock()
        self._open_until = 0.0

    @property
    def closed(self):
        return not self._open_until

    def allow(self):
        """May this caller ask Redis now? True at most once per interval while open."""
        if not self._open_until:
            return True
        now = time.monotonic()
        with self._lock:
            if not self._open_until:
                return True
            if now < self._open_until:
                return False
            self._open_until = now + RETRY_SECONDS  # this caller tries; the others wait
            return True

    def failed(self, error):
        with self._lock:
            first = not self._open_until
            self._open_until = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "Cache unavailable (%s); serving without it, rate limits not enforced",
                type(error).__name__,
            )

    def succeeded(self):
        if self._open_until:
            with self._lock:
                was_open, self._open_until = bool(self._open_until), 0.0
            if was_open:
                logger.warning("Cache available again")


_breakers = {}
_breakers_lock = threading.Lock()


def breaker_for(server):
    """The process's one breaker for the Redis server at ``server`` (its URL)."""
    breaker = _breakers.get(server)
    if breaker is None:
        with _breakers_lock:
            breaker = _breakers.setdefault(server, CircuitBreaker(server))
    return breaker


class KeyWatch:
    """Values of a few Redis keys, read once and kept in this process until Redis says that
    one of them changed.

    One connection per process asks Redis to report every change of the watched keys (key
    tracking in broadcast mode, Redis 6 or later: ``CLIENT TRACKING ON BCAST PREFIX …``,
    redirected to the same connection's subscription to ``__redis__:invalidate``). Redis
    sends a message when a watched key is written, deleted, expires or is evicted, and when
    the database is flushed, whoever did it. Each read first polls that connection without
    waiting (a system call, not a round trip); a message drops the kept values, and the next
    read asks Redis again.

    When the connection cannot be made or breaks, every read goes to Redis, as without a
    watch, and connecting is tried again after ``RETRY_SECONDS``; a server that refuses key
    tracking (older than Redis 6, or a service that disables ``CLIENT``) is read each time.
    Kept values are also read again every ``VERIFY_SECONDS``: that bounds how long a
    connection that died without being closed (a network dropping packets) could keep a value
    stale.

    Why not redis-py's client-side caching (RESP3, ``cache_config``): redis-py 8.2 refuses it
    on Redis older than 7.4 (Debian 12 and the CI run 7.0), and even where it works a hit
    goes through the whole command path (pool checkout, three non-blocking socket reads,
    some 235 calls). bench/client_cache.py, Redis 7.0.15 on loopback, 20,000 generation reads
    through this backend: no local copy 8,415/s and 20,000 GETs; KeyWatch 143,522/s and none;
    redis-py's (its version check lifted) 11,508/s and none. Both saw every change by another
    client (200 of 200, median 62 µs here, 104 µs there) and read the new value after their
    connections were killed. redis-py's also has no bound on a copy kept through a connection
    that died silently; ``VERIFY_SECONDS`` is that bound here.
    """

    CHANNEL = "__redis__:invalidate"
    VERIFY_SECONDS = 5.0

    def __init__(self, make_connection, breaker=None):
        self._make_connection = make_connection
        self._breaker = breaker or CircuitBreaker("watch")
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._connection = None
        self._poller = None
        self._keys = frozenset()
        self._values = {}
        self._retry_at = 0.0
        self._verify_at = 0.0
        self._warned = False
        self._refused = False
        self.client_id = None  # the watching connection's, as Redis numbers its clients

    @property
    def listening(self):
        return self._connection is not None

    def get(self, key, read):
        """The value of the Redis key ``key``; ``read()`` asks Redis for it."""
        with self._lock:
            if not self._ready(key):
                return read()
            value = self._values.get(key, _MISSING)
            if value is not _MISSING:
                return value
            value = read()
            # A missing key is not kept: whoever creates it next is told nothing here.
            if value is not None and self._connection is not None:
                self._values[key] = value
            return value

    def forget(self, key=None):
        """Drop the kept value of ``key`` (of every key when None): this process changed it,
        and its own next read must not wait for Redis's message."""
        with self._lock:
            if key is None:
                self._values.clear()
            else:
                self._values.pop(key, None)

    def watches(self, key):
        return key in self._keys

    def _ready(self, key):
        if self._refused:
            return False
        now = time.monotonic()
        if self._pid != os.getpid():
            # A forked worker: the connection belongs to the parent process.
            self._pid = os.getpid()
            self._connection = self._poller = self.client_id = None
            self._values.clear()
        if key not in self._keys:
            self._keys |= {key}
            self._close()  # subscribe again, with this key too
            self._retry_at = 0.0
        if self._connection is None:
            if now < self._retry_at or not self._breaker.allow():
                return False
            try:
                self._open()
            except ResponseError as error:
                logger.warning("Redis refuses key tracking (%s); reading keys each time", error)
                self._refused = True
                self._close()
                return False
            except (RedisError, OSError) as error:
                if not self._warned:
                    logger.warning("Cannot watch cache keys (%s); reading them each time", error)
                    self._warned = True
                self._close()
                self._retry_at = now + RETRY_SECONDS
                # The server is down or hung: nothing else in this process should wait for it.
                self._breaker.failed(error)
                return False
            self._breaker.succeeded()
            self._warned = False
            self._verify_at = now + self.VERIFY_SECONDS
        elif now >= self._verify_at:
            self._values.clear()
            self._verify_at = now + self.VERIFY_SECONDS
        try:
            if self._poller.poll(0):
                self._drain()
        except (RedisError, OSError):
            self._close()
            self._retry_at = now + RETRY_SECONDS
            return False
        return True

    def _open(self):
        self._values.clear()
        connection = self._make_connection()
        self._connection = connection
        connection.connect()
        connection.send_command("CLIENT", "ID")
        self.client_id = connection.read_response()
        command = ["CLIENT", "TRACKING", "ON", "REDIRECT", self.client_id, "BCAST"]
        for key in sorted(self._keys):
            command += ["PREFIX", key]
        connection.send_command(*command)
        connection.read_response()
        connection.send_command("SUBSCRIBE", self.CHANNEL)
        connection.read_response()
        self._poller = select.poll()
        self._poller.register(connection._sock, select.POLLIN | select.POLLPRI)

    def _drain(self):
        """Read every message waiting; each says some watched key changed."""
        while True:
            self._connection.read_response()
            self._values.clear()
            if not self._connection.can_read(timeout=0):
                return

    def _close(self):
        connection, self._connection, self._poller = self._connection, None, None
        self.client_id = None
        self._values.clear()
        if connection is not None:
            connection.disconnect()


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
        # Short timeouts, and no retries said outright: redis-py 8's client retries three
        # times with backoff by default; connections from a pool, as Django makes them, do
        # not today, and a failed call must stay one attempt whatever later versions do.
        self._options = {
            "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
            **self._options,
            "retry": Retry(NoBackoff(), 0),
        }
        # Writes go to the first server, so that is the one whose failures count.
        self.breaker = breaker_for(self._servers[0])
        self._watch = KeyWatch(self._watch_connection, self.breaker)

    def _watch_connection(self):
        # Writes go to the first server, so that is where changes are reported.
        pool = ConnectionPool.from_url(
            self._servers[0],
            protocol=2,
            socket_connect_timeout=self._options["socket_connect_timeout"],
            socket_timeout=self._options["socket_timeout"],
            socket_keepalive=True,
            retry=Retry(NoBackoff(), 0),
        )
        return pool.make_connection()

    @property
    def available(self):
        """False while Redis is being left alone after a failure."""
        return self.breaker.closed

    def get_watched(self, key, default=None, version=None):
        """``get()``, but the value is kept in this process until Redis reports that the key
        changed (``KeyWatch``): for the few keys nearly every request reads."""
        if not self.available:
            return default
        full_key = self.make_and_validate_key(key, version=version)
        value = self._watch.get(full_key, lambda: self.get(key, None, version))
        return default if value is None else value

    def _changing(self, key, version):
        full_key = self.make_key(key, version=version)
        if self._watch.watches(full_key):
            self._watch.forget(full_key)

    def _guarded(self, method, *args, fallback=None, **kwargs):
        breaker = self.breaker
        if not breaker.allow():
            return fallback
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except RedisError as error:
            breaker.failed(error)
            return fallback
        breaker.succeeded()
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._changing(key, version)
        return self._guarded("add", key, value, timeout, version, fallback=False)

    def get(self, key, default=None, version=None):
        return self._guarded("get", key, default, version, fallback=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._changing(key, version)
        self._guarded("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("touch", key, timeout, version, fallback=False)

    def delete(self, key, version=None):
        self._changing(key, version)
        return self._guarded("delete", key, version, fallback=False)

    def get_many(self, keys, version=None):
        return self._guarded("get_many", keys, version, fallback={})

    def has_key(self, key, version=None):
        return self._guarded("has_key", key, version, fallback=False)

    def incr(self, key, delta=1, version=None):
        self._changing(key, version)
        # A missing key still raises ValueError, as Django's cache API promises.
        return self._guarded("incr", key, delta, version, fallback=delta)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        for key in data:
            self._changing(key, version)
        self._guarded("set_many", data, timeout, version)
        return []

    def delete_many(self, keys, version=None):
        for key in keys:
            self._changing(key, version)
        self._guarded("delete_many", keys, version)

    def clear(self):
        self._watch.forget()
        return self._guarded("clear", fallback=False)


class LayeredCache(BaseCache):
    """A shared cache (LOCATION names its alias) with a small local-memory layer in front.

    Only for entries whose key names their content for good, such as those that include the
    content generation (bcsp_site.caching.generation): a copy kept in the worker can never be
    stale, and reading it costs no round trip to Redis. Writes go to both layers.

    Django has no such layer, and redis-py's client-side caching would need Redis 7.4 and
    gains little (see ``KeyWatch``). bench/client_cache.py, 20,000 reads of a 4 KB fragment
    on loopback: Redis each time 7,507/s; this layer 137,484/s; redis-py's 11,231/s. Every
    page the page cache does not answer (search, list filters, editors) reads its fragments
    and remembered values here.
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

    # Many entries at once (a search's result cards) are read from and written to the shared
    # cache only, in one round trip: each is asked for rarely, and in the local layer they
    # would push out the fragments every page needs.
    def get_many(self, keys, version=None):
        return self.shared.get_many(keys, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        return self.shared.set_many(data, timeout, version)

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
