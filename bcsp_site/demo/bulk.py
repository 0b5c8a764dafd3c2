"""Synthetic publications in bulk, for benchmarks and query-count tests.

``add_child`` per page would take an hour for 10,000, so the rows are inserted in batches.
The tree stays what treebeard would have built: each page's ``path`` follows treebeard's
documented materialised-path format (the parent's path, then the child's position written
in ``Page.alphabet`` and left-padded to ``Page.steplen``), ``depth`` is the parent's plus
one and the parent's ``numchild`` is recounted at the end; ``Page.find_problems()`` reports
nothing afterwards (tests/demo/test_demo_content.py).
"""

import datetime
import itertools
import multiprocessing
import random
import time
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
from django.utils import timezone
from wagtail.models import Page
from wagtail.search.backends import get_search_backends

from authors.models import AuthorPage
from bcsp_site.caching.generation import start_new_generation
from publications.models import (
    PublicationAuthor,
    PublicationPage,
    PublicationPageTag,
    PublicationTag,
)

from .seed import body_paragraphs

BATCH = 1000

SYNTHETIC_TOPICS = [
    "police reform",
    "intelligence oversight",
    "corruption",
    "defence budget",
    "migration",
    "cyber security",
    "violent extremism",
    "arms exports",
    "EU integration",
    "human security",
    "parliamentary oversight",
    "private security",
    "gender and security",
    "judicial reform",
    "media freedom",
    "regional cooperation",
    "Kosovo dialogue",
    "NATO partnership",
    "Russia",
    "China",
    "public procurement",
    "whistleblowers",
]
SYNTHETIC_NOUNS = [
    "Oversight",
    "Accountability",
    "Transparency",
    "Reform",
    "Integrity",
    "Resilience",
    "Cooperation",
    "Control",
    "Capture",
    "Trust",
]


def child_path(parent_path, position):
    """The path of the child at ``position`` (1, 2, …) under ``parent_path``."""
    base = len(Page.alphabet)
    digits = ""
    while position:
        position, digit = divmod(position, base)
        digits = Page.alphabet[digit] + digits
    if len(digits) > Page.steplen:
        raise ValueError("More children than one step of a path can number")
    return parent_path + digits.rjust(Page.steplen, Page.alphabet[0])


def position_of(path):
    """The position a path's last step stands for: the inverse of ``child_path``."""
    position = 0
    for digit in path[-Page.steplen :]:
        position = position * len(Page.alphabet) + Page.alphabet.index(digit)
    return position


