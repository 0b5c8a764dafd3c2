"""Several processes sharing Redis, and Redis going away.

A change published through one process is seen at once by every other; a dead or hung
Redis is asked at most once per interval, pages still answer, and the cache is used again
as soon as Redis is back. Times are never asserted: attempts are counted.
"""

import os
import pickle
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import pytest
import redis
from django.test import Client

from bcsp_site.caching import backends, generation, page_cache
from tests.support import servers
from tests.support.factories import PublicationPageFactory
from tests.support.servers import free_port, needs_postgresql, own_database_url, wait_for_port

REDIS_SERVER = shutil.which("redis-server")
needs_redis_server = pytest.mark.skipif(
    REDIS_SERVER is None, reason="needs redis-server (apt-get install redis-server)"
)


@pytest.fixture
def redis_server(tmp_path):
    """A Redis server of this test's own, stopped (by its pid) at the end."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port, process)
    process.url = f"redis://127.0.0.1:{port}/0"
    yield process
    if process.poll() is None:
        os.kill(process.pid, signal.SIGCONT)
        process.kill()
        process.wait(timeout=10)


def connections_received(server):
    info = subprocess.run(  # noqa: S603
        [shutil.which("redis-cli") or "redis-cli", "-u", server.url, "INFO", "stats"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return int(info.split("total_connections_received:")[1].split()[0])


def use_redis(settings, url):
    settings.CACHES = {
        "default": {
            "BACKEND": "bcsp_site.caching.backends.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "bcsp",  # as bcsp_site.settings.base has it, for the other processes
        },
        "content": {"BACKEND": "bcsp_site.caching.backends.LayeredCache", "LOCATION": "default"},
    }
    settings.CACHE_SINGLE_PROCESS = False
    page_cache.local_copies.clear()


class Clock:
    """The breaker's clock, moved on by the test instead of waited for."""

    def __init__(self):
        self.now = time.monotonic()

    def monotonic(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(backends, "time", clock)
    return clock


@pytest.fixture
def publication(publication_index):
    page = PublicationPageFactory(
        parent=publication_index, title="Police Integrity in Serbia", slug="police-integrity"
    )
    page.save_revision().publish()
    return page


def visit(url, times):
    responses = [Client().get(url) for _visit in range(times)]
    assert {response.status_code for response in responses} == {200}
    assert all("Police Integrity in Serbia" in response.text for response in responses)
    return [response["X-Cache"] for response in responses]


# A Redis that refuses or hangs -----------------------------------------------------------


class CountingRefuser:
    """A port that accepts each connection and closes it at once, counting them: to Redis's
    client, a server that is not there."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self.socket.getsockname()[1]}/0"
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _address = self.socket.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()


def test_a_dead_redis_is_tried_once_per_interval_whatever_the_number_of_requests(
    settings, publication, clock
):
    refuser = CountingRefuser()
    use_redis(settings, refuser.url)
    # Rendered once, then kept by the worker for the generation in the database.
    assert visit(publication.url, 20) == ["miss"] + ["hit"] * 19
    assert refuser.accepted == 1
    clock.now += backends.RETRY_SECONDS + 0.1
    assert visit(publication.url, 20) == ["hit"] * 20
    assert refuser.accepted == 2  # one caller tried again, the others kept skipping it
    refuser.socket.close()


def test_every_alias_and_thread_of_a_process_shares_what_it_learnt_of_a_dead_redis(settings, clock):
    """Django makes a cache object per alias and per thread; one failure is enough for all."""
    refuser = CountingRefuser()
    use_redis(settings, refuser.url)
    answers = []

    def worker_thread():
        from django.core.cache import caches

        for _call in range(10):
            answers.append(caches["default"].get("key", "missed"))
            answers.append(caches["content"].get("key", "missed"))

    first = threading.Thread(target=worker_thread)
    first.start()
    first.join()  # finds Redis down; the others start after that
    threads = [threading.Thread(target=worker_thread) for _thread in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["missed"] * 80
    assert refuser.accepted == 1
    refuser.socket.close()


@needs_redis_server
def test_a_hung_redis_is_waited_for_once_and_used_again_when_it_answers(
    settings, publication, redis_server, clock
):
    use_redis(settings, redis_server.url)
    assert visit(publication.url, 2) == ["miss", "hit"]
    before = connections_received(redis_server)

    os.kill(redis_server.pid, signal.SIGSTOP)  # accepts connections, answers nothing
    page_cache.local_copies.clear()  # a worker that has not served the page yet
    try:
        assert visit(publication.url, 20) == ["miss"] + ["hit"] * 19
    finally:
        os.kill(redis_server.pid, signal.SIGCONT)
    # The connections the paused server's kernel accepted meanwhile (less this count's
    # own): at most one, not one per request.
    assert connections_received(redis_server) - before - 1 <= 1

    clock.now += backends.RETRY_SECONDS + 0.1
    # Back without a restart: served from the cache again.
    assert visit(publication.url, 3) == ["hit"] * 3


def generation_in(server):
    """The generation in Redis, as any other process reads it."""
    stored = redis.Redis.from_url(server.url).get(f"bcsp:1:{generation.GENERATION_KEY}")
    return pickle.loads(stored)  # noqa: S301 - written by this test's own cache


@needs_redis_server
def test_redis_answering_again_is_given_the_generation_in_the_database(
    settings, redis_server, clock, db, monkeypatch
):
    use_redis(settings, redis_server.url)
    before = generation.content_generation()
    assert generation_in(redis_server) == before == generation.stored_generation()

    def unreachable(*args, **kwargs):
        raise redis.ConnectionError("the network is down")

    with monkeypatch.context() as outage:
        outage.setattr(redis.connection.AbstractConnection, "send_packed_command", unreachable)
        published = generation.start_new_generation()  # an editor publishes meanwhile
        assert generation.content_generation() == published  # read from the database
    assert generation_in(redis_server) == before  # the write to Redis was lost

    clock.now += backends.RETRY_SECONDS + 0.1
    assert generation.content_generation() == published  # Redis answering again
    assert generation_in(redis_server) == published == generation.stored_generation()


# Two processes, one Redis ----------------------------------------------------------------


@pytest.fixture
def gunicorn(redis_server, tmp_path):
    """The site under gunicorn, two workers, on the test's database and Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.support.served_settings",
        "DATABASE_URL": own_database_url(),
        "REDIS_URL": redis_server.url,
        "PAGE_CACHE": "1",
    }
    with servers.gunicorn(env, tmp_path / "gunicorn.log", workers=2) as port:
        yield f"http://127.0.0.1:{port}"


