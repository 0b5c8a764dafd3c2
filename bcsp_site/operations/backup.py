"""Backing up the whole site into one archive, and restoring one into an empty installation.

An archive is one uncompressed tar (the database dump is compressed by pg_dump, images and
PDFs are compressed already), written as ``<name>.tar.partial`` and renamed once complete,
readable by its owner only, with ``<name>.tar.sha256`` beside it in ``sha256sum``'s format:

- ``database.pgdump``: ``pg_dump --format=custom`` of the configured PostgreSQL database,
  or ``database.sqlite3``: a consistent copy of the SQLite database made with SQLite's
  online backup API (a raw copy of a file being written can be torn);
- ``media/images/<name>``: every file of the default storage (original images, renditions,
  the pictures of PDFs' first pages), and ``media/documents/<name>``: every document, from
  local disk or S3 alike, read as a stream (nothing is held whole in memory); the role, not
  the storage, is recorded, so an archive made on local disk restores into S3 buckets and
  back;
- ``manifest.json`` (last): when, the site's version and ``git describe``, Python, Django
  and Wagtail versions, the database engine and its applied migrations, the content
  generation, and every member with its size and SHA-256.

Restoring checks everything first (the archive's own checksum, then every member against
the manifest) and changes nothing when anything is wrong; it refuses a database that has
tables and storage that has files, unless told to replace them. Then the database
(``pg_restore`` in one transaction, or SQLite's backup API into the configured file), the
files, and a new content generation with every cache emptied: the restored database brings
back the generation it was saved with, under which copies of pages rendered since (in Redis,
or kept by an app server's own memory) would still pass as current.

Home-made rather than django-dbbackup: that library writes the database and the media as
two separate files with no manifest or checksums of their files, copies a SQLite file as it
lies, and knows nothing of the content generation that a restore must renew.
"""

import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import django
import wagtail
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from psycopg.conninfo import make_conninfo
from wagtail.documents import get_document_model

from bcsp_site.caching.generation import start_new_generation, stored_generation
from bcsp_site.core.storage import documents_storage

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
# Connection options of the settings that libpq (pg_dump, pg_restore) understands too.
LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "options",
    "target_session_attrs",
    "application_name",
}


class BackupError(Exception):
    """Something an operator must fix; the message says what."""


# Storages ---------------------------------------------------------------------------------


def media_storages():
    """{role: storage} of the uploads: images (the default storage) and documents."""
    return {"images": default_storage, "documents": documents_storage}


def documents_share_default_storage():
    return _same_storage(_unwrapped(documents_storage), _unwrapped(default_storage))


def _unwrapped(storage):
    while isinstance(storage, LazyObject):  # documents_storage may wrap default_storage
        if storage._wrapped is empty:
            storage._setup()
        storage = storage._wrapped
    return storage


def _same_storage(one, other):
    if one is other:
        return True
    location = getattr(one, "location", None)
    return (
        type(one) is type(other)
        and location is not None
        and location == getattr(other, "location", None)
        and getattr(one, "bucket_name", None) == getattr(other, "bucket_name", None)
    )


def _walk(storage, path=""):
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield str(PurePosixPath(path, name)) if path else name
    for directory in sorted(directories):
        yield from _walk(storage, str(PurePosixPath(path, directory)) if path else directory)


def media_files():
    """(role, name) of every stored upload. With documents beside the images (one local
    folder, or one bucket), a file under the documents' folder counts as a document."""
    storages = media_storages()
    documents_folder = get_document_model()._meta.get_field("file").upload_to.rstrip("/") + "/"
    if documents_share_default_storage():
        for name in _walk(storages["images"]):
            yield ("documents" if name.startswith(documents_folder) else "images"), name
    else:
        for role, storage in storages.items():
            for name in _walk(storage):
                yield role, name


