"""Benchmark the public pages as production serves them, uncached and cached, with wrk.

    python bench/run.py [--duration 10] [--quick] [--publications 10000] [--port 18500]

Creates (if missing) the PostgreSQL database in BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/bcsp_bench), migrates it, loads the demo content with
10,000 synthetic publications (skipped when they are there) and collects the static files.
With more than 10,000 (`--publications 100000`) the run measures both sizes, each in a
database of its own (`bcsp_bench` and `bcsp_bench_100000`), and ends with the two side by
side; the time it took to generate a database is shown when it was generated in this run.
Counts each page's SQL queries in this process (Django's test client against the same
database, after a warm-up request). Then starts gunicorn with production settings and two
sync workers on 127.0.0.1, once with PAGE_CACHE=0 and once with =1, and drives each
page type and a static file served by WhiteNoise with Debian's wrk (`wrk -t2 -c8 --latency`).
Cached rows are shown only when the server reports cache hits (an `X-Cache: hit` header).

Prints requests/s, median and 99th-percentile latency, SQL queries and the throughput as a
share of the static file's, and saves the figures to build/bench/results/. BENCH_REDIS_URL
runs the site on a Redis cache (as production does) instead of per-worker local memory.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from site_server import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    WORK,
    fetch,
    gunicorn,
    log,
    prepare,
    site_env,
)

WRK = shutil.which("wrk") or "/usr/bin/wrk"
# Requests/s each page must reach uncached; cached pages must reach this share of the
# static file's throughput.
UNCACHED_TARGETS = {
    "home": 100,
    "listing": 100,
    "listing, deepest page": 100,
    "year archive": 100,
    "tag page": 100,
    "author": 100,
    "publication": 150,
    "op-ed": 150,
    "search": 50,
}
# Each request of this row asks something no earlier request asked, so no ranking kept from
# an earlier search helps: what a crawler or a crowd of different readers costs. Reported,
# without a target of its own.
VARIED_SEARCH = "search, new query each time"
CACHED_SHARE_TARGET = 0.70
# The size every run measures; a larger one is measured beside it.
BASE_SIZE = 10_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument(
        "--quick", action="store_true", help="3 s per page and a 1 s warm-up: a rough check"
    )
    parser.add_argument(
        "--publications",
        type=int,
        default=BASE_SIZE,
        help=f"synthetic publications; above {BASE_SIZE:,} both sizes are measured",
    )
    parser.add_argument("--json", help=argparse.SUPPRESS)  # one size's figures, for the run
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "18500")))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument(
        "--mode",
        choices=("both", "uncached", "cached"),
        default="both",
        help="measure without the page cache, with it, or both (the default)",
    )
    args = parser.parse_args()
    if args.quick:
        args.duration = 3
    args.warmup = 1 if args.quick else 2
    return args


def pages_to_measure():
    """(label, path) for each page type, picked from the data in the database."""
    from django.db.models import Count

    from authors.models import AuthorPage
    from bcsp_site.core.pagination import MAX_PAGE
    from publications.models import OpEdPage, PublicationPage, PublicationPageTag

    publications = PublicationPage.objects.live().filter(locale__language_code="en")
    publication = (
        publications.exclude(slug__startswith="generated-")
        .filter(opedpage__isnull=True)
        .order_by("-publication_date")
        .first()
    )
    op_ed = OpEdPage.objects.live().order_by("-publication_date").first()
    busiest_tag = (
        PublicationPageTag.objects.filter(tag__locale__language_code="en")
        .values("tag__slug")
        .annotate(uses=Count("id"))
        .order_by("-uses")
        .first()["tag__slug"]
    )
    busiest_author = (
        AuthorPage.objects.live()
        .filter(locale__language_code="en")
        .annotate(works=Count("publication_links"))
        .order_by("-works")
        .first()
    )
    newest_year = publications.order_by("-publication_date").first().publication_date.year
    varied = varied_searches()
    return [
        ("home", "/en/"),
        ("listing", "/en/publications/"),
        # The deepest page a list has (past the end of a shorter list: its last page).
        ("listing, deepest page", f"/en/publications/?page={MAX_PAGE}"),
        ("year archive", f"/en/publications/{newest_year - 1}/"),
        ("tag page", f"/en/publications/tags/{busiest_tag}/"),
        ("author", busiest_author.url),
        ("publication", publication.url),
        ("op-ed", op_ed.url),
        ("search", "/en/search/?q=police+reform&kind=analysis"),
        (VARIED_SEARCH, varied[0]),
        ("sitemap index", "/sitemap.xml"),
    ]


def varied_searches():
    """Search addresses that differ from one another: every pair of words from the generated
    titles, with each kind as a filter (some two thousand)."""
    from urllib.parse import urlencode

    from bcsp_site.demo.bulk import SYNTHETIC_NOUNS, SYNTHETIC_TOPICS
    from publications.models import PublicationKind

    kinds = PublicationKind.objects.filter(locale__language_code="en").values_list(
        "slug", flat=True
    )
    return [
        "/en/search/?" + urlencode({"q": f"{noun} {topic}", "kind": kind})
        for kind in kinds
        for noun in SYNTHETIC_NOUNS
        for topic in SYNTHETIC_TOPICS
    ]


def varied_search_script():
    """A wrk script that sends each of `varied_searches()` once, each thread its own share."""
    paths = varied_searches()
    script = WORK / "varied-search.lua"
    quoted = ",\n".join(f'  "{path}"' for path in paths)
    script.write_text(
        f"local paths = {{\n{quoted}\n}}\n"
        "local threads = 0\n"
        "function setup(thread)\n"
        "  thread:set('first', threads * 1000)\n"
        "  threads = threads + 1\n"
        "end\n"
        "local sent = 0\n"
        "function request()\n"
        "  sent = sent + 1\n"
        "  return wrk.format('GET', paths[(first + sent) % #paths + 1])\n"
        "end\n"
    )
    return script


def count_queries(path, host, warm_up_path=None):
    """SQL queries of one warm request, in this process through the full middleware stack
    (warmed by `warm_up_path` when given: the queries of a search not asked before)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=host)
    for _warm_up in range(2):
        response = client.get(warm_up_path or path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} in-process")
    return len(queries)


