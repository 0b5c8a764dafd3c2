"""Time, peak memory and queries of the sitemap index and of its fullest child.

    DATABASE_URL=postgres://… python manage.py load_demo_content --no-images --publications 60000
    DATABASE_URL=postgres://… python bench/sitemap.py

Each address is asked for twice: once timed, with its queries counted, and once under
tracemalloc for the peak of Python's own allocations while the answer is made and read to the
end, the figure that would grow with a sitemap held whole. Tracing every allocation slows
this code several times over, so the time is not taken then; the index's second answer is the
one it remembered. The process's maximum resident size is printed too.
"""

import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bcsp_site.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from tests.support.sitemaps import children  # noqa: E402


def read(client, path):
    """(response, size in bytes, <url> elements) of one answer, read to the end."""
    response = client.get(path)
    size = urls = 0
    for chunk in response.streaming_content if response.streaming else [response.content]:
        size += len(chunk)
        urls += chunk.count(b"<url>")
    return response, size, urls


def measure(client, path):
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        response, size, urls = read(client, path)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    read(client, path)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{path}: {response.status_code}, {'streamed' if response.streaming else 'whole'}, "
        f"{urls} addresses, {size / 1e6:.1f} MB, {seconds:.2f} s, "
        f"peak {peak / 1e6:.1f} MB traced, {len(queries)} queries"
    )
    return size


def main():
    settings.DEBUG = False  # no query log growing with every query
    settings.PAGE_CACHE_ENABLED = False
    client = Client(HTTP_HOST="127.0.0.1")  # a host the development settings allow
    measure(client, "/sitemap.xml")
    listed = children(client)
    print(f"{len(listed)} children: {', '.join(listed)}")
    # The first child of publications: ids 1 to SITEMAP_MAX_URLS, all but a few publications.
    measure(client, next(path for path in listed if path.startswith("/sitemaps/publications-")))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"maximum resident size of the process: {rss:.0f} MB")


if __name__ == "__main__":
    main()