def _read_stream(storage, name):
    """(a file object reading the stored file as it arrives, its size); FileNotFoundError
    when it is gone. django-storages' S3 file downloads the whole object into memory
    before the first read, so its body is read here instead."""
    storage = _unwrapped(storage)
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        stream = storage.open(name, "rb")
        return stream, storage.size(name)
    from storages.utils import clean_name  # only where S3 is configured

    key = storage._normalize_name(clean_name(name))
    try:
        response = bucket.Object(key).get()
    except bucket.meta.client.exceptions.NoSuchKey as error:
        raise FileNotFoundError(name) from error
    return response["Body"], response["ContentLength"]


# Databases --------------------------------------------------------------------------------


def _database():
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups know PostgreSQL and SQLite, not {connection.vendor}.")
    return connection


def _libpq(connection):
    """(conninfo, environment) for pg_dump and pg_restore: the password goes in the
    environment, where other users' `ps` cannot see it."""
    settings_dict = connection.settings_dict
    options = {
        key: value
        for key, value in settings_dict.get("OPTIONS", {}).items()
        if key in LIBPQ_OPTIONS
    }
    conninfo = make_conninfo(
        dbname=settings_dict["NAME"],
        host=settings_dict.get("HOST") or None,
        port=str(settings_dict["PORT"]) if settings_dict.get("PORT") else None,
        user=settings_dict.get("USER") or None,
        **options,
    )
    environment = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = settings_dict["PASSWORD"]
    return conninfo, environment


def _run(command, environment=None):
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(f"{command[0]} is not installed (or not on the PATH).")
    result = subprocess.run(  # noqa: S603 - our own command line, no shell
        [program, *command[1:]], env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed:\n{result.stderr.strip()}")


def _sqlite_path(connection):
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return name


def dump_database(folder):
    """The database, dumped into `folder`: (its member name in the archive, its path)."""
    connection = _database()
    if connection.vendor == "postgresql":
        path = Path(folder, "database.pgdump")
        conninfo, environment = _libpq(connection)
        _run(["pg_dump", "--format=custom", f"--file={path}", f"--dbname={conninfo}"], environment)
        return path.name, path
    path = Path(folder, "database.sqlite3")
    source = sqlite3.connect(_sqlite_path(connection))
    copy = sqlite3.connect(path)
    try:
        with copy:
            source.backup(copy)
    finally:
        copy.close()
        source.close()
    return path.name, path


def applied_migrations(connection):
    return sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )


def _database_server_version(connection):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    return sqlite3.sqlite_version


# Writing ------------------------------------------------------------------------------------


class _Hashing:
    """Reads through to `raw`, counting and hashing what passes."""

    def __init__(self, raw):
        self.raw, self.size, self.sha256 = raw, 0, hashlib.sha256()

    def read(self, size=-1):
        data = self.raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _add(tar, member, fileobj, size, mtime):
    info = tarfile.TarInfo(member)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    reader = _Hashing(fileobj)
    tar.addfile(info, reader)
    return {"member": member, "size": reader.size, "sha256": reader.sha256.hexdigest()}


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def site_version():
    try:
        version = importlib.metadata.version("bcsp-site")
    except importlib.metadata.PackageNotFoundError:
        version = None
    git = shutil.which("git")
    described = None
    if git and (settings.BASE_DIR / ".git").exists():
        result = subprocess.run(  # noqa: S603 - a fixed command line
            [git, "-C", str(settings.BASE_DIR), "describe", "--always", "--dirty", "--tags"],
            capture_output=True,
            text=True,
            check=False,
        )
        described = result.stdout.strip() or None
    return {"version": version, "git_describe": described}


