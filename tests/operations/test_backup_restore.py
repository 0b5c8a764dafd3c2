"""The restore drill: a site with content is backed up, deleted (its database dropped, its
files removed) and rebuilt from the archive, then compared with what it was.

Each test works on a database of its own, copied from the test database (migrations run
once per test run, not per test), and a MEDIA_ROOT of its own, and runs `manage.py backup`
and `manage.py restore` in this process, on that database, as an operator would on the
server. On PostgreSQL the database is really dropped and an empty one created; on SQLite
the file is deleted.

Compared after the restore: every row of every table (the content generation excepted: a
restore starts a new one, which is checked), PostgreSQL's sequences, every uploaded file's
SHA-256, and the HTML of every live page in both languages, the listing, search, the
sitemap and a feed (CSRF and comment-form tokens, made per response, normalised).
"""

import hashlib
import os
import re
import shutil
import sqlite3
import tarfile
import uuid
import warnings
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.models import Locale, Page

from bcsp_site.caching.generation import stored_generation
from bcsp_site.models import HomePage
from bcsp_site.settings.base import object_storages
from comments import spam
from comments.models import Comment
from newsletter import services as newsletter
from newsletter.models import Subscriber
from publications.pdf import build_simple_pdf
from tests.support.factories import (
    AuthorIndexPageFactory,
    AuthorPageFactory,
    HomePageFactory,
    ImageFactory,
    OpEdPageFactory,
    PublicationIndexPageFactory,
    PublicationPageFactory,
)
from tests.support.seaweedfs import PRIVATE_BUCKET, PUBLIC_BUCKET

# Transactional: the test's own database is copied from the test database, which must have
# no transaction open (and no connection) while it is.
pytestmark = pytest.mark.django_db(transaction=True)

# The content generation's row: a restore replaces its token (checked on its own).
VOLATILE_TABLES = {"bcsp_site_contentgeneration"}


# A database and MEDIA_ROOT of the test's own ---------------------------------------------