def get(url):
    request = urllib.request.Request(url, headers={"Host": "localhost"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.headers["X-Cache"], response.read().decode()


@needs_postgresql
@needs_redis_server
@pytest.mark.django_db(transaction=True)
def test_a_change_published_in_one_process_is_seen_at_once_by_every_other(
    settings, publication, redis_server, gunicorn
):
    use_redis(settings, redis_server.url)  # this process, as an editor's worker would
    served = [get(gunicorn + publication.url) for _visit in range(10)]
    assert all("Police Integrity in Serbia" in html for _x_cache, html in served)
    assert "hit" in {x_cache for x_cache, _html in served}  # both workers keep it now

    publication.title = "Police Integrity, revised"
    publication.save_revision().publish()

    for _visit in range(10):  # whichever worker answers
        _x_cache, html = get(gunicorn + publication.url)
        assert "Police Integrity, revised" in html


@needs_postgresql
@needs_redis_server
@pytest.mark.django_db(transaction=True)
def test_while_redis_is_down_workers_serve_what_they_kept_and_see_changes_at_once(
    settings, publication, redis_server, gunicorn
):
    use_redis(settings, redis_server.url)
    for _visit in range(10):
        get(gunicorn + publication.url)
    redis_server.kill()
    redis_server.wait(timeout=10)
    served = [get(gunicorn + publication.url) for _visit in range(10)]
    assert all("Police Integrity in Serbia" in html for _x_cache, html in served)
    assert "hit" in {x_cache for x_cache, _html in served}

    publication.title = "Police Integrity, revised"
    publication.save_revision().publish()  # its write to Redis is lost; the row's is not
    for _visit in range(10):
        _x_cache, html = get(gunicorn + publication.url)
        assert "Police Integrity, revised" in html