def write_archive(output_dir, log=print):
    """Write a dated archive of the database and the uploads into `output_dir`; its path."""
    connection = _database()
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    name = f"bcsp-backup-{now:%Y%m%d-%H%M%S}.tar"
    archive, partial = output_dir / name, output_dir / f"{name}.partial"
    if archive.exists():
        raise BackupError(f"{archive} exists already.")
    mtime = int(now.timestamp())
    manifest = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "site": site_version(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "database": {
            "engine": connection.vendor,
            "server_version": _database_server_version(connection),
        },
        "migrations": applied_migrations(connection),
        "content_generation": stored_generation(),
        "media": [],
    }
    # The database first: every file its rows name was stored before the dump began.
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as work:
        member, dump = dump_database(work)
        partial.touch(mode=0o600)
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
                with open(dump, "rb") as file:
                    manifest["database"] |= _add(tar, member, file, dump.stat().st_size, mtime)
                Path(dump).unlink()
                log(f"database: {manifest['database']['size']:,} bytes")
                storages = media_storages()
                for role, stored_name in media_files():
                    storage = storages[role]
                    try:
                        stream, size = _read_stream(storage, stored_name)
                    except FileNotFoundError:
                        continue  # deleted since it was listed
                    with stream:
                        entry = _add(tar, f"media/{role}/{stored_name}", stream, size, mtime)
                    manifest["media"].append({"role": role, "name": stored_name, **entry})
                log(
                    f"media: files: {len(manifest['media'])}, "
                    f"{sum(entry['size'] for entry in manifest['media']):,} bytes"
                )
                data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                _add(tar, MANIFEST, _BytesReader(data), len(data), mtime)
            digest = file_sha256(partial)
            partial.rename(archive)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    checksum = checksum_path(archive)
    checksum.write_text(f"{digest}  {archive.name}\n")
    checksum.chmod(0o600)
    return archive


class _BytesReader:
    def __init__(self, data):
        self.data, self.position = data, 0

    def read(self, size=-1):
        end = len(self.data) if size < 0 else self.position + size
        chunk = self.data[self.position : end]
        self.position += len(chunk)
        return chunk


def checksum_path(archive):
    archive = Path(archive)
    return archive.with_name(archive.name + ".sha256")


# Checking -----------------------------------------------------------------------------------