def generate(count, seed, write, workers=1):
    """Make sure ``count`` synthetic publications exist under the seed's publication index,
    inserting the missing ones in bulk and indexing them for search; ``write`` reports
    progress.

    With ``workers`` > 1 (PostgreSQL only) the batches are shared among that many processes,
    each inserting and indexing its own: both are mostly Python work, so a machine with two
    cores generates 100,000 in about half the time. Each batch draws its data from a random
    generator seeded by its first number, so the data do not depend on the number of workers.
    """
    started = time.monotonic()
    index = Page.objects.get(pk=seed.publication_index.pk)
    taken = set(
        PublicationPage.objects.child_of(index)
        .filter(slug__startswith="generated-")
        .values_list("slug", flat=True)
    )
    count -= len(taken)
    if count <= 0:
        write(f"{len(taken)} synthetic publications already exist.")
        return
    numbers = (n for n in itertools.count(1) if f"generated-{n}" not in taken)
    last_path = index.get_children().order_by("-path").values_list("path", flat=True).first()
    first_position = (position_of(last_path) if last_path else 0) + 1
    batches = []
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        batches.append([(next(numbers), first_position + start + offset) for offset in range(size)])
    plan = BatchPlan.for_seed(seed, index)
    if connection.vendor != "postgresql":
        workers = 1
    workers = max(1, min(workers, len(batches)))
    if workers == 1:
        _generate_batches(plan, batches, write)
    else:
        connections.close_all()  # each process opens its own connection
        context = multiprocessing.get_context("fork")
        processes = [
            context.Process(target=_generate_batches, args=(plan, batches[n::workers], write))
            for n in range(workers)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        failed = [process.exitcode for process in processes if process.exitcode]
        if failed:
            raise RuntimeError(f"{len(failed)} of {workers} generating processes failed")
    Page.objects.filter(pk=index.pk).update(numchild=index.get_children().count())
    start_new_generation()  # the bulk inserts sent no signals: no cached page may show
    write(
        f"Generated and indexed {count} publications in {time.monotonic() - started:.1f}s "
        f"({workers} process{'es' if workers > 1 else ''})"
    )
    with connection.cursor() as cursor:
        # Fresh planner statistics for the new rows and their search index entries: without
        # them PostgreSQL misjudges how many publications a search matches and picks plans
        # a hundred times slower.
        cursor.execute("ANALYZE")


@dataclass
class BatchPlan:
    """What every batch draws from: kinds, authors, tags and where the pages go."""

    index_path: str
    index_depth: int
    index_url_path: str
    locale_id: int
    content_type_id: int
    kind_ids: list
    author_ids: list
    tag_ids: list
    today: datetime.date

    @classmethod
    def for_seed(cls, seed, index):
        authors = list(seed.authors.values()) + generate_authors(seed, 40)
        tags = [
            PublicationTag.objects.get_or_create(name=name, locale=seed.locale)[0]
            for name in SYNTHETIC_TOPICS
        ]
        return cls(
            index_path=index.path,
            index_depth=index.depth,
            index_url_path=index.url_path,
            locale_id=seed.locale.pk,
            content_type_id=ContentType.objects.get_for_model(PublicationPage).pk,
            kind_ids=[kind.pk for slug, kind in seed.kinds.items() if slug != "op-ed"],
            author_ids=[author.pk for author in authors],
            tag_ids=[tag.pk for tag in tags],
            today=datetime.date.today(),
        )


def _generate_batches(plan, batches, write):
    """Insert, link and index each batch of (number, position) pairs, a transaction each."""
    for batch in batches:
        rng = random.Random(2026 + batch[0][0])  # noqa: S311 - demo data, no secret
        with transaction.atomic():
            pages = [_synthetic_page(plan, rng, number, position) for number, position in batch]
            insert_pages(pages)
            author_links, tag_links = [], []
            for page in pages:
                for order, author_id in enumerate(rng.sample(plan.author_ids, rng.randint(0, 3))):
                    author_links.append(
                        PublicationAuthor(page_id=page.pk, author_id=author_id, sort_order=order)
                    )
                for tag_id in rng.sample(plan.tag_ids, rng.randint(1, 3)):
                    tag_links.append(PublicationPageTag(content_object_id=page.pk, tag_id=tag_id))
            PublicationAuthor.objects.bulk_create(author_links)
            PublicationPageTag.objects.bulk_create(tag_links)
            index_for_search([page.pk for page in pages])
        write(f"  publications {batch[0][0]}–{batch[-1][0]} generated and indexed")


def _synthetic_page(plan, rng, number, position):
    topic = rng.choice(SYNTHETIC_TOPICS)
    title = f"{rng.choice(SYNTHETIC_NOUNS)} and {topic} in Serbia, part {number}"
    slug = f"generated-{number}"
    day = plan.today - datetime.timedelta(days=rng.randrange(15 * 365))
    return PublicationPage(
        title=title,
        draft_title=title,
        slug=slug,
        path=child_path(plan.index_path, position),
        depth=plan.index_depth + 1,
        numchild=0,
        url_path=f"{plan.index_url_path}{slug}/",
        content_type_id=plan.content_type_id,
        locale_id=plan.locale_id,
        live=True,
        has_unpublished_changes=False,
        first_published_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9))),
        kind_id=rng.choice(plan.kind_ids),
        publication_date=day,
        summary=f"A synthetic publication about {topic}, generated for benchmarks and tests.",
        body=body_paragraphs(title, [topic]),
    )


def index_for_search(page_ids):
    """Add the new publications to the search index (only those, not the whole site)."""
    pages = list(PublicationPage.get_indexed_objects().filter(pk__in=page_ids))
    for backend in get_search_backends():
        backend.add_bulk(PublicationPage, pages)


def generate_authors(seed, count):
    first = ["Ana", "Milan", "Jovana", "Nikola", "Mina", "Stefan", "Tijana", "Luka"]
    last = ["Petrović", "Jovanović", "Nikolić", "Marković", "Ilić", "Pavlović", "Kostić"]
    authors = []
    for number in range(count):
        name = f"{first[number % len(first)]} {last[number % len(last)]} {number + 1}"
        authors.append(
            seed.child(
                seed.author_index,
                AuthorPage,
                slug=f"generated-author-{number + 1}",
                title=name,
                role="Associate",
            )
        )
    return authors


def insert_pages(pages):
    """Insert the Page rows with ``bulk_create``, then the PublicationPage rows.

    ``bulk_create`` refuses multi-table inheritance, so the PublicationPage rows go in with
    one parameterised ``executemany`` built from the model's own fields.
    """
    page_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
    base_rows = [
        Page(**{f.attname: getattr(page, f.attname) for f in page_fields}) for page in pages
    ]
    Page.objects.bulk_create(base_rows)
    if base_rows[0].pk is None:  # backends without RETURNING: look the ids up
        ids = dict(
            Page.objects.filter(path__in=[row.path for row in base_rows]).values_list("path", "pk")
        )
        for row in base_rows:
            row.pk = ids[row.path]
    for page, row in zip(pages, base_rows, strict=True):
        page.pk = page.page_ptr_id = page.id = row.pk
    fields = PublicationPage._meta.local_concrete_fields
    quote = connection.ops.quote_name
    insert = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        quote(PublicationPage._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    rows = [
        [field.get_db_prep_save(field.pre_save(page, True), connection) for field in fields]
        for page in pages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(insert, rows)
