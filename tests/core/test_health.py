import datetime
import re
import threading

import django
import pytest
import wagtail
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bcsp_site.core import health
from newsletter.tasks import send_confirmation_email

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A port in this project's range where nothing listens.
DEAD_REDIS = "redis://127.0.0.1:18199/0"


def probe(path, method="get", host="10.0.0.5:8000", **extra):
    """As a load balancer asks: by the server's address, over plain HTTP."""
    return getattr(Client(), method)(path, HTTP_HOST=host, **extra)


def checks(response):
    return response.json()["checks"]


@pytest.fixture
def production_hosts(settings):
    """What production.py sets: only the site's name is allowed, and HTTP is redirected."""
    settings.ALLOWED_HOSTS = ["bezbednost.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000


@pytest.fixture
def broken_database(monkeypatch):
    def refuse(self):
        raise OperationalError('connection to server at "10.9.8.7", port 5432 failed: refused')

    monkeypatch.setattr(BaseDatabaseWrapper, "temporary_connection", refuse)


def test_liveness_answers_without_database_or_cache(settings):
    """No ``db`` fixture: pytest-django refuses any query here."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
    response = probe("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]


def test_readiness_all_up(db):
    response = probe("/readyz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "cache": {"status": "ok"},
            "storage": {"status": "ok"},
            # The test settings run tasks at once: there is no queue to wait in.
            "task_queue": {"status": "ok"},
        },
    }


def test_probes_answer_a_load_balancer_by_address_under_production_hosts(db, production_hosts):
    for path in ("/healthz", "/readyz"):
        response = probe(path)
        assert response.status_code == 200, path
        assert "Location" not in response
    # The same request to a page is refused (unknown host) or sent to HTTPS: the probes are
    # the exception, not the rule.
    assert probe("/en/").status_code == 400
    assert probe("/en/", host="bezbednost.org").status_code == 301


def test_head_and_headers(db):
    for path in ("/healthz", "/readyz"):
        response = probe(path, method="head")
        assert response.status_code == 200
        assert response.content == b""
        assert "no-store" in response["Cache-Control"]
        assert "X-Cache" not in response


def test_readiness_is_never_cached(db, monkeypatch):
    assert probe("/readyz").status_code == 200
    monkeypatch.setattr(health.CacheCheck, "run", lambda self: _raise_unavailable())
    second = probe("/readyz")
    assert second.status_code == 503
    assert "X-Cache" not in second
    assert "no-store" in second["Cache-Control"]


def _raise_unavailable():
    raise health.ServiceUnavailable("down for the test")


def test_probes_are_not_rate_limited(db):
    assert {probe("/readyz").status_code for _ in range(40)} == {200}


def test_body_names_no_software_or_version(db, broken_database):
    for path in ("/healthz", "/readyz"):
        body = probe(path).content.decode()
        for version in (django.get_version(), wagtail.__version__, "Django", "Wagtail", "ython"):
            assert version not in body
        assert not re.search(r"\d+\.\d+\.\d+", body)
        assert "10.9.8.7" not in body


def test_database_down(db, broken_database):
    response = probe("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert checks(response)["database"] == {
        "status": "unavailable",
        "reason": "no answer to a query",
    }
    assert checks(response)["cache"] == {"status": "ok"}


def test_cache_down(db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "bcsp_site.caching.backends.ResilientRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    response = probe("/readyz")
    assert response.status_code == 503
    assert checks(response)["cache"] == {
        "status": "unavailable",
        "reason": "a value written was not read back",
    }
    assert checks(response)["database"] == {"status": "ok"}


def test_storage_unwritable(db, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker
    response = probe("/readyz")
    assert response.status_code == 503
    assert checks(response)["storage"] == {
        "status": "unavailable",
        "reason": "a file could not be written",
    }


def test_storage_check_leaves_nothing_behind(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert probe("/readyz").status_code == 200
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_hung_dependency_answers_503_instead_of_hanging(db, monkeypatch):
    released = threading.Event()
    monkeypatch.setattr(health.CacheCheck, "run", lambda self: released.wait(60))
    try:
        response = probe("/readyz")
    finally:
        released.set()
    assert response.status_code == 503
    assert checks(response)["cache"] == {
        "status": "unavailable",
        "reason": "Timed out after 2 seconds",
    }
    assert checks(response)["database"] == {"status": "ok"}


def queue_task(waited):
    result = send_confirmation_email.enqueue(0)
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - waited)


@pytest.mark.django_db(transaction=True)
def test_task_queue_reports_the_oldest_waiting_task(settings):
    settings.TASKS = DATABASE_QUEUE
    response = probe("/readyz")
    assert checks(response)["task_queue"] == {"status": "ok", "oldest_waiting_seconds": 0}

    queue_task(datetime.timedelta(seconds=90))
    queue_task(datetime.timedelta(seconds=30))
    response = probe("/readyz")
    assert response.status_code == 200
    assert 90 <= checks(response)["task_queue"]["oldest_waiting_seconds"] < 600


@pytest.mark.django_db(transaction=True)
def test_task_queue_too_old(settings):
    settings.TASKS = DATABASE_QUEUE
    queue_task(datetime.timedelta(minutes=15))
    response = probe("/readyz")
    assert response.status_code == 503
    state = checks(response)["task_queue"]
    assert state["status"] == "unavailable"
    assert state["reason"] == "a task has waited more than 600 seconds"
    assert state["oldest_waiting_seconds"] >= 900

    settings.READYZ_MAX_TASK_AGE_SECONDS = 0  # report only
    assert probe("/readyz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_task_deferred_waits_from_its_run_after(settings):
    settings.TASKS = DATABASE_QUEUE
    now = timezone.now()
    later = send_confirmation_email.using(run_after=now + datetime.timedelta(hours=1)).enqueue(0)
    due = send_confirmation_email.using(run_after=now - datetime.timedelta(seconds=60)).enqueue(0)
    DBTaskResult.objects.filter(pk__in=[later.id, due.id]).update(
        enqueued_at=now - datetime.timedelta(days=1)
    )
    response = probe("/readyz")
    assert response.status_code == 200
    assert 60 <= checks(response)["task_queue"]["oldest_waiting_seconds"] < 600


@pytest.mark.django_db(transaction=True)
def test_running_and_finished_tasks_are_not_waiting(settings):
    settings.TASKS = DATABASE_QUEUE
    queue_task(datetime.timedelta(hours=2))
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())
    assert checks(probe("/readyz"))["task_queue"] == {"status": "ok", "oldest_waiting_seconds": 0}


def test_other_methods_are_not_probes(db):
    assert probe("/readyz", method="post").status_code != 200
