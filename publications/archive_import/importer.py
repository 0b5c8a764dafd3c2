"""Importing a manifest of an old site's publications (`manage.py import_archive`).

Each row becomes a published PublicationPage or OpEdPage in its language's publications
index, with its authors (author pages found by name, made when missing), tags, cover image,
PDF, body blocks and footnotes, and a permanent redirect from its old address. A row is
imported in one transaction: it is imported whole or not at all, and files it stored are
deleted again when it fails.

The old address is the row's key: an ArchiveRecord keeps it with the page and a digest of
the row and its files, so a re-run finds the page again, leaves it alone when nothing
changed and otherwise saves a new revision and publishes it. Rows of one translation group
share a translation key. Every lookup is by an indexed key (old address, file hash, tag
name, slug); authors, kinds and the indexes are read once per run, so a row costs the same
however large the site is.
"""

import datetime
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Locale, Page

from authors.models import AuthorIndexPage, AuthorPage
from publications.models import (
    RESERVED_SLUGS,
    ArchiveRecord,
    OpEdPage,
    PublicationAuthor,
    PublicationIndexPage,
    PublicationKind,
    PublicationPage,
    PublicationTag,
)
from publications.text import fold

from .body import convert_body
from .files import FileStore, read_image, read_pdf
from .footnotes import set_footnotes
from .manifest import OP_ED_FIELDS, RowError, digest_data, parse_row

# Part of every row's digest: a change to how rows are converted imports them all again.
CONVERSION_VERSION = "1"
SLUG_MAX_LENGTH = 80
PROGRESS_SECONDS = 2.0
SLUG_LETTERS = str.maketrans({"đ": "dj", "Đ": "Dj"})  # the rest lose their accents

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"


@dataclass
class Outcome:
    line: int
    status: str
    message: str = ""
    warnings: list = field(default_factory=list)


@dataclass
class Report:
    dry_run: bool = False
    outcomes: list = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status):
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def rejected(self):
        return [outcome for outcome in self.outcomes if outcome.status == REJECTED]

    def lines(self, verbose=False):
        """The report: rejected rows and warnings (and, when `verbose`, every row)."""
        lines = []
        would = "would be " if self.dry_run else ""
        for outcome in self.outcomes:
            if outcome.status == REJECTED:
                lines.append(f"line {outcome.line}: rejected: {outcome.message}")
            elif verbose:
                lines.append(f"line {outcome.line}: {would}{outcome.status}: {outcome.message}")
            lines += [f"line {outcome.line}: warning: {warning}" for warning in outcome.warnings]
        return lines

    def summary(self):
        counts = {status: self.count(status) for status in (CREATED, UPDATED, UNCHANGED, REJECTED)}
        rows = len(self.outcomes)
        rate = rows / self.seconds if self.seconds else 0
        prefix = "Would create" if self.dry_run else "Created"
        middle = "would update" if self.dry_run else "updated"
        text = (
            f"{prefix} {counts[CREATED]}, {middle} {counts[UPDATED]}, "
            f"unchanged {counts[UNCHANGED]}, rejected {counts[REJECTED]} "
            f"({rows} rows in {self.seconds:.1f} s, {rate:.1f} rows/s)."
        )
        if self.dry_run:
            text += " Dry run: nothing was changed."
        return text


class Progress:
    """A line on stderr every few seconds: rows done of all, rate, time left."""

    def __init__(self, total, write, every=PROGRESS_SECONDS):
        self.total, self.write, self.every = total, write, every
        self.started = self.last = time.monotonic()
        self.last_done = 0

    def step(self, done):
        now = time.monotonic()
        if self.write is None or (now - self.last < self.every and done != self.total):
            return
        elapsed = now - self.started
        rate = done / elapsed if elapsed else 0.0
        # The rate since the last line too: it shows whether rows get slower as the site grows.
        lately = (done - self.last_done) / (now - self.last) if now > self.last else rate
        self.last, self.last_done = now, done
        left = (self.total - done) / rate if rate else 0.0
        self.write(
            f"{done}/{self.total} rows ({done * 100 // max(self.total, 1)}%), "
            f"{rate:.1f} rows/s ({lately:.1f} lately), about {format_duration(left)} left"
        )


