"""Reading the content generation from Redis: no local copy, KeyWatch, redis-py's client-side cache.

    python bench/client_cache.py [--redis redis://127.0.0.1:6379/13] [--reads 20000]

Every request reads the generation key once. For each way of reading it this times
``--reads`` such reads through the site's cache backend and counts the commands sent to Redis
(a counting connection, cross-checked with ``INFO commandstats``). Then it checks freshness:
another client sets the key and the reader must see the new value; how many reads still
returned the old one and how long the new one took to arrive. Last, the reader's
connections are killed (``CLIENT KILL``), the key is changed, and the next read must show it.
A second table times reads of a generation-keyed fragment, which never changes: from Redis
each time, from LayeredCache's local layer, and from redis-py's client-side cache.

redis-py refuses client-side caching on Redis older than 7.4; when the server is older,
the refusal is reported and the redis-py row is measured with that check lifted (the
tracking commands it uses exist since Redis 6), so the mechanisms can still be compared.

Uses only keys under its own prefix in the given database, and deletes them at the end.
"""

import argparse
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from redis.cache import CacheConfig, TrackingMode  # noqa: E402
from redis.connection import CacheProxyConnection, Connection  # noqa: E402

from bcsp_site.caching.backends import LayeredCache, ResilientRedisCache  # noqa: E402

PREFIX = f"bench-client-cache-{os.getpid()}"
KEY = "fragments:generation"
READER = f"{PREFIX}-reader"
# A fragment as the content cache keeps it: a publication's text, a listing's cards.
FRAGMENT = "<article><p>" + "Police integrity and public trust. " * 120 + "</p></article>"
FRESHNESS_ROUNDS = 200


class CountingConnection(Connection):
    """Counts what is written to Redis: each write is one command, one round trip."""

    sent = 0

    def send_packed_command(self, command, check_health=True):
        CountingConnection.sent += 1
        super().send_packed_command(command, check_health)


def only_the_generation(command, keys):
    return all(str(key).endswith(KEY) for key in keys)


def counted(row):
    return {"connection_class": CountingConnection, "client_name": f"{READER}-{row}"}


def client_side(row):
    return {
        **counted(row),
        "protocol": 3,
        "cache_config": CacheConfig(
            max_size=100,
            tracking_mode=TrackingMode.OPTIN,
            cache_predicate=only_the_generation,
        ),
    }


def backends(url):
    plain = ResilientRedisCache(url, {"KEY_PREFIX": PREFIX, "OPTIONS": counted(1)})
    watched = ResilientRedisCache(url, {"KEY_PREFIX": PREFIX, "OPTIONS": counted(2)})
    tracked = ResilientRedisCache(url, {"KEY_PREFIX": PREFIX, "OPTIONS": client_side(3)})
    # The same client-side cache without Django's cache API around it: what redis-py alone costs.
    bare = redis.Redis.from_url(url, **client_side(4))
    loads = tracked._cache._serializer.loads

    def bare_read(key):
        value = bare.get(tracked.make_key(key))
        return None if value is None else loads(value)

    return [
        ("no local copy", plain.get, 1, None),
        ("KeyWatch", watched.get_watched, 2, watched._watch),
        ("redis-py client-side cache", tracked.get, 3, None),
        ("  the same, redis-py alone", bare_read, 4, None),
    ]


def get_calls(admin):
    return int(admin.info("commandstats").get("cmdstat_get", {}).get("calls", 0))


def throughput(read, reads, admin):
    read(KEY)  # connect and fill
    CountingConnection.sent = 0
    before = get_calls(admin)
    start = time.perf_counter()
    for _request in range(reads):
        read(KEY)
    elapsed = time.perf_counter() - start
    # INFO itself is one GET-free command; other clients of the server may add GETs.
    return reads / elapsed, CountingConnection.sent, get_calls(admin) - before


