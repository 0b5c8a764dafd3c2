"""Reading uploaded PDFs in a child process with limits, so a hostile PDF cannot hang or
exhaust the worker that asked.

pypdf (the text and page count) and PDFium (the picture of the first page) parse a file in
the calling process with no bound on memory or time: a decompression bomb, a page tree of
millions of pages or a content stream of millions of operators can take gigabytes or hours.
Here each parse runs in a fresh interpreter, ``python -m publications.pdf_sandbox``, that
sets its own limits before it touches the file:

- ``RLIMIT_AS`` (``PDF_PARSE_MEMORY_MB``): past it an allocation fails, and the child reports
  MemoryError with its exit status;
- ``RLIMIT_CPU`` (``PDF_PARSE_CPU_SECONDS``): past it the kernel stops the child (SIGXCPU,
  then SIGKILL a second later);
- a wall-clock timeout (``PDF_PARSE_TIMEOUT_SECONDS``) after which the parent kills it, for
  whatever waits without using the CPU;
- no core files, and at most a few megabytes written.

The child reads a temporary copy of the file (from local disk or S3 alike), gets a small
environment (no secrets: only the search path of the project) and answers with JSON on its
standard output. On any limit, crash or bad answer the caller gets nothing back (no text, no
page count, no picture), a warning is logged, and the worker goes on.

Home-made, in the standard library's subprocess and resource, because no maintained library
runs a parse under both rlimits and a timeout that kills; a fresh interpreter rather than a
fork keeps the worker's database connections and caches out of the child.
"""

import contextlib
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from PIL import Image

from . import pdf
from .pdf import (
    FIRST_PAGE_MAX_HEIGHT,
    FIRST_PAGE_WIDTH,
    MAX_EXTRACTED_CHARS,
    MAX_EXTRACTED_PAGES,
    PdfContents,
)

logger = logging.getLogger("bcsp.publications")

CHILD_MODULE = "publications.pdf_sandbox"
PROJECT_DIR = Path(__file__).resolve().parent.parent
# The child's exit status when an allocation failed under its memory limit.
MEMORY_EXIT = 3
# What the child may write: the picture of a first page is a few megabytes at most.
MAX_WRITTEN_BYTES = 64 * 1024 * 1024
# How much of the child's error output a warning quotes.
STDERR_QUOTED = 500

NO_CONTENTS = PdfContents("", None)


class Limits(NamedTuple):
    memory_mb: int
    cpu_seconds: float
    timeout_seconds: float


def configured_limits():
    return Limits(
        memory_mb=settings.PDF_PARSE_MEMORY_MB,
        cpu_seconds=settings.PDF_PARSE_CPU_SECONDS,
        timeout_seconds=settings.PDF_PARSE_TIMEOUT_SECONDS,
    )


# In the worker -------------------------------------------------------------------------------


@contextlib.contextmanager
def local_copy(file):
    """A temporary folder holding a copy of `file` (a Django file, from any storage) as
    input.pdf: yields (folder, SHA-1 of the bytes copied), and removes the folder after."""
    with tempfile.TemporaryDirectory(prefix="bcsp-pdf-") as folder:
        digest = hashlib.sha1()  # noqa: S324 - Wagtail's file_hash is SHA-1
        file.open("rb")
        try:
            with open(Path(folder) / "input.pdf", "wb") as copy:
                for chunk in file.chunks():
                    digest.update(chunk)
                    copy.write(chunk)
        finally:
            file.close()
        yield Path(folder), digest.hexdigest()


def read_pdf_text(folder, name, limits=None):
    """The text (of the first PDF_TEXT_MAX_PAGES pages, at most PDF_TEXT_MAX_CHARS
    characters) and page count of `folder`/input.pdf, read in a child process under
    `limits` (the configured ones by default); empty on any failure."""
    answer = run_child(
        {
            "command": "text",
            "folder": str(folder),
            "name": name,
            "max_pages": getattr(settings, "PDF_TEXT_MAX_PAGES", MAX_EXTRACTED_PAGES),
            "max_chars": getattr(settings, "PDF_TEXT_MAX_CHARS", MAX_EXTRACTED_CHARS),
        },
        name,
        limits or configured_limits(),
    )
    if answer is None:
        return NO_CONTENTS
    page_count = answer.get("page_count")
    text = answer.get("text")
    if not isinstance(text, str) or not (page_count is None or isinstance(page_count, int)):
        logger.warning("The PDF reader gave an unexpected answer for %s", name)
        return NO_CONTENTS
    return PdfContents(text, page_count)