def format_duration(seconds):
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


@dataclass
class Prepared:
    """A row with its files read and its body converted: everything checked, nothing
    written."""

    row: object
    locale: object
    kind: object
    cover: object = None
    pdf: object = None
    images: dict = field(default_factory=dict)  # body image reference → SourceFile
    converted: object = None
    digest: str = ""
    record: object = None


class ArchiveImporter:
    def __init__(self, manifest_path, dry_run=False, progress=None):
        self.path = Path(manifest_path)
        self.base_dir = self.path.resolve().parent
        self.dry_run = dry_run
        self.progress_write = progress
        self.report = Report(dry_run=dry_run)
        self.group_keys = {}  # translation group → translation key, this run

    # Reading ----------------------------------------------------------------------------

    def read_rows(self):
        """(rows, rejections): every line parsed and checked on its own, then duplicates
        of an old address or of a language within a translation group refused."""
        rows, rejected = [], []
        keys, group_languages = {}, {}
        with self.path.open(encoding="utf-8-sig") as manifest:
            for number, line in enumerate(manifest, start=1):
                if not line.strip():
                    continue
                try:
                    row = parse_row(number, line)
                    if row.key in keys:
                        raise RowError(
                            f"old_url {row.key!r} is also on line {keys[row.key]}: "
                            "each publication needs its own"
                        )
                    group = row["translation_group"]
                    if group and (group, row["language"]) in group_languages:
                        raise RowError(
                            f"translation group {group!r} already has a "
                            f"{row['language']!r} row on line "
                            f"{group_languages[group, row['language']]}"
                        )
                except RowError as error:
                    rejected.append(Outcome(number, REJECTED, str(error)))
                    continue
                keys[row.key] = number
                if row["translation_group"]:
                    group_languages[row["translation_group"], row["language"]] = number
                rows.append(row)
        return rows, rejected

    def load_site(self):
        """What every row needs, read once: locales, indexes, kinds and authors."""
        self.locales = {locale.language_code: locale for locale in Locale.objects.all()}
        self.publication_indexes = {
            index.locale_id: index.pk for index in PublicationIndexPage.objects.all().only("pk")
        }
        self.author_indexes = {
            index.locale_id: index.pk for index in AuthorIndexPage.objects.all().only("pk")
        }
        self.kinds = {
            (kind.locale_id, kind.slug): kind for kind in PublicationKind.objects.filter(live=True)
        }
        self.authors = {}
        for author in AuthorPage.objects.all().only("pk", "title", "locale_id", "translation_key"):
            self.authors.setdefault((author.locale_id, fold(author.title)), author)

    # Running ----------------------------------------------------------------------------

    def run(self):
        started = time.monotonic()
        rows, rejected = self.read_rows()
        self.load_site()
        outcomes = {outcome.line: outcome for outcome in rejected}
        progress = Progress(len(rows) + len(rejected), self.progress_write)
        done = len(rejected)
        for row in rows:
            outcomes[row.line] = self.import_row(row)
            done += 1
            progress.step(done)
        self.report.outcomes = [outcomes[line] for line in sorted(outcomes)]
        self.report.seconds = time.monotonic() - started
        return self.report

    def import_row(self, row):
        try:
            prepared = self.prepare(row)
        except RowError as error:
            return Outcome(row.line, REJECTED, str(error), row.warnings)
        warnings = row.warnings + prepared.converted.warnings
        record = prepared.record
        if record is not None and record.digest == prepared.digest:
            return Outcome(row.line, UNCHANGED, self.describe(row, record.page), warnings)
        status = UPDATED if record is not None else CREATED
        if self.dry_run:
            return Outcome(row.line, status, self.describe(row), warnings)
        files = FileStore()
        self.made_in_row = {"authors": {}, "groups": {}}
        try:
            with transaction.atomic():
                page = self.write(prepared, files)
        except RowError as error:
            files.discard()
            return Outcome(row.line, REJECTED, str(error), warnings)
        except Exception as error:
            files.discard()
            return Outcome(
                row.line, REJECTED, f"not imported: {type(error).__name__}: {error}", warnings
            )
        # Only now, with the row saved, may later rows find what it made.
        self.authors.update(self.made_in_row["authors"])
        self.group_keys.update(self.made_in_row["groups"])
        return Outcome(row.line, status, self.describe(row, page), warnings)

    def describe(self, row, page=None):
        where = f" → {page.get_url()}" if page is not None else ""
        return f"{row['title']!r} ({row['language']}){where}"

    # Checking ---------------------------------------------------------------------------

    def prepare(self, row):
        """Everything about `row` checked against the site and its files read, without
        writing anything; raises RowError."""
        locale = self.locales.get(row["language"])
        if locale is None:
            raise RowError(f"language {row['language']!r} is not set up on this site")
        if locale.pk not in self.publication_indexes:
            raise RowError(f"there is no publications index in language {row['language']!r}")
        if row["authors"] and locale.pk not in self.author_indexes:
            raise RowError(f"there is no authors index in language {row['language']!r}")
        kind = self.kinds.get((locale.pk, row["kind"]))
        if kind is None:
            raise RowError(f"kind {row['kind']!r} is not a published kind in {row['language']!r}")
        prepared = Prepared(row, locale, kind)
        if row["cover_image"]:
            prepared.cover = read_image(row["cover_image"], self.base_dir, "cover_image")
        if row["pdf"]:
            prepared.pdf = read_pdf(row["pdf"], self.base_dir)
        prepared.converted = convert_body(row["body"], row.key)
        for reference in prepared.converted.images:
            if reference not in prepared.images:
                prepared.images[reference] = read_image(reference, self.base_dir, "body image")
        digest = hashlib.sha256(CONVERSION_VERSION.encode())
        digest.update(digest_data(row).encode())
        for source in [prepared.cover, prepared.pdf, *prepared.images.values()]:
            digest.update(source.sha1.encode() if source else b"-")
        prepared.digest = digest.hexdigest()
        prepared.record = (
            ArchiveRecord.objects.filter(old_url=row.key).select_related("page").first()
        )
        if prepared.record is not None:
            model = OpEdPage if row.is_op_ed else PublicationPage
            existing = prepared.record.page.specific_class
            if existing is not model and not (existing is OpEdPage and model is PublicationPage):
                raise RowError(
                    f"{row.key!r} was imported as a publication; it cannot become an op-ed"
                )
            if existing is OpEdPage and model is PublicationPage:
                raise RowError(f"{row.key!r} was imported as an op-ed; its kind must stay op-ed")
            if prepared.record.page.locale_id != locale.pk:
                raise RowError(f"{row.key!r} was imported in another language")
        return prepared

    # Writing ----------------------------------------------------------------------------

    def write(self, prepared, files):
        row, locale = prepared.row, prepared.locale
        record = prepared.record
        if record is not None:
            page = record.page.specific
        else:
            page = (OpEdPage if row.is_op_ed else PublicationPage)(locale=locale)
        page.title = page.draft_title = row["title"]
        page.kind = prepared.kind
        page.publication_date = row["date"]
        page.summary = row["summary"]
        page.search_description = row["search_description"]
        page.comments_open = row["comments_open"]
        if row.is_op_ed:
            for name in OP_ED_FIELDS:
                value = row.get(name)
                setattr(page, name, value if value is not None else "")
            page.original_publication_date = row["original_publication_date"]
        page.cover_image = files.image(prepared.cover, row["title"])[0] if prepared.cover else None
        page.pdf = (
            files.document(prepared.pdf, f"{row['title']} (PDF)")[0] if prepared.pdf else None
        )
        images = {
            reference: files.image(source, f"{row['title']} ({Path(reference).name})")[0]
            for reference, source in prepared.images.items()
        }
        page.body = self.body_blocks(prepared.converted.blocks, images)
        set_footnotes(page, prepared.converted.footnotes)
        page.author_links = [
            PublicationAuthor(author=self.author(name, locale), sort_order=order)
            for order, name in enumerate(row["authors"])
        ]
        page.tags.set([self.tag(name, locale) for name in row["tags"]])
        self.join_group(page, row, locale)
        index = Page.objects.get(pk=self.publication_indexes[locale.pk])
        if record is None:
            page.slug = self.free_slug(index, row["slug"] or row["title"])
            page.first_published_at = timezone.make_aware(
                datetime.datetime.combine(row["date"], datetime.time(9))
            )
            index.add_child(instance=page)
        elif row["slug"] and row["slug"] != page.slug:
            page.slug = self.free_slug(index, row["slug"], exclude=page.pk)
        page.save_revision().publish()
        page.refresh_from_db(fields=["url_path"])
        self.redirect(row.key, page)
        ArchiveRecord.objects.update_or_create(
            old_url=row.key,
            defaults={
                "page": page,
                "digest": prepared.digest,
                "translation_group": row["translation_group"],
            },
        )
        return page

    def body_blocks(self, blocks, images):
        resolved = []
        for block in blocks:
            if block["type"] == "image":
                value = dict(block["value"])
                value["image"] = images[value["image"]["source"]].pk
                block = {**block, "value": value}
            resolved.append(block)
        return resolved

    def author(self, name, locale):
        """The author page named `name` in this language (names compared without case or
        diacritics), made under the language's authors index when there is none; made as
        the translation of the same person's page in another language when there is one."""
        key = (locale.pk, fold(name))
        author = self.authors.get(key) or self.made_in_row["authors"].get(key)
        if author is not None:
            return author
        elsewhere = next(
            (page for (_locale, folded), page in self.authors.items() if folded == key[1]), None
        )
        author = AuthorPage(title=name, locale=locale)
        if elsewhere is not None:
            author.translation_key = elsewhere.translation_key
        index = Page.objects.get(pk=self.author_indexes[locale.pk])
        author.slug = self.free_slug(index, name)
        index.add_child(instance=author)
        author.save_revision().publish()
        self.made_in_row["authors"][key] = author
        return author

    def tag(self, name, locale):
        tag = PublicationTag.objects.filter(locale=locale, name=name).first()
        if tag is None:
            tag = PublicationTag(locale=locale, name=name)
            tag.save()
        return tag

    def join_group(self, page, row, locale):
        """Give the page its translation group's translation key: the one this run gave
        the group, else that of a page imported earlier in the group."""
        group = row["translation_group"]
        if not group:
            return
        key = self.group_keys.get(group)
        if key is None:
            earlier = (
                ArchiveRecord.objects.filter(translation_group=group)
                .exclude(old_url=row.key)
                .select_related("page")
                .first()
            )
            key = earlier.page.translation_key if earlier is not None else None
        if key is not None and key != page.translation_key:
            taken = (
                Page.objects.filter(translation_key=key, locale=locale)
                .exclude(pk=page.pk or 0)
                .first()
            )
            if taken is not None:
                raise RowError(
                    f"translation group {group!r} already has a page in {row['language']!r}: "
                    f"{taken.url_path}"
                )
            page.translation_key = key
        self.made_in_row["groups"][group] = page.translation_key

    def free_slug(self, parent, text, exclude=None):
        """A slug made from `text` that no other child of `parent` has: tried in a handful
        of exact lookups rather than by listing the children."""
        # Latin letters only, as the site's own slugs are: "Đorđević" → "djordjevic".
        base = slugify(text.translate(SLUG_LETTERS))[:SLUG_MAX_LENGTH].strip("-") or "publication"
        if base.isdigit() or base in RESERVED_SLUGS:
            base = f"{base}-publication"
        for attempt in range(0, 1000, 20):
            candidates = [
                base if n == 0 else f"{base}-{n + 1}" for n in range(attempt, attempt + 20)
            ]
            taken = set(
                Page.objects.filter(
                    slug__in=candidates, depth=parent.depth + 1, path__startswith=parent.path
                )
                .exclude(pk=exclude or 0)
                .values_list("slug", flat=True)
            )
            for candidate in candidates:
                if candidate not in taken:
                    return candidate
        raise RowError(f"no free slug for {text!r}")

    def redirect(self, old_url, page):
        old_path = Redirect.normalise_path(old_url)
        Redirect.objects.update_or_create(
            old_path=old_path,
            site=None,
            defaults={"redirect_page": page, "redirect_link": "", "is_permanent": True},
        )
