"""Reading a manifest: one JSON object a line, checked field by field before anything is
looked up or written. See README, "Importing an archive", for the fields."""

import datetime
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from publications.models import ORIGINAL_LANGUAGES

LANGUAGES = ("en", "sr")
TITLE_MAX_LENGTH = 255
SUMMARY_MAX_LENGTH = 500  # PublicationPage.summary
OLD_URL_MAX_LENGTH = 500  # ArchiveRecord.old_url
NAME_MAX_LENGTH = 255  # an author page's title
TAG_MAX_LENGTH = 100  # PublicationTag.name
OP_ED_KIND = "op-ed"
SLUG = re.compile(r"^[-\w]+$")

REQUIRED = ("old_url", "kind", "title", "date", "language", "summary")
OPTIONAL = (
    "translation_group",
    "authors",
    "tags",
    "body",
    "cover_image",
    "pdf",
    "slug",
    "comments_open",
    "search_description",
    "outlet_name",
    "outlet_url",
    "original_publication_date",
    "original_language",
    "translator_name",
)
OP_ED_FIELDS = (
    "outlet_name",
    "outlet_url",
    "original_publication_date",
    "original_language",
    "translator_name",
)


class RowError(Exception):
    """Why a row cannot be imported; the row is rejected with this message."""


@dataclass
class Row:
    line: int
    data: dict
    warnings: list = field(default_factory=list)

    def __getitem__(self, name):
        return self.data[name]

    def get(self, name, default=None):
        return self.data.get(name, default)

    @property
    def key(self):
        return self.data["old_url"]

    @property
    def is_op_ed(self):
        return self.data["kind"] == OP_ED_KIND


def text(data, name, max_length, required=False):
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise RowError(f"{name} is missing")
        return ""
    if not isinstance(value, str):
        raise RowError(f"{name} must be a string")
    value = " ".join(value.split()) if name != "body" else value
    if required and not value:
        raise RowError(f"{name} is empty")
    if max_length and len(value) > max_length:
        raise RowError(f"{name} is longer than {max_length} characters")
    return value


def date(data, name, required=False):
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise RowError(f"{name} is missing")
        return None
    if not isinstance(value, str):
        raise RowError(f"{name} must be a date written YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{name} {value!r} is not a date written YYYY-MM-DD") from None


def names(data, name, max_length):
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RowError(f"{name} must be a list of strings")
    cleaned = []
    for item in value:
        item = " ".join(item.split())
        if not item:
            continue
        if len(item) > max_length:
            raise RowError(f"{name}: {item[:40]!r}… is longer than {max_length} characters")
        if item not in cleaned:
            cleaned.append(item)
    return cleaned


def old_url(data):
    value = text(data, "old_url", OLD_URL_MAX_LENGTH, required=True)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "") or not parts.path.startswith("/"):
        raise RowError(f"old_url {value!r} is not an address such as https://old.example/path/")
    if parts.path == "/":
        raise RowError("old_url is the old site's home page, not a publication")
    return value


def file_reference(data, name):
    """A path relative to the manifest or a file:// URL, as given (resolved by `resolve`)."""
    value = data.get(name)
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise RowError(f"{name} must be a path or a file:// URL")
    return value.strip()


def resolve(reference, base_dir):
    """The file a path or file:// URL names; only files on this machine are read."""
    parts = urlsplit(reference)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme and len(parts.scheme) > 1:  # not a Windows drive letter
        raise RowError(f"{reference!r}: only paths and file:// URLs can be imported")
    path = Path(unquote(reference))
    return path if path.is_absolute() else base_dir / path


def parse_row(line_number, line):
    """The row on `line`, checked; raises RowError."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise RowError(f"not valid JSON ({error.msg}, column {error.colno})") from None
    if not isinstance(data, dict):
        raise RowError("not a JSON object")
    row = Row(line_number, {})
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        row.warnings.append(f"unknown fields ignored: {', '.join(unknown)}")
    clean = row.data
    clean["old_url"] = old_url(data)
    clean["kind"] = text(data, "kind", 80, required=True)
    clean["title"] = text(data, "title", TITLE_MAX_LENGTH, required=True)
    clean["date"] = date(data, "date", required=True)
    language = text(data, "language", 10, required=True)
    if language not in LANGUAGES:
        raise RowError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    clean["language"] = language
    clean["summary"] = text(data, "summary", SUMMARY_MAX_LENGTH, required=True)
    clean["translation_group"] = text(data, "translation_group", 200)
    clean["authors"] = names(data, "authors", NAME_MAX_LENGTH)
    clean["tags"] = names(data, "tags", TAG_MAX_LENGTH)
    clean["body"] = text(data, "body", None)
    clean["cover_image"] = file_reference(data, "cover_image")
    clean["pdf"] = file_reference(data, "pdf")
    clean["slug"] = text(data, "slug", 255)
    if clean["slug"] and not SLUG.match(clean["slug"]):
        raise RowError(f"slug {clean['slug']!r} may hold only letters, digits and hyphens")
    comments_open = data.get("comments_open", True)
    if not isinstance(comments_open, bool):
        raise RowError("comments_open must be true or false")
    clean["comments_open"] = comments_open
    clean["search_description"] = text(data, "search_description", 1000)
    if clean["kind"] == OP_ED_KIND:
        clean["outlet_name"] = text(data, "outlet_name", 150, required=True)
        clean["outlet_url"] = text(data, "outlet_url", 500)
        if clean["outlet_url"] and urlsplit(clean["outlet_url"]).scheme not in ("http", "https"):
            raise RowError("outlet_url must start with http:// or https://")
        clean["original_publication_date"] = date(data, "original_publication_date")
        clean["original_language"] = text(data, "original_language", 3)
        codes = [code for code, _name in ORIGINAL_LANGUAGES]
        if clean["original_language"] and clean["original_language"] not in codes:
            raise RowError(
                f"original_language {clean['original_language']!r} is not one of "
                + ", ".join(codes)
            )
        clean["translator_name"] = text(data, "translator_name", 150)
    else:
        given = [name for name in OP_ED_FIELDS if data.get(name)]
        if given:
            row.warnings.append(f"{', '.join(given)} ignored: only op-eds have them")
    return row


def digest_data(row):
    """The row's fields in a fixed order, for its digest."""
    return json.dumps(row.data, sort_keys=True, default=str, ensure_ascii=False)