def render_first_page(file, width=FIRST_PAGE_WIDTH, max_height=FIRST_PAGE_MAX_HEIGHT):
    """The first page of `file` (a Django file) as an RGB Pillow image, drawn by PDFium in a
    child process under the configured limits (publications.pdf.render_first_page says
    how), or None when it cannot be drawn."""
    name = file.name
    with local_copy(file) as (folder, _digest):
        answer = run_child(
            {
                "command": "cover",
                "folder": str(folder),
                "name": name,
                "width": width,
                "max_height": max_height,
            },
            name,
            configured_limits(),
        )
        if not answer or not answer.get("drawn"):
            return None
        try:
            with Image.open(folder / "first-page.png") as picture:
                picture.load()
                return picture.convert("RGB")
        except (OSError, Image.DecompressionBombError):
            logger.warning("The picture of the first page of %s could not be read", name)
            return None


def child_environment():
    """Only what the child needs to find the project: none of the worker's secrets."""
    return {"PATH": os.environ.get("PATH", os.defpath), "PYTHONPATH": str(PROJECT_DIR)}


def run_child(request, name, limits):
    """Run one parse in a child process; its JSON answer, or None (with a warning logged)
    when it hit a limit, crashed or answered nonsense."""
    request = {**request, "memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_seconds}
    command = [sys.executable, "-s", "-m", CHILD_MODULE, json.dumps(request)]
    try:
        finished = subprocess.run(  # noqa: S603 - our own module, arguments in one JSON string
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=limits.timeout_seconds,
            env=child_environment(),
            cwd=PROJECT_DIR,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        logger.warning(
            "Gave up reading PDF %s: it took longer than %s seconds (PDF_PARSE_TIMEOUT_SECONDS)",
            name,
            limits.timeout_seconds,
        )
        return None
    status = finished.returncode
    if status == MEMORY_EXIT:
        logger.warning(
            "Gave up reading PDF %s: it needed more than %s MB of memory (PDF_PARSE_MEMORY_MB)",
            name,
            limits.memory_mb,
        )
        return None
    if status in (-signal.SIGXCPU, -signal.SIGKILL):
        logger.warning(
            "Gave up reading PDF %s: it needed more than %s seconds of CPU time "
            "(PDF_PARSE_CPU_SECONDS)",
            name,
            limits.cpu_seconds,
        )
        return None
    stderr = finished.stderr.decode("utf-8", "replace")[-STDERR_QUOTED:]
    if status != 0:
        logger.warning("The PDF reader stopped on %s (exit status %s): %s", name, status, stderr)
        return None
    try:
        answer = json.loads(finished.stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        logger.warning("The PDF reader gave no answer for %s: %s", name, stderr)
        return None
    for message in answer.get("warnings", []):
        logger.warning("%s", message)
    return answer


# In the child --------------------------------------------------------------------------------


def limit_this_process(memory_mb, cpu_seconds):
    import resource  # Unix only, and only ever needed here

    def lower(kind, soft, hard):
        _current_soft, current_hard = resource.getrlimit(kind)
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(kind, (soft, hard))

    memory = int(memory_mb * 1024 * 1024)
    cpu = max(1, round(cpu_seconds))
    lower(resource.RLIMIT_CORE, 0, 0)
    lower(resource.RLIMIT_FSIZE, MAX_WRITTEN_BYTES, MAX_WRITTEN_BYTES)
    lower(resource.RLIMIT_CPU, cpu, cpu + 1)  # SIGXCPU, then SIGKILL a second later
    lower(resource.RLIMIT_AS, memory, memory)


class KeptWarnings(logging.Handler):
    """The warnings logged while parsing, handed to the worker to log as its own."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def child_main(argument):
    request = json.loads(argument)
    limit_this_process(request["memory_mb"], request["cpu_seconds"])
    kept = KeptWarnings()
    pdf.logger.addHandler(kept)
    pdf.logger.propagate = False  # tracebacks stay out of the answer and the output
    folder = Path(request["folder"])
    source = folder / "input.pdf"
    name = request["name"]
    try:
        if request["command"] == "text":
            with open(source, "rb") as file:
                contents = pdf.read_pdf(
                    file, max_pages=request["max_pages"], max_chars=request["max_chars"], name=name
                )
            answer = {"text": contents.text, "page_count": contents.page_count}
        else:
            picture = pdf.render_first_page(
                str(source), request["width"], request["max_height"], name=name
            )
            if picture is not None:
                picture.save(folder / "first-page.png", compress_level=1)
            answer = {"drawn": picture is not None}
    except MemoryError:
        os._exit(MEMORY_EXIT)  # nothing more can be allocated to say so
    answer["warnings"] = kept.messages
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1]))
