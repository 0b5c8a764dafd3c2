"""Benchmark the public pages against 10,000 publications on PostgreSQL.

    python bench/run.py [--requests 50] [--publications 10000]

Creates (if missing) and fills the database in BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/bcsp_bench) with the demo content plus the synthetic
publications, then requests each page type in-process through the full middleware stack
under the production settings and prints, per page, the SQL queries and the median time
to answer, and how many times slower that is than a static file served by WhiteNoise in
the same process. Results are also written to bench/results/ as JSON.
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bcsp_bench"
HOST = "localhost"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--publications", type=int, default=10_000)
    return parser.parse_args()


def ensure_database(url):
    """Create the benchmark database if it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}")


def configure(database_url):
    build = ROOT / "build" / "bench"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bcsp_site.settings.production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": f"{HOST},testserver",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_ROOT": str(build / "static"),
            "MEDIA_ROOT": str(build / "media"),
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def pages_to_measure():
    """(label, path) for each page type, picked from the generated data."""
    from django.db.models import Count

    from authors.models import AuthorPage
    from publications.models import OpEdPage, PublicationPage, PublicationPageTag

    publications = PublicationPage.objects.live().filter(locale__language_code="en")
    publication = publications.exclude(slug__startswith="generated-").filter(opedpage__isnull=True)
    publication = publication.order_by("-publication_date").first()
    op_ed = OpEdPage.objects.live().order_by("-publication_date").first()
    busiest_tag = (
        PublicationPageTag.objects.values("tag__slug")
        .annotate(uses=Count("id"))
        .order_by("-uses")
        .first()["tag__slug"]
    )
    busiest_author = (
        AuthorPage.objects.live()
        .annotate(works=Count("publication_links"))
        .order_by("-works")
        .first()
    )
    newest_year = publications.order_by("-publication_date").first().publication_date.year
    return [
        ("home", "/en/"),
        ("listing", "/en/publications/"),
        ("listing, page 50", "/en/publications/?page=50"),
        ("year archive", f"/en/publications/{newest_year - 1}/"),
        ("tag page", f"/en/publications/tags/{busiest_tag}/"),
        ("publication", publication.url),
        ("op-ed", op_ed.url),
        ("author", busiest_author.url),
        ("author index", "/en/authors/"),
    ]


def measure(client, path, requests):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fetch():
        response = client.get(path, HTTP_HOST=HOST)
        if response.streaming:
            b"".join(response.streaming_content)
        response.close()
        return response

    for _warm_up in range(3):
        response = fetch()
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    query_count = len(queries)  # read now: the next request clears the log
    timings = []
    for _request in range(requests):
        started = time.perf_counter()
        fetch()
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "status": response.status_code,
        "queries": query_count,
        "median_ms": statistics.median(timings),
        "p90_ms": sorted(timings)[int(len(timings) * 0.9) - 1],
    }


def main():
    args = parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    ensure_database(database_url)
    configure(database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.templatetags.static import static
    from django.test import Client

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_demo_content", publications=args.publications, no_images=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics as a live database would have them
    print(f"Data ready in {time.monotonic() - started:.0f}s\n")

    client = Client()
    static_file = measure(client, static("css/site.css"), args.requests)
    rows = [
        (label, path, measure(client, path, args.requests)) for label, path in pages_to_measure()
    ]

    from publications.models import PublicationPage

    total = PublicationPage.objects.live().count()
    print(f"{total} live publications, {args.requests} requests per page, PostgreSQL\n")
    columns = ("status", 6), ("queries", 7), ("median ms", 10), ("p90 ms", 8), ("× static", 9)
    header = f"{'page':<18} " + " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for label, _path, result in rows:
        ratio = result["median_ms"] / static_file["median_ms"]
        print(
            f"{label:<18} {result['status']:>6} {result['queries']:>7} "
            f"{result['median_ms']:>10.1f} {result['p90_ms']:>8.1f} {ratio:>9.1f}"
        )
    print(
        f"{'static file':<18} {static_file['status']:>6} {static_file['queries']:>7} "
        f"{static_file['median_ms']:>10.2f} {static_file['p90_ms']:>8.2f} {1:>9.1f}"
    )

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    report = {
        "publications": total,
        "requests": args.requests,
        "static_file": static_file,
        "pages": {label: {"path": path, **result} for label, path, result in rows},
    }
    out = results_dir / time.strftime("bench-%Y%m%d-%H%M%S.json")
    out.write_text(json.dumps(report, indent=2))
    print(f"\nSaved {out.relative_to(ROOT)}")
    failed = [label for label, _path, result in rows if result["status"] != 200]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
