"""Median server-side time of searches against the publications listing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bcsp_search \\
        python bench/search_bench.py [--requests 30]

The database must hold the demo content with the synthetic publications first:

    python manage.py migrate && python manage.py load_demo_content --publications 10000 --no-images

Each page is requested in-process through the full middleware stack (test settings: no
debug toolbar, local-memory cache) after a few warm-up requests; the script prints the SQL
queries and the median and 90th-percentile time to answer for each.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PAGES = [
    ("listing /en/publications/", "/en/publications/", {}),
    ("keywords + one filter", "/en/search/", {"q": "police reform", "kind": "analysis"}),
    ("keywords only", "/en/search/", {"q": "security"}),
    ("keywords, newest first", "/en/search/", {"q": "security", "sort": "newest"}),
    ("phrase + years", "/en/search/", {"q": '"intelligence oversight"', "year_from": "2015"}),
    ("diacritics folded", "/en/search/", {"q": "Djordjevic"}),
    ("filters only (browse)", "/en/search/", {"tag": "corruption", "year_from": "2020"}),
    ("everything, newest first", "/en/search/", {"sort": "newest"}),
    ("filters only, page 40", "/en/search/", {"kind": "analysis", "page": "40"}),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    return parser.parse_args()


def main():
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bcsp_site.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from publications.models import PublicationPage

    setup_test_environment()  # so that responses carry their template context
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics after a bulk load

    total = PublicationPage.objects.live().count()
    print(f"{connection.vendor}, {total} live publications, {args.requests} requests per page\n")
    header = ("page", "status", "results", "queries", "median ms", "p90 ms")
    print("{:32} {:>6} {:>8} {:>8} {:>10} {:>8}".format(*header))
    client = Client()
    for label, path, params in PAGES:
        for _ in range(args.warmup):
            client.get(path, params)
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(path, params)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, params)
        context = response.context or {}
        results = context.get("total", "")
        if results == "" and context.get("publications") is not None:
            results = context["publications"].paginator.count
        p90 = statistics.quantiles(timings, n=10)[-1]
        print(
            f"{label:32} {response.status_code:>6} {results!s:>8} {len(queries):>8} "
            f"{statistics.median(timings):>10.1f} {p90:>8.1f}"
        )


if __name__ == "__main__":
    main()