def verify_archive(archive):
    """The archive's manifest, once the archive's checksum and every member's size and
    SHA-256 are as recorded; else BackupError."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"There is no archive at {archive}.")
    checksum = checksum_path(archive)
    if not checksum.is_file():
        raise BackupError(
            f"{checksum.name} is missing: keep the checksum file beside the archive it "
            "was made with."
        )
    expected = (checksum.read_text().split() or [""])[0].lower()
    actual = file_sha256(archive)
    if actual != expected:
        raise BackupError(
            f"The archive's SHA-256 is {actual}, but {checksum.name} says {expected}: the "
            "archive is damaged or is not the one the checksum was made for."
        )
    try:
        with tarfile.open(archive, "r:") as tar:
            manifest = json.load(tar.extractfile(MANIFEST))
            if manifest.get("format") != FORMAT:
                raise BackupError(f"This archive's format ({manifest.get('format')}) is unknown.")
            expected_members = {
                entry["member"]: entry for entry in [manifest["database"], *manifest["media"]]
            }
            found = set()
            for info in tar:
                if info.name == MANIFEST:
                    continue
                entry = expected_members.get(info.name)
                if entry is None or not info.isfile():
                    raise BackupError(f"{info.name} is in the archive but not in its manifest.")
                reader = _Hashing(tar.extractfile(info))
                while reader.read(CHUNK):
                    pass
                if (reader.size, reader.sha256.hexdigest()) != (entry["size"], entry["sha256"]):
                    raise BackupError(f"{info.name} is not the file the manifest records.")
                found.add(info.name)
    except (tarfile.TarError, KeyError, ValueError) as error:
        raise BackupError(f"{archive} is not a readable site archive ({error}).") from error
    missing = set(expected_members) - found
    if missing:
        raise BackupError(f"The archive lacks {', '.join(sorted(missing))}.")
    return manifest


# Restoring ----------------------------------------------------------------------------------


@dataclass
class RestoreSummary:
    database: str
    files: int
    migrations_to_apply: list


def _tables(connection):
    with connection.cursor() as cursor:
        return connection.introspection.get_table_list(cursor)


def _stored_files(storages):
    targets = list(storages.values())
    if documents_share_default_storage():
        targets = [default_storage]
    return [(storage, name) for storage in targets for name in _walk(storage)]


def _check_compatible(manifest, connection):
    engine = manifest["database"]["engine"]
    if engine != connection.vendor:
        raise BackupError(
            f"The archive holds a {engine} database; this site is configured for "
            f"{connection.vendor} (DATABASE_URL)."
        )
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = {f"{app}.{name}" for app, name in loader.disk_migrations}
    unknown = sorted(set(manifest["migrations"]) - known)
    if unknown:
        raise BackupError(
            "The archive was made by a newer release of the site (migrations this code does "
            f"not have: {', '.join(unknown[:5])}…): install that release, then restore."
        )
    return sorted(known - set(manifest["migrations"]))


def restore_archive(archive, *, replace_existing=False, log=print):
    """Rebuild the installation from `archive`. Checks everything before changing
    anything; refuses a database with tables and storage with files unless
    `replace_existing`, which deletes every table first and overwrites files of the same
    name (other files stay)."""
    try:
        manifest = verify_archive(archive)
        connection = _database()
        to_apply = _check_compatible(manifest, connection)
        storages = media_storages()
        tables = _tables(connection)
        stored = _stored_files(storages)
        _check_empty(tables, stored, replace_existing)
    except BackupError as error:
        raise BackupError(f"{error} Nothing was changed.") from error
    log(f"archive checked: made {manifest['created_at']}; files: {len(manifest['media'])}")
    try:
        _restore(archive, manifest, connection, storages, tables, replace_existing, log)
    except BackupError as error:
        raise BackupError(
            f"Restoring stopped part-way: {error} Empty the database and the storage, then "
            "restore again."
        ) from error

    # What was kept for the generation the database brought back must not pass as current.
    ContentType.objects.clear_cache()
    for alias in settings.CACHES:
        caches[alias].clear()
    start_new_generation()
    return RestoreSummary(connection.vendor, len(manifest["media"]), to_apply)


def _check_empty(tables, stored, replace_existing):
    if not replace_existing and (tables or stored):
        found = []
        if tables:
            found.append(f"{len(tables)} tables in the database")
        if stored:
            found.append(f"{len(stored)} files in the uploads' storage")
        raise BackupError(
            f"This installation is not empty ({' and '.join(found)}). Restore into an empty "
            "database and storage, or pass --replace-existing to delete the tables (and "
            "overwrite files of the same names) first."
        )


def _restore(archive, manifest, connection, storages, tables, replace_existing, log):
    with tarfile.open(archive, "r:") as tar:
        if tables:
            _drop_tables(connection, tables)
        _restore_database(tar, manifest["database"], connection)
        log(f"database restored ({manifest['database']['engine']})")
        for entry in manifest["media"]:
            storage = storages[entry["role"]]
            if replace_existing and storage.exists(entry["name"]):
                storage.delete(entry["name"])
            content = File(tar.extractfile(entry["member"]), name=entry["name"])
            content.size = entry["size"]
            saved = storage.save(entry["name"], content)
            if saved != entry["name"]:
                raise BackupError(f"{entry['name']} could not be stored under its own name.")
        log(f"media restored; files: {len(manifest['media'])}")


def _drop_tables(connection, tables):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            views = [quote(table.name) for table in tables if table.type == "v"]
            plain = [quote(table.name) for table in tables if table.type != "v"]
            if views:
                cursor.execute(f"DROP VIEW IF EXISTS {', '.join(views)} CASCADE")
            if plain:
                cursor.execute(f"DROP TABLE IF EXISTS {', '.join(plain)} CASCADE")
        # SQLite: the backup API replaces the whole file's contents.


def _restore_database(tar, entry, connection):
    with tempfile.TemporaryDirectory(prefix="bcsp-restore-") as work:
        path = Path(work, entry["member"])
        with tar.extractfile(entry["member"]) as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target, CHUNK)
        if connection.vendor == "postgresql":
            conninfo, environment = _libpq(connection)
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-acl",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={conninfo}",
                    str(path),
                ],
                environment,
            )
        else:
            database = _sqlite_path(connection)
            connection.close()
            source, target = sqlite3.connect(path), sqlite3.connect(database)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
    connection.close()