class DiskMedia:
    """Uploads in a MEDIA_ROOT of the test's own."""

    def __init__(self, root):
        self.root = Path(root)

    def hashes(self):
        return {
            str(path.relative_to(self.root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(self.root.rglob("*"))
            if path.is_file()
        }

    def delete_all(self):
        shutil.rmtree(self.root, ignore_errors=True)


class BucketMedia:
    """Uploads in SeaweedFS's two buckets, configured as production configures S3."""

    buckets = (PUBLIC_BUCKET, PRIVATE_BUCKET)

    def __init__(self, client):
        self.client = client

    def keys(self, bucket):
        listing = self.client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def hashes(self):
        return {
            f"{bucket}/{key}": hashlib.sha256(
                self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
            ).hexdigest()
            for bucket in self.buckets
            for key in self.keys(bucket)
        }

    def delete_all(self):
        for bucket in self.buckets:
            for key in self.keys(bucket):
                self.client.delete_object(Bucket=bucket, Key=key)


@pytest.fixture
def media(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    if getattr(request, "param", "disk") == "disk":
        yield DiskMedia(settings.MEDIA_ROOT)
        return
    server = request.getfixturevalue("seaweedfs")
    environ = server.environ(bucket=PUBLIC_BUCKET, documents_bucket=PRIVATE_BUCKET)
    settings.STORAGES = {**settings.STORAGES, **object_storages(environ)}
    buckets = BucketMedia(server.client())
    buckets.delete_all()
    yield buckets
    buckets.delete_all()


class SiteUnderTest:
    """The default connection pointed at a database of this test's own."""

    def __init__(self, media, work):
        self.media, self.work = media, Path(work)
        self.original = connections["default"]
        self.vendor = self.original.vendor
        if self.vendor == "postgresql":
            base = dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"]
            self.name = f"{base}_drill_{uuid.uuid4().hex[:8]}"
            template = self.original.settings_dict["NAME"]
            # A database is copied only while nobody is connected to it: ours are closed, and
            # any an earlier test of this worker left behind (a thread's, not yet collected)
            # are ended, with a warning that names what they last ran.
            connections.close_all()
            self._end_other_sessions(template)
            self._admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
        else:
            self.name = str(self.work / "site.sqlite3")
            self.original.ensure_connection()
            copy = sqlite3.connect(self.name)
            self.original.connection.backup(copy)
            copy.close()
        settings_dict = {**self.original.settings_dict, "NAME": self.name}
        self.connection = self.original.__class__(settings_dict, alias="default")
        connections["default"] = self.connection

    def _end_other_sessions(self, database):
        ended = self._admin(
            "SELECT pg_terminate_backend(pid), query FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        if ended:
            warnings.warn(
                f"{len(ended)} connection(s) to {database} were left open by earlier tests; "
                f"last queries: {[query[:120] for _ended, query in ended]}",
                stacklevel=2,
            )

    def _admin(self, statement, params=None):
        settings_dict = self.original.settings_dict
        with psycopg.connect(
            dbname="postgres",
            host=settings_dict["HOST"] or None,
            port=settings_dict["PORT"] or None,
            user=settings_dict["USER"] or None,
            password=settings_dict["PASSWORD"] or None,
            autocommit=True,
        ) as admin:
            cursor = admin.execute(statement, params)
            return cursor.fetchall() if cursor.description else None

    def drop_everything(self):
        """Drop the database and delete the uploads, then make an empty database."""
        self.connection.close()
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')
        else:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(self.name + suffix).unlink(missing_ok=True)
        self.media.delete_all()

    def close(self):
        self.connection.close()
        connections["default"] = self.original
        # The restore emptied the content types' cache; the tests that follow expect it to
        # hold the test database's (its flush and reload would otherwise make new rows).
        ContentType.objects.clear_cache()
        ContentType.objects.get_for_models(*apps.get_models())
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def site(transactional_db, media, tmp_path):
    site = SiteUnderTest(media, tmp_path)
    try:
        yield site
    finally:
        site.close()


# Content, made the way editors, readers and subscribers make it ---------------------------


def make_content():
    english = Locale.objects.get(language_code="en")
    serbian = Locale.objects.get_or_create(language_code="sr")[0]
    home = HomePage.objects.filter(locale=english).first()
    if home is None:
        home = HomePageFactory(parent=Page.get_first_root_node())
    index = PublicationIndexPageFactory(parent=home)
    authors = AuthorIndexPageFactory(parent=home)
    author = AuthorPageFactory(parent=authors, title="Jelena Radović")
    cover = ImageFactory(title="Border crossing")
    pdf = build_simple_pdf(["Findings on oversight."], title="Oversight report", year=2024)
    document = get_document_model().objects.create(
        title="Oversight report", file=ContentFile(pdf, name="oversight-report.pdf")
    )
    publication = PublicationPageFactory(
        parent=index,
        title="Oversight of the security services",
        slug="oversight",
        cover_image=cover,
        pdf=document,
        authors=[author],
        tag_names=["oversight"],
    )
    publication.save_revision().publish()
    OpEdPageFactory(parent=index, title="Who watches the police", slug="who-watches")

    # A translation, published.
    home.copy_for_translation(serbian).save_revision().publish()
    index.copy_for_translation(serbian).save_revision().publish()
    translation = publication.copy_for_translation(serbian)
    translation.title = "Nadzor nad službama bezbednosti"
    translation.save_revision().publish()

    # Two readers' comments, one approved by an editor.
    reader = Client()
    for number in (1, 2):
        token = spam.make_form_token(publication.pk, issued_at=spam.current_time() - 30)
        response = reader.post(
            publication.url,
            {
                "name": f"Reader {number}",
                "email": f"reader{number}@example.org",
                "text": f"Remark number {number} on the analysis.",
                "website": "",
                "form_token": token,
            },
        )
        assert response.status_code in (200, 302)
    first = Comment.objects.get(name="Reader 1")
    first.status = Comment.Status.APPROVED
    first.save()
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 1

    # Two sign-ups to the e-bulletin, one confirmed.
    for number in (1, 2):
        newsletter.request_signup(
            email=f"subscriber{number}@example.org",
            name=f"Subscriber {number}",
            language="en",
            consent_text="Send me the e-bulletin.",
            consent_language="en",
            ip="192.0.2.10",
        )
    pending = Subscriber.objects.get(email="subscriber1@example.org")
    newsletter.confirm(pending.pk, pending.confirmation_nonce)
    assert Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).count() == 1
    assert Subscriber.objects.filter(status=Subscriber.Status.PENDING).count() == 1
    return publication


# What is compared ---------------------------------------------------------------------------


def table_rows(connection):
    """{table: sorted rows} of every table, and PostgreSQL's sequence positions."""
    quote = connection.ops.quote_name
    dump = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in VOLATILE_TABLES:
                continue
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - a table's name
            dump[table] = sorted(repr(row) for row in cursor.fetchall())
        if connection.vendor == "postgresql":
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences")
            dump["(sequences)"] = sorted(cursor.fetchall())
    return dump


PER_RESPONSE = re.compile(
    r'(name="(?:csrfmiddlewaretoken|form_token)" value=")[^"]*(")|(nonce=")[^"]*(")'
)


def normalised(html):
    return PER_RESPONSE.sub(lambda match: "".join(filter(None, match.groups())), html)


def public_addresses():
    pages = Page.objects.live().public().exclude(depth=1).specific()
    addresses = sorted(page.get_url() for page in pages)
    return addresses + [
        "/en/search/?q=oversight",
        "/sr/search/?q=nadzor",
        "/sitemap.xml",
        "/en/publications/feed/",
    ]


def rendered(addresses):
    client = Client()
    pages = {}
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        pages[address] = normalised(response.content.decode())
    return pages


def backup(folder):
    call_command("backup", output=str(folder), verbosity=0)
    (archive,) = Path(folder).glob("bcsp-backup-*.tar")
    return archive


# The drill ----------------------------------------------------------------------------------


@pytest.mark.parametrize("media", ["disk", pytest.param("s3", marks=pytest.mark.s3)], indirect=True)
def test_a_site_deleted_and_restored_from_its_backup_is_the_same_site(site, tmp_path):
    publication = make_content()
    addresses = public_addresses()
    assert len(addresses) >= 10, addresses  # both languages' home, listing, publication…
    pages_before = rendered(addresses)
    assert "Oversight of the security services" in pages_before[publication.url]
    assert "Remark number 1" in pages_before[publication.url]
    rows_before = table_rows(site.connection)
    files_before = site.media.hashes()
    assert any("documents/" in name for name in files_before)
    assert any("original_images/" in name for name in files_before)
    archive = backup(tmp_path / "backups")
    generation_in_archive = stored_generation()

    # After the backup the site moves on, and its pages are cached for the new content.
    publication.title = "Changed after the backup"
    publication.save_revision().publish()
    assert "Changed after the backup" in Client().get(publication.url).content.decode()

    site.drop_everything()
    call_command("restore", str(archive), verbosity=0)

    assert table_rows(site.connection) == rows_before
    assert site.media.hashes() == files_before
    # The copy cached after the backup, under a generation the restore left behind, is
    # not served: every page is the one rendered before the backup.
    pages_after = rendered(addresses)
    assert "Changed after the backup" not in pages_after[publication.url]
    for address in addresses:
        assert pages_after[address] == pages_before[address], address
    assert stored_generation() != generation_in_archive


def test_a_damaged_archive_and_a_site_that_is_not_empty_are_refused_untouched(site, tmp_path):
    PublicationPageFactory(
        parent=PublicationIndexPageFactory(parent=HomePage.objects.first()),
        cover_image=ImageFactory(),
    )
    archive = backup(tmp_path / "backups")
    rows, files = table_rows(site.connection), site.media.hashes()

    # One byte of an image changed, its checksum file left as it was.
    damaged = tmp_path / "damaged" / archive.name
    damaged.parent.mkdir()
    shutil.copy(archive, damaged)
    shutil.copy(archive.with_name(archive.name + ".sha256"), damaged.parent)
    with tarfile.open(archive) as tar:
        image = next(info for info in tar if info.name.startswith("media/images/"))
    with open(damaged, "r+b") as file:
        file.seek(image.offset_data + 10)
        byte = file.read(1)
        file.seek(image.offset_data + 10)
        file.write(bytes([byte[0] ^ 0xFF]))

    site.drop_everything()
    checksum_file = damaged.with_name(damaged.name + ".sha256")
    kept = checksum_file.read_text()
    checksum_file.unlink()
    with pytest.raises(CommandError, match="sha256 is missing"):
        call_command("restore", str(damaged), verbosity=0)
    checksum_file.write_text(kept)
    with pytest.raises(CommandError, match="SHA-256 .* damaged.* Nothing was changed"):
        call_command("restore", str(damaged), verbosity=0)
    assert site.connection.introspection.table_names() == []
    assert site.media.hashes() == {}

    # The checksum file made to match: each file is still checked against the manifest.
    checksum = hashlib.sha256(damaged.read_bytes()).hexdigest()
    damaged.with_name(damaged.name + ".sha256").write_text(f"{checksum}  {damaged.name}\n")
    with pytest.raises(CommandError, match="not the file the manifest records"):
        call_command("restore", str(damaged), verbosity=0)
    assert site.connection.introspection.table_names() == []

    call_command("restore", str(archive), verbosity=0)
    assert table_rows(site.connection) == rows
    # Restoring again over the restored site is refused, and changes nothing.
    with pytest.raises(CommandError, match="not empty .* --replace-existing"):
        call_command("restore", str(archive), verbosity=0)
    assert table_rows(site.connection) == rows
    assert site.media.hashes() == files
