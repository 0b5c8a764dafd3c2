"""Health probes for load balancers: ``/healthz`` (liveness) and ``/readyz`` (readiness).

``/healthz`` says only that this process answers: it touches no database, cache or file.
``/readyz`` checks what a request needs (the database, the cache, the default storage and the
task queue, each with its own short timeout, all at once) and answers 200 when all are
well, else 503, with each check's state in JSON. Neither is ever cached or rate-limited, and
neither says which software or version runs.

django-health-check (4.8) runs the checks: each is one of its ``HealthCheck``s, given a
timeout, any exception turned into a failed state, and its database check is used with a
reason of our own (its own may name the server's address). The rest of it falls short here:

- its view answers HTML to a probe's ``Accept: */*`` and 500 when something is down; a
  load balancer wants JSON and 503, so ``readiness`` renders the results itself;
- its cache check runs asynchronously in the request's own thread, so a hung cache would
  hold the request past its timeout; ``CacheCheck`` runs in a thread of its own like the rest;
- its storage check cleans up in a ``finally`` that raises again when the storage is down,
  so the reason becomes "unknown error"; ``StorageCheck`` names the step that failed;
- a check that times out keeps its thread busy, and the event loop of an async view under
  WSGI waits for its default executor's threads when it closes: the checks run in an
  executor that is let go of without waiting, so a hung dependency costs the probe its
  timeout (measured: 503 after 3.0 s) and no more.

``HealthProbeMiddleware`` answers both paths before any other middleware: a load balancer
probes each server by its address (``http://10.0.0.5:8000/readyz``) over plain HTTP with
whatever Host header it likes, which ``ALLOWED_HOSTS`` (checked by ``CommonMiddleware`` on
every request) and ``SECURE_SSL_REDIRECT`` would otherwise answer with a 400 or a redirect,
and the page cache, sessions and locale have nothing to add to a probe.
"""

import asyncio
import contextlib
import dataclasses
import datetime
import uuid
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers
from health_check import checks as library_checks
from health_check.base import HealthCheck
from health_check.exceptions import HealthCheckException, ServiceUnavailable

from . import task_queue

# Each check's own budget; django-health-check gives a check one second more to report.
CHECK_TIMEOUT = datetime.timedelta(seconds=2)


@dataclasses.dataclass
class DatabaseCheck(library_checks.Database):
    timeout = CHECK_TIMEOUT

    def run(self):
        try:
            super().run()
        except HealthCheckException as error:
            raise ServiceUnavailable("no answer to a query") from error


@dataclasses.dataclass
class CacheCheck(HealthCheck):
    """Write and read back a key of its own. The site's Redis backend swallows connection
    errors (pages are served without it), so a dead Redis shows as a value not read back."""

    alias: str = "default"
    timeout = CHECK_TIMEOUT

    def run(self):
        cache = caches[self.alias]
        key = f"health:{uuid.uuid4().hex}"
        cache.set(key, "ok", timeout=10)
        try:
            if cache.get(key) != "ok":
                raise ServiceUnavailable("a value written was not read back")
        finally:
            cache.delete(key)


@dataclasses.dataclass
class StorageCheck(HealthCheck):
    """Write, read back and delete a tiny file under ``health/`` in the default storage, with
    ``default_storage``'s API only, so it works the same on local disk and on S3."""

    timeout = CHECK_TIMEOUT

    def run(self):
        content = uuid.uuid4().hex.encode()
        try:
            name = default_storage.save(f"health/{content.decode()}.txt", ContentFile(content))
        except Exception as error:
            raise ServiceUnavailable("a file could not be written") from error
        try:
            with default_storage.open(name) as stored:
                read = stored.read()
        except Exception as error:
            raise ServiceUnavailable("a file written was not read back") from error
        finally:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        if read != content:
            raise ServiceUnavailable("a file written was not read back")


@dataclasses.dataclass
class TaskQueueCheck(HealthCheck):
    """How long the oldest task ready to run has waited; too long means the workers are
    down or cannot keep up. Only the database queue is checked: other backends run tasks
    at once."""

    timeout = CHECK_TIMEOUT
    oldest_waiting_seconds: int | None = dataclasses.field(default=None, init=False)

    def run(self):
        if not task_queue.uses_database_queue():
            return
        age = task_queue.oldest_waiting_age()
        self.oldest_waiting_seconds = int(age.total_seconds()) if age is not None else 0
        limit = settings.READYZ_MAX_TASK_AGE_SECONDS
        if limit and self.oldest_waiting_seconds > limit:
            raise ServiceUnavailable(f"a task has waited more than {limit} seconds")

    def details(self):
        if self.oldest_waiting_seconds is None:
            return {}
        return {"oldest_waiting_seconds": self.oldest_waiting_seconds}


READINESS_CHECKS = {
    "database": DatabaseCheck,
    "cache": CacheCheck,
    "storage": StorageCheck,
    "task_queue": TaskQueueCheck,
}


@contextlib.contextmanager
def _abandonable_executor():
    executor = ThreadPoolExecutor(max_workers=len(READINESS_CHECKS), thread_name_prefix="readyz")
    try:
        yield executor
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


async def _run_checks():
    checks = {name: check() for name, check in READINESS_CHECKS.items()}
    with _abandonable_executor() as executor:
        results = await asyncio.gather(*(check.get_result(executor) for check in checks.values()))
    return dict(zip(checks, results, strict=True))


def _probe_response(body, status=200):
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


def liveness(request):
    return _probe_response({"status": "ok"})


async def readiness(request):
    results = await _run_checks()
    states = {}
    for name, result in results.items():
        state = {"status": "unavailable" if result.error else "ok"}
        if result.error:
            state["reason"] = result.error.message
        if hasattr(result.check, "details"):
            state.update(result.check.details())
        states[name] = state
    ready = not any(result.error for result in results.values())
    return _probe_response(
        {"status": "ok" if ready else "unavailable", "checks": states},
        status=200 if ready else 503,
    )


PROBES = {"/healthz": liveness, "/readyz": readiness}


class HealthProbeMiddleware:
    """Answers the probes first, before host checks, HTTPS redirects and the page cache
    (see the module's docstring). First in ``MIDDLEWARE`` after the request guard."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if asyncio.iscoroutinefunction(probe):
            return async_to_sync(probe)(request)
        return probe(request)