def to_ms(value):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def run_wrk(url, args, duration, script=None):
    command = [
        WRK,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        "--latency",
        *(["-s", str(script)] if script else []),
        url,
    ]
    output = subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=duration + 60
    ).stdout
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.MULTILINE))
    throughput = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not throughput or "50" not in percentiles or "99" not in percentiles:
        raise SystemExit(f"Could not read wrk's report for {url}:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests_per_second": float(throughput.group(1)),
        "p50_ms": to_ms(percentiles["50"]),
        "p99_ms": to_ms(percentiles["99"]),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


def measure_one(server, url, args, script=None):
    """wrk's figures for `url`, after a warm-up, with gunicorn's CPU time per request."""
    if script is None:
        run_wrk(url, args, args.warmup)
    cpu_before = server.cpu_seconds()
    result = run_wrk(url, args, args.duration, script)
    cpu = server.cpu_seconds() - cpu_before
    result["cpu_ms_per_request"] = 1000 * cpu / max(result["requests"], 1)
    return result


def measure(server, targets, args, cached):
    """wrk figures for each (label, path) in `targets`."""
    results = {}
    for label, path in targets:
        url = server.url + path
        status, headers, _body = fetch(url)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
        if cached:
            # Each gunicorn worker keeps its own copy: the request that shows a hit may reach
            # one that has not had the page yet, so ask a few times before calling it uncached.
            for _ in range(2 * args.workers + 2):
                status, headers, _body = fetch(url)
                if headers.get("X-Cache", "").lower() == "hit":
                    break
            else:
                results[label] = None  # the server did not serve it from its cache
                continue
        script = varied_search_script() if label == VARIED_SEARCH else None
        results[label] = measure_one(server, url, args, script)
        results[label]["path"] = path
        log(
            f"{'cached' if cached else 'uncached'} {label}: "
            f"{results[label]['requests_per_second']:.0f} req/s"
        )
    return results


def print_table(rows, static, queries, args, cache_name, total, cached_note, load):
    print(
        f"\n{total:,} live publications, PostgreSQL, gunicorn {args.workers} sync workers "
        f"(production settings, cache: {cache_name}), "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s; "
        f"load average before the run {load:.1f} on {os.cpu_count()} CPUs\n"
    )
    width = max([14] + [len(label) for label, _mode, _result in rows])
    header = (
        f"{'page':<{width}} {'mode':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>7} "
        f"{'CPU ms':>7} {'÷ static':>9}  target"
    )
    print(header)
    print("-" * len(header))
    for label, mode, result in rows:
        share = result["requests_per_second"] / static["requests_per_second"]
        if mode == "uncached":
            target = UNCACHED_TARGETS.get(label)
            verdict = (
                f"≥ {target} req/s "
                + ("met" if result["requests_per_second"] >= target else "MISSED")
                if target
                else ""
            )
        else:
            verdict = f"≥ {CACHED_SHARE_TARGET:.0%} " + (
                "met" if share >= CACHED_SHARE_TARGET else "MISSED"
            )
        errors = f"  ({result['non_2xx']} non-2xx)" if result["non_2xx"] else ""
        query_count = queries[label] if mode == "uncached" else "–"
        print(
            f"{label:<{width}} {mode:<9} {result['requests_per_second']:>8.1f} "
            f"{result['p50_ms']:>8.1f} {result['p99_ms']:>8.1f} {query_count!s:>7} "
            f"{result['cpu_ms_per_request']:>7.1f} {share:>9.1%}  {verdict}{errors}"
        )
    print(
        f"{'static file':<{width}} {'':<9} {static['requests_per_second']:>8.1f} "
        f"{static['p50_ms']:>8.1f} {static['p99_ms']:>8.1f} {0:>7} "
        f"{static['cpu_ms_per_request']:>7.2f} {1:>9.1%}"
    )
    print(
        "\nCPU ms: gunicorn's CPU time per request (master and workers), which other load "
        "on the machine changes far less than requests/s; queries: SQL queries of one warm "
        "request."
    )
    if cached_note:
        print(f"\n{cached_note}")


def database_for(size):
    """The benchmark database of `size` publications: BENCH_DATABASE_URL for the base
    size, the same name with the size added for any other."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    return url if size == BASE_SIZE else f"{url}_{size}"


def main():
    args = parse_args()
    if not os.path.exists(WRK):
        raise SystemExit("wrk is missing: apt-get install wrk")
    if args.json or args.publications <= BASE_SIZE:
        return measure_size(args)
    # Each size in a process of its own: Django is set up once per process, on one database.
    reports, status = [], 0
    for size in (BASE_SIZE, args.publications):
        out = WORK / f"size-{size}.json"
        out.unlink(missing_ok=True)
        command = [sys.executable, __file__, *sys.argv[1:], "--json", str(out)]
        command[command.index("--publications") + 1] = str(size)
        status |= subprocess.run(command, check=False).returncode
        if not out.exists():
            raise SystemExit(f"The run at {size:,} publications gave no figures.")
        reports.append(json.loads(out.read_text()))
    print_comparison(reports)
    save_report({"sizes": reports}, "bench-sizes")
    return status


def measure_size(args):
    """Measure every page at one size; print the table and save the figures."""
    database_url = database_for(args.publications)
    redis_url = os.environ.get("BENCH_REDIS_URL", "")
    env = site_env(args.port, database_url, redis_url, page_cache=False)
    generated_in = prepare(env, args.publications)
    load = os.getloadavg()[0]

    from django.templatetags.static import static

    from publications.models import PublicationPage

    targets = pages_to_measure()
    host = f"127.0.0.1:{args.port}"
    queries = {
        label: count_queries(path, host, varied_searches()[-1] if label == VARIED_SEARCH else None)
        for label, path in targets
    }
    static_path = static("css/site.css")
    total = PublicationPage.objects.live().count()

    rows, statics, cached_note = [], [], ""
    modes = ["uncached", "cached"] if args.mode == "both" else [args.mode]
    for mode in modes:
        cached = mode == "cached"
        server_env = site_env(args.port, database_url, redis_url, page_cache=cached)
        with gunicorn(server_env, args.port, workers=args.workers) as server:
            log(f"{mode}: gunicorn up at {server.url}")
            results = measure(server, targets, args, cached)
            fetch(server.url + static_path)
            statics.append(measure_one(server, server.url + static_path, args))
        missing = [label for label, result in results.items() if result is None]
        if cached and len(missing) == len(results):
            cached_note = (
                "Cached mode unavailable: with PAGE_CACHE=1 the server reported no "
                "cache hits (no `X-Cache: hit` header)."
            )
        elif missing:
            cached_note = "Not served from the page cache (no `X-Cache: hit`): " + ", ".join(
                missing
            )
        rows += [(label, mode, results[label]) for label, _path in targets if results[label]]
    # The static file is measured with each server; the better run is its throughput.
    static_file = max(statics, key=lambda result: result["requests_per_second"])
    cache_name = "Redis" if redis_url else "local memory per worker"
    print_table(rows, static_file, queries, args, cache_name, total, cached_note, load)
    if generated_in is not None:
        print(f"\nThe data were made in this run: {generated_in:.0f} s.")

    report = {
        "publications": total,
        "generated_in_s": generated_in,
        "duration_s": args.duration,
        "workers": args.workers,
        "wrk": {"threads": args.threads, "connections": args.connections},
        "cache": cache_name,
        "load_average": load,
        "static_file": {"path": static_path, **static_file},
        "pages": [
            {"page": label, "mode": mode, "queries": queries[label], **result}
            for label, mode, result in rows
        ],
        "cached_note": cached_note,
    }
    save_report(report, "bench")
    if args.json:
        Path(args.json).write_text(json.dumps(report))
    failed = [label for label, _mode, result in rows if result["non_2xx"]]
    return 1 if failed else 0


def save_report(report, name):
    results_dir = WORK / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / time.strftime(f"{name}-%Y%m%d-%H%M%S.json")
    out.write_text(json.dumps(report, indent=2))
    print(f"\nSaved {out}")


def print_comparison(reports):
    """Each page at each size side by side: requests/s, p99 and queries."""
    sizes = [f"{report['publications']:,}" for report in reports]
    by_page = {}
    for number, report in enumerate(reports):
        for row in report["pages"]:
            by_page.setdefault((row["page"], row["mode"]), {})[number] = row
    width = max(len(page) for page, _mode in by_page) + 1
    columns = "".join(f" | {size + ' req/s':>15} {'p50':>6} {'p99':>7} {'q':>3}" for size in sizes)
    header = f"{'page':<{width}} {'mode':<8}{columns}"
    print(f"\nThe same pages at {' and '.join(sizes)} publications (p50/p99 in ms)\n")
    print(header)
    print("-" * len(header))
    for (page, mode), found in by_page.items():
        cells = ""
        for number in range(len(reports)):
            row = found.get(number)
            if row is None:
                cells += f" | {'–':>15} {'':>6} {'':>7} {'':>3}"
                continue
            queries = row["queries"] if mode == "uncached" else "–"
            cells += (
                f" | {row['requests_per_second']:>15.1f} {row['p50_ms']:>6.1f} "
                f"{row['p99_ms']:>7.1f} {queries!s:>3}"
            )
        print(f"{page:<{width}} {mode:<8}{cells}")
    statics = "".join(
        f" | {report['static_file']['requests_per_second']:>15.1f} "
        f"{report['static_file']['p50_ms']:>6.1f} {report['static_file']['p99_ms']:>7.1f} {0:>3}"
        for report in reports
    )
    print(f"{'static file':<{width}} {'':<8}{statics}")
    for report in reports:
        made = report.get("generated_in_s")
        if made is not None:
            print(f"\n{report['publications']:,} publications: data made in this run, {made:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