def freshness(read, writer):
    stale_reads, waits = 0, []
    for round_number in range(FRESHNESS_ROUNDS):
        value = f"v{round_number}"
        writer.set(KEY, value, None)
        written = time.perf_counter()
        while read(KEY) != value:
            stale_reads += 1
            if time.perf_counter() - written > 5:
                return stale_reads, None
        waits.append(time.perf_counter() - written)
    waits.sort()
    return stale_reads, (waits[len(waits) // 2], waits[-1])


def after_lost_connection(read, row, watch, writer, admin):
    """Kill this reader's connections only (named, and KeyWatch's own), then change the key."""
    writer.set(KEY, "before-kill", None)
    while read(KEY) != "before-kill":
        pass
    killed = 0
    for client in admin.client_list():
        if client["name"] == f"{READER}-{row}" or (watch and int(client["id"]) == watch.client_id):
            admin.client_kill_filter(_id=client["id"])
            killed += 1
    writer.set(KEY, "after-kill", None)
    seen = [read(KEY) for _read in range(3)]
    return killed, seen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--reads", type=int, default=20000)
    options = parser.parse_args()
    shared = {"BACKEND": "bcsp_site.caching.backends.ResilientRedisCache"}
    settings.configure(
        CACHES={"default": {**shared, "LOCATION": options.redis, "KEY_PREFIX": PREFIX}}
    )
    django.setup()

    admin = redis.Redis.from_url(options.redis)
    version = admin.info("server")["redis_version"]
    writer = ResilientRedisCache(options.redis, {"KEY_PREFIX": PREFIX})
    writer.set(KEY, "v-start", None)
    print(f"Redis {version}, redis-py {redis.__version__}, {options.reads} reads per row\n")

    probe = redis.Redis.from_url(options.redis, protocol=3, cache_config=CacheConfig())
    try:
        probe.get(f"{PREFIX}:probe")
        print("redis-py client-side caching: accepted by this server")
    except redis.ConnectionError as error:
        print(f"redis-py client-side caching refused: {error}")
        print("  (measured below with the version check lifted)")
        CacheProxyConnection.MIN_ALLOWED_VERSION = version
    print()

    rows = []
    for name, read, row, watch in backends(options.redis):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            per_second, sent, gets = throughput(read, options.reads, admin)
            stale, slowest = freshness(read, writer)
            killed, seen = after_lost_connection(read, row, watch, writer, admin)
        rows.append((name, per_second, sent, gets, stale, slowest, killed, seen))

    header = ("reads", "reads/s", "commands", "GETs", "stale", "change seen in", "after kill")
    print(
        f"{header[0]:<28}{header[1]:>10}{header[2]:>10}{header[3]:>8}{header[4]:>7}"
        f"{header[5]:>20}  {header[6]}"
    )
    for name, per_second, sent, gets, stale, slowest, killed, seen in rows:
        slowest_text = (
            "never"
            if slowest is None
            else "{:.0f} / {:.0f} µs".format(*(wait * 1e6 for wait in slowest))
        )
        print(
            f"{name:<28}{per_second:>10.0f}{sent:>10}{gets:>8}{stale:>7}{slowest_text:>20}"
            f"  {killed} killed, then read {seen}"
        )
    print(
        f"\nstale: reads that returned the old value after another client's SET had returned,"
        f" over {FRESHNESS_ROUNDS} changes; change seen in: median / longest wait from that"
        " SET's return until the new value was read."
    )
    content_reads(options.redis, options.reads, admin)
    writer.delete(KEY)


def content_reads(url, reads, admin):
    """A generation-keyed entry (it never changes): read from Redis each time, from
    LayeredCache's local layer, or from redis-py's client-side cache."""
    key = "fragment:publication-body:some-generation"
    tracked = ResilientRedisCache(
        url, {"KEY_PREFIX": PREFIX, "OPTIONS": {**client_side(5), "cache_config": CacheConfig()}}
    )
    rows = [
        (
            "Redis each time",
            ResilientRedisCache(url, {"KEY_PREFIX": PREFIX, "OPTIONS": counted(6)}),
        ),
        ("LayeredCache", LayeredCache("default", {})),
        ("redis-py client-side cache", tracked),
    ]
    rows[0][1].set(key, FRAGMENT, 600)
    print(f"\nA fragment of {len(FRAGMENT)} characters, {reads} reads per row")
    print(f"{'reads':<28}{'reads/s':>10}{'commands':>10}{'GETs':>8}")
    for name, store in rows:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert store.get(key) == FRAGMENT
            CountingConnection.sent = 0
            before = get_calls(admin)
            start = time.perf_counter()
            for _read in range(reads):
                store.get(key)
            per_second = reads / (time.perf_counter() - start)
        gets = get_calls(admin) - before
        print(f"{name:<28}{per_second:>10.0f}{CountingConnection.sent:>10}{gets:>8}")
    rows[0][1].delete(key)


if __name__ == "__main__":
    main()
