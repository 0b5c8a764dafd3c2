"""What the benchmark and the Lighthouse run share: the database, and the site under gunicorn.

The site runs as in production (production settings, gunicorn sync workers, WhiteNoise for
static files, PostgreSQL) but over plain HTTP on 127.0.0.1, so SECURE_SSL_REDIRECT is off.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK = ROOT / "build" / "bench"
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bcsp_bench"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def site_env(port, database_url, redis_url="", page_cache=False):
    """The environment of the site, in this process and in gunicorn."""
    env = {
        "DJANGO_SETTINGS_MODULE": "bcsp_site.settings.production",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP here; production sits behind TLS
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STATIC_ROOT": str(WORK / "static"),
        "MEDIA_ROOT": str(WORK / "media"),
        "WAGTAILADMIN_BASE_URL": f"http://{HOST}:{port}",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PAGE_CACHE": "1" if page_cache else "0",
        "SERVE_MEDIA": "1",  # no proxy in front to serve uploaded images
    }
    return env


def ensure_database(url):
    """Create the database if it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            log(f"created database {name}")


def prepare(env, publications):
    """Set Django up in this process on the site's environment and get the data ready:
    migrate, the demo content with `publications` synthetic ones (skipped when they are
    there), static files, and the default site pointed at the benchmark server.

    Returns the seconds it took to make the data ready if they were made now, else None.
    """
    ensure_database(env["DATABASE_URL"])
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from wagtail.models import Site

    from publications.models import PublicationPage

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    generated = PublicationPage.objects.filter(slug__startswith="generated-").count()
    made_now = generated < publications
    if not made_now:
        log(f"demo content already loaded ({generated} synthetic publications)")
    else:
        log(f"loading the demo content with {publications} synthetic publications…")
        call_command(
            "load_demo_content",
            publications=publications,
            workers=os.cpu_count() or 1,
            verbosity=0,
        )
    # What production's task worker does in the background: search indexing, renditions.
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    with connection.cursor() as cursor:
        # Planner statistics and the visibility map (index-only scans) as autovacuum keeps
        # them in a live database.
        cursor.execute("VACUUM ANALYZE")
    call_command("collectstatic", interactive=False, verbosity=0)
    base_url = urlsplit(env["WAGTAILADMIN_BASE_URL"])
    site = Site.objects.get(is_default_site=True)
    if (site.hostname, site.port) != (base_url.hostname, base_url.port):
        site.hostname, site.port = base_url.hostname, base_url.port
        site.save()
    seconds = time.monotonic() - started
    log(f"data ready in {seconds:.0f}s")
    return seconds if made_now else None


def port_free(port):
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) != 0


def wait_until_up(url, process, seconds=60, log_name="gunicorn.log"):
    """Wait for `process` to answer at `url`; its output is in WORK/`log_name`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}); see {WORK}/{log_name}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


class Server:
    def __init__(self, url, pid):
        self.url = url
        self.pid = pid

    def cpu_seconds(self):
        """CPU time used so far by gunicorn's master and workers (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        pids = {self.pid}
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            children = (task / "children").read_text().split()
            pids.update(int(child) for child in children)
        total = 0
        for pid in pids:
            with contextlib.suppress(FileNotFoundError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks


@contextlib.contextmanager
def gunicorn(env, port, workers=2):
    """The site under gunicorn, as production runs it, stopped on exit."""
    if not port_free(port):
        raise SystemExit(f"Port {port} on {HOST} is in use; choose another with --port.")
    WORK.mkdir(parents=True, exist_ok=True)
    log_file = open(WORK / "gunicorn.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [
            BIN / "gunicorn",
            "--config",
            str(ROOT / "bcsp_site" / "gunicorn.conf.py"),
            "bcsp_site.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(f"http://{HOST}:{port}/robots.txt", process)
        yield Server(f"http://{HOST}:{port}", process.pid)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        log_file.close()


def fetch(url):
    """(status, headers, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
