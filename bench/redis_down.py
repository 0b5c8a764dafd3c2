"""How the site answers while Redis is down: with Redis up, killed, paused, and back again.

    python bench/redis_down.py [--requests 200] [--port 18310] [--redis-port 18311]

Starts a Redis server of its own on 127.0.0.1:--redis-port (nothing is saved to disk) and
the site under gunicorn as production runs it (production settings, two sync workers, that
Redis as REDIS_URL, the page cache on) over the PostgreSQL database in BENCH_DATABASE_URL
(prepared as bench/run.py prepares it; --publications, default 200, when it is new). Then
it asks, one request after another, for a search (never kept whole by the page cache, so
rendered from its fragments and remembered values every time) and a publication (served
from the page cache), and prints the median and 99th percentile of each:

- up: Redis answering;
- killed: Redis killed (connections refused at once);
- paused: a new Redis stopped with SIGSTOP (it accepts connections but never answers, so
  every call waits for its timeout: the harder case);
- recovered: the paused Redis continued, the same gunicorn still serving; the publication
  must be served from the page cache again (``X-Cache: hit``) without a restart.

Every server it starts is stopped by its process id on the way out. Figures also go to
build/bench/results/redis-down-<time>.json.
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from site_server import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    HOST,
    WORK,
    fetch,
    gunicorn,
    log,
    port_free,
    prepare,
    site_env,
)

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
PHASES = ("up", "killed", "paused", "recovered")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page and phase")
    parser.add_argument("--port", type=int, default=18310, help="gunicorn's port")
    parser.add_argument("--redis-port", type=int, default=18311, help="the Redis server's port")
    parser.add_argument("--publications", type=int, default=200)
    return parser.parse_args()


@contextlib.contextmanager
def redis_server(port):
    """A Redis server of our own on `port`, killed on exit if it still runs."""
    if not port_free(port):
        raise SystemExit(f"Port {port} on {HOST} is in use; choose another with --redis-port.")
    process = subprocess.Popen(
        [REDIS_SERVER, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _attempt in range(100):
            if not port_free(port):
                break
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)
            process.kill()
            process.wait(timeout=5)


def timed(url):
    """(milliseconds, status, X-Cache) of a GET."""
    started = time.perf_counter()
    status, headers, _body = fetch(url)
    return (time.perf_counter() - started) * 1000, status, headers.get("X-Cache", "")


def measure(server, pages, requests):
    """{label: {"median", "p99", "statuses", "x_cache"}} over `requests` GETs of each page."""
    figures = {}
    for label, path in pages:
        times, statuses, hits = [], {}, {}
        for _request in range(requests):
            ms, status, x_cache = timed(server.url + path)
            times.append(ms)
            statuses[status] = statuses.get(status, 0) + 1
            hits[x_cache] = hits.get(x_cache, 0) + 1
        times.sort()
        figures[label] = {
            "median": statistics.median(times),
            "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
            "statuses": statuses,
            "x_cache": hits,
        }
    return figures


def pages():
    from publications.models import PublicationPage

    publication = (
        PublicationPage.objects.live()
        .filter(locale__language_code="en", opedpage__isnull=True)
        .order_by("-publication_date")
        .first()
    )
    return [
        ("search (uncached)", "/en/search/?q=police"),
        ("publication (cached)", publication.url),
    ]


def warm_up(server, targets):
    for _round in range(5):
        for _label, path in targets:
            fetch(server.url + path)


def main():
    args = parse_args()
    if not os.path.exists(REDIS_SERVER):
        raise SystemExit("redis-server is missing: apt-get install redis-server")
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = f"redis://{HOST}:{args.redis_port}/0"
    env = site_env(args.port, database_url, redis_url, page_cache=True)
    results = {}
    with redis_server(args.redis_port) as first_redis:
        prepare(env, args.publications)
        targets = pages()
        with gunicorn(env, args.port) as server:
            warm_up(server, targets)
            log("Redis up")
            results["up"] = measure(server, targets, args.requests)

            first_redis.kill()
            first_redis.wait(timeout=5)
            log("Redis killed")
            results["killed"] = measure(server, targets, args.requests)

            with redis_server(args.redis_port) as paused:
                warm_up(server, targets)
                os.kill(paused.pid, signal.SIGSTOP)
                log("Redis paused (SIGSTOP)")
                results["paused"] = measure(server, targets, args.requests)
                os.kill(paused.pid, signal.SIGCONT)
                log("Redis continued (SIGCONT)")
                time.sleep(3)  # longer than the site leaves a failed Redis alone
                warm_up(server, targets)
                results["recovered"] = measure(server, targets, args.requests)

    print(f"\n{'page':<24}{'Redis':<12}{'median ms':>10}{'p99 ms':>10}  statuses, X-Cache")
    for phase in PHASES:
        for label, row in results[phase].items():
            print(
                f"{label:<24}{phase:<12}{row['median']:>10.1f}{row['p99']:>10.1f}"
                f"  {row['statuses']}, {row['x_cache']}"
            )
    for label, _path in targets:
        up = results["up"][label]["median"]
        worst = max(results[phase][label]["median"] for phase in ("killed", "paused"))
        print(f"{label}: worst median with Redis down is {worst / up:.1f}× the median with it up")
    out = WORK / "results" / f"redis-down-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    log(f"figures saved to {out}")


if __name__ == "__main__":
    main()
