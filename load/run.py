"""Load, fault and header tests against the production settings, all on 127.0.0.1.

    .venv/bin/python load/run.py setup                # once: fill the load database
    .venv/bin/python load/run.py load                 # 60 s of mixed readers and writers
    .venv/bin/python load/run.py fault-postgres       # restart PostgreSQL during the load
    .venv/bin/python load/run.py fault-redis          # stop Redis for a while during the load
    .venv/bin/python load/run.py observatory          # score the headers (Mozilla's scanner)
    .venv/bin/python load/run.py all                  # everything above, in that order

The site runs as it would in production: gunicorn (production settings, PostgreSQL,
Redis) behind nginx terminating TLS with a throwaway self-signed certificate. Readers are
simulated by locust (load/locustfile.py). Every process started here listens on 127.0.0.1
only and is stopped at the end, whatever happens; each run is bounded in time.

Results (summaries as JSON, locust's CSV, per-request timelines, server logs) go to
build/load/. Needs: nginx and openssl (Debian packages), locust (the dev extra), and npm
for the observatory (installed with --ignore-scripts into build/load/observatory).
"""

import argparse
import contextlib
import csv
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "load"
BIN = Path(sys.executable).parent
APP_PORT = int(os.environ.get("LOAD_APP_PORT", "18400"))
TLS_PORT = int(os.environ.get("LOAD_TLS_PORT", "18443"))
HOST = "127.0.0.1"
BASE_URL = f"https://{HOST}:{TLS_PORT}"
DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bcsp_load")
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/14")
OBSERVATORY_VERSION = "1.4.8"
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
]

NGINX_CONF = """
worker_processes 1;
pid {work}/nginx.pid;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/nginx-tmp/body;
    proxy_temp_path {work}/nginx-tmp/proxy;
    fastcgi_temp_path {work}/nginx-tmp/fastcgi;
    uwsgi_temp_path {work}/nginx-tmp/uwsgi;
    scgi_temp_path {work}/nginx-tmp/scgi;
    client_max_body_size 40m;
    server_tokens off;
    server {{
        listen {host}:{tls_port} ssl;
        ssl_certificate {work}/cert.pem;
        ssl_certificate_key {work}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        # Plain HTTP sent to this port is redirected to HTTPS, as port 80 would be.
        error_page 497 =301 https://$host:$server_port$request_uri;
        location / {{
            proxy_pass http://{host}:{app_port};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
        }}
    }}
}}
"""


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command, timeout=900, check=True, **kwargs):
    log("$ " + " ".join(str(part) for part in command))
    return subprocess.run(command, check=check, timeout=timeout, **kwargs)


def site_env(secret_key):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bcsp_site.settings.production",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "SECURE_PROXY_SSL_HEADER": "1",
            "TRUSTED_PROXY_COUNT": "1",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "STATIC_ROOT": str(WORK / "static"),
            "MEDIA_ROOT": str(WORK / "media"),
            "WAGTAILADMIN_BASE_URL": BASE_URL,
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            # Many simulated readers share one address: lift the per-address limits.
            "COMMENTS_RATE_LIMIT": "1000000",
            "NEWSLETTER_RATE_LIMIT_PER_IP": "1000000",
            "NEWSLETTER_RATE_LIMIT_PER_EMAIL": "1000000",
        }
    )
    return env


def secret_key():
    """One key for setup and every run, so signed tokens stay valid across restarts."""
    path = WORK / "secret-key"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def manage(*args, timeout=1800):
    run([BIN / "python", "manage.py", *args], cwd=ROOT, env=site_env(secret_key()), timeout=timeout)


def database_connection():
    import psycopg

    return psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=5)


def ensure_database():
    import psycopg
    from psycopg import sql

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
        if db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        log(f"created database {name}")


# Setup --------------------------------------------------------------------------------------

TARGETS_SCRIPT = """
import json
from django.db.models import Count
from authors.models import AuthorPage
from publications.models import PublicationPage
pages = PublicationPage.objects.live().public().filter(locale__language_code="en")
publications = [p.url for p in pages.order_by("?")[:300]]
commentable = [(p.pk, p.url) for p in pages.filter(comments_open=True).order_by("?")[:100]]
authors = [a.url for a in AuthorPage.objects.live().filter(locale__language_code="en")]
through = PublicationPage.tags.through.objects.filter(content_object__in=pages)
tags = list(through.values_list("tag__slug", flat=True).annotate(n=Count("pk"))
            .order_by("-n")[:30])
years = sorted({d.year for d in pages.values_list("publication_date", flat=True)})
print(json.dumps({"publications": publications, "commentable": commentable,
                  "authors": authors, "tags": tags, "years": years}))
"""


def setup(publications):
    WORK.mkdir(parents=True, exist_ok=True)
    ensure_database()
    manage("migrate", "--noinput", "-v", "0")
    manage("load_demo_content", "--publications", str(publications))
    manage("collectstatic", "--noinput", "-v", "0")
    write_targets()
    make_certificate()


def write_targets():
    output = subprocess.run(
        [BIN / "python", "manage.py", "shell", "-v", "0", "-c", TARGETS_SCRIPT],
        cwd=ROOT,
        env=site_env(secret_key()),
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    targets = json.loads(output.strip().splitlines()[-1])
    for key in ("publications", "commentable", "authors", "tags", "years"):
        if not targets[key]:
            raise SystemExit(f"The load database has no {key}; run `load/run.py setup`.")
    (WORK / "targets.json").write_text(json.dumps(targets))
    log(
        f"targets: {len(targets['publications'])} publications, {len(targets['authors'])} "
        f"authors, {len(targets['tags'])} tags, years {targets['years'][0]}–"
        f"{targets['years'][-1]}"
    )


def make_certificate():
    if (WORK / "cert.pem").exists():
        return
    run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=IP:{HOST},DNS:localhost",
            "-keyout",
            str(WORK / "key.pem"),
            "-out",
            str(WORK / "cert.pem"),
        ],
        capture_output=True,
    )


# Servers ------------------------------------------------------------------------------------


def port_free(port):
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) != 0


def wait_for(url, seconds=30):
    context = ssl.create_default_context(cafile=str(WORK / "cert.pem"))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            if error.code < 500:  # 5xx: nginx is up, the site not yet
                return error.code
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


@contextlib.contextmanager
def servers(workers):
    """gunicorn (the site, production settings) behind nginx (TLS), stopped on exit."""
    for port in (APP_PORT, TLS_PORT):
        if not port_free(port):
            raise SystemExit(f"Port {port} on {HOST} is in use; set LOAD_APP_PORT/LOAD_TLS_PORT.")
    # A database filled by an older checkout would answer 500 where a new table is missing.
    manage("migrate", "--noinput", "-v", "0")
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (WORK / "nginx-tmp" / name).mkdir(parents=True, exist_ok=True)
        os.chmod(WORK / "nginx-tmp" / name, 0o777)  # noqa: S103 - nginx workers run as nobody
    (WORK / "nginx.conf").write_text(
        NGINX_CONF.format(work=WORK, host=HOST, tls_port=TLS_PORT, app_port=APP_PORT)
    )
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                [
                    BIN / "gunicorn",
                    "--config",
                    str(ROOT / "bcsp_site" / "gunicorn.conf.py"),
                    "bcsp_site.wsgi:application",
                    "--bind",
                    f"{HOST}:{APP_PORT}",
                    "--workers",
                    str(workers),
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "5",
                    "--error-logfile",
                    str(WORK / "gunicorn.log"),
                ],
                cwd=ROOT,
                env=site_env(secret_key()),
                stdout=open(WORK / "app-stdout.log", "ab"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    shutil.which("nginx") or "/usr/sbin/nginx",
                    "-c",
                    str(WORK / "nginx.conf"),
                    "-p",
                    str(WORK),
                    "-e",
                    str(WORK / "nginx-error.log"),
                ],
                start_new_session=True,
            )
        )
        status = wait_for(f"{BASE_URL}/robots.txt")
        log(f"site up at {BASE_URL} (robots.txt answered {status}), {workers} gunicorn workers")
        yield processes[0].pid
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        log("servers stopped")


# Faults -------------------------------------------------------------------------------------


def postgres_cluster():
    version = sorted(os.listdir("/etc/postgresql"))[0]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


def pg_ready():
    return subprocess.run(["pg_isready", "-q", "-h", HOST], timeout=10).returncode == 0


def redis_ready():
    probe = subprocess.run(
        ["redis-cli", "-h", HOST, "-p", "6379", "ping"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return probe.stdout.strip() == "PONG"


def restart_postgres(events, at):
    time.sleep(at)
    events["fault_start"] = time.time()
    run([*postgres_cluster(), "restart"], timeout=120, capture_output=True)
    while not pg_ready():
        time.sleep(0.2)
    events["fault_end"] = time.time()
    log(f"PostgreSQL restarted in {events['fault_end'] - events['fault_start']:.1f} s")


def stop_redis(events, at, outage):
    time.sleep(at)
    events["fault_start"] = time.time()
    subprocess.run(["redis-cli", "-h", HOST, "-p", "6379", "shutdown", "nosave"], timeout=30)
    log(f"Redis stopped for {outage} s")
    time.sleep(outage)
    run(REDIS_START, timeout=30, capture_output=True)
    while not redis_ready():
        time.sleep(0.2)
    events["fault_end"] = time.time()
    log("Redis running again")


def ensure_services():
    """Leave PostgreSQL and Redis running, whatever happened."""
    if not pg_ready():
        subprocess.run([*postgres_cluster(), "start"], timeout=120)
    if not redis_ready():
        subprocess.run(REDIS_START, timeout=30)


# Load ---------------------------------------------------------------------------------------


def process_cpu_seconds(root_pid):
    """CPU seconds used so far by a process and its direct children (from /proc)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if root_pid in (int(entry.name), int(fields[1])):
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def wait_until_postgres_is_quiet(max_wait, force):
    """Restarting PostgreSQL cuts off every client: wait until only this run uses it."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        "AND pid <> pg_backend_pid() AND datname IS DISTINCT FROM current_database()"
    )
    deadline = time.monotonic() + max_wait
    while True:
        with database_connection() as db:
            others = db.execute(query).fetchone()[0]
        if others == 0 or force:
            return
        if time.monotonic() > deadline:
            raise SystemExit(
                f"{others} other client(s) are connected to PostgreSQL and a restart would "
                "cut them off; try again later or pass --force."
            )
        log(f"waiting: {others} other client(s) connected to PostgreSQL")
        time.sleep(5)


def cpu_times():
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields), idle


def aggregated_stats(prefix):
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    return rows


def load(name, duration, users, workers, fault=None, fault_at=20, outage=15, force=False):
    targets = WORK / "targets.json"
    if not targets.exists():
        raise SystemExit("Run `load/run.py setup` first.")
    run_id = f"{name}-{secrets.token_hex(3)}"
    prefix = WORK / name
    env = dict(
        os.environ,
        LOAD_TARGETS=str(targets),
        LOAD_RUN_ID=run_id,
        LOAD_RESULTS=f"{prefix}-accepted.json",
        LOAD_TIMELINE=f"{prefix}-timeline.jsonl",
    )
    events = {}
    if fault == "postgres":
        wait_until_postgres_is_quiet(max_wait=900, force=force)
    with servers(workers) as app_pid:
        fault_thread = None
        if fault == "postgres":
            fault_thread = threading.Thread(target=restart_postgres, args=(events, fault_at))
        elif fault == "redis":
            fault_thread = threading.Thread(target=stop_redis, args=(events, fault_at, outage))
        total_before, idle_before = cpu_times()
        app_cpu_before = process_cpu_seconds(app_pid)
        started = time.time()
        if fault_thread:
            fault_thread.start()
        try:
            run(
                [
                    BIN / "locust",
                    "-f",
                    str(ROOT / "load" / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(max(1, users // 5)),
                    "--run-time",
                    f"{duration}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    BASE_URL,
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                env=env,
                timeout=duration + 120,
                stdout=open(f"{prefix}-locust.log", "w"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
                check=False,
            )
        finally:
            if fault_thread:
                fault_thread.join(timeout=180)
            ensure_services()
        total_after, idle_after = cpu_times()
        app_cpu = process_cpu_seconds(app_pid) - app_cpu_before
    busy = 1 - (idle_after - idle_before) / max(1, total_after - total_before)
    machine = {"cpu_busy_percent": round(100 * busy, 1), "site_cpu_seconds": round(app_cpu, 1)}
    return summarise(name, run_id, prefix, started, machine, events, users, workers, duration)


def count_rows(run_id, accepted):
    with database_connection() as db:
        comments = {
            row[0]
            for row in db.execute(
                "SELECT text FROM comments_comment WHERE text LIKE %s",
                [f"Load test {run_id} comment %"],
            )
        }
        signups = {
            row[0]
            for row in db.execute(
                "SELECT email FROM newsletter_subscriber WHERE email LIKE %s",
                [f"load-{run_id}-%"],
            )
        }
    return {
        "comments_accepted": len(accepted["comments"]),
        "comments_in_database": len(comments),
        "comments_lost": len(set(accepted["comments"]) - comments),
        "signups_accepted": len(accepted["signups"]),
        "signups_in_database": len(signups),
        "signups_lost": len(set(accepted["signups"]) - signups),
    }


def summarise(name, run_id, prefix, started, machine, events, users, workers, duration):
    stats = aggregated_stats(prefix)
    total = stats["Aggregated"]
    timeline = [
        json.loads(line) for line in Path(f"{prefix}-timeline.jsonl").read_text().splitlines()
    ]
    statuses = Counter(status for _, _, status, _ in timeline)
    accepted = json.loads(Path(f"{prefix}-accepted.json").read_text())
    summary = {
        "name": name,
        "users": users,
        "gunicorn_workers": workers,
        "duration_s": duration,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "throughput_rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p99_ms": float(total["99%"]),
        "max_ms": float(total["Max Response Time"]),
        **machine,
        "site_cpu_ms_per_request": round(
            1000 * machine["site_cpu_seconds"] / max(1, int(total["Request Count"])), 1
        ),
        "statuses": dict(sorted((str(k), v) for k, v in statuses.items())),
        "server_errors_5xx": sum(v for k, v in statuses.items() if k >= 500),
        "per_page": {
            row_name: {
                "requests": int(row["Request Count"]),
                "p50_ms": float(row["50%"]),
                "p99_ms": float(row["99%"]),
            }
            for row_name, row in stats.items()
            if row_name != "Aggregated"
        },
        "writes": count_rows(run_id, accepted),
    }
    if events:
        summary["fault"] = fault_report(timeline, events, started)
    Path(f"{prefix}-summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return summary


def fault_report(timeline, events, started):
    """What readers saw before, during and after the fault, and how soon errors stopped."""
    start, end = events.get("fault_start"), events.get("fault_end")
    if not start or not end:
        return {"error": "the fault did not complete"}
    errors = [entry for entry in timeline if entry[2] >= 500 or entry[2] == 0]
    during = [entry for entry in timeline if start <= entry[0] <= end + 30]
    after_errors = [entry for entry in errors if entry[0] > end]
    return {
        "fault_started_at_s": round(start - started, 1),
        "fault_lasted_s": round(end - start, 1),
        "statuses_during_and_30s_after": dict(
            sorted((str(k), v) for k, v in Counter(e[2] for e in during).items())
        ),
        "errors_5xx_or_no_answer": len(errors),
        "errors_by_status": dict(
            sorted((str(k), v) for k, v in Counter(e[2] for e in errors).items())
        ),
        "slowest_error_ms": max((e[3] for e in errors), default=0),
        "last_error_after_recovery_s": round(max(e[0] for e in after_errors) - end, 1)
        if after_errors
        else 0,
    }


# Observatory --------------------------------------------------------------------------------


def observatory(workers):
    folder = WORK / "observatory"
    scanner = folder / "node_modules" / "@mdn" / "mdn-http-observatory"
    if not scanner.exists():
        folder.mkdir(parents=True, exist_ok=True)
        run(
            [
                "npm",
                "install",
                "--prefix",
                str(folder),
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"@mdn/mdn-http-observatory@{OBSERVATORY_VERSION}",
            ],
            timeout=600,
        )
    # Its install scripts would download the HSTS preload list; it only needs the file.
    preload = scanner / "conf" / "hsts-preload.json"
    if not preload.exists():
        preload.write_text("{}")
    with servers(workers):
        output = subprocess.run(
            ["node", str(scanner / "src" / "scan.js"), f"{HOST}:{TLS_PORT}"],
            env=dict(os.environ, NODE_EXTRA_CA_CERTS=str(WORK / "cert.pem")),
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    result = json.loads(output)
    (WORK / "observatory.json").write_text(json.dumps(result, indent=2))
    if "error" in result:
        raise SystemExit(f"Scanner error: {result['error']}")
    scan = result["scan"]
    print(
        f"Grade {scan['grade']}, score {scan['score']}/100, "
        f"{scan['testsPassed']}/{scan['testsQuantity']} tests passed"
    )
    for name, test in result["tests"].items():
        mark = "pass" if test["pass"] else "FAIL"
        print(f"  {mark}  {name:32} {test['result']:55} {test['scoreModifier']:+d}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command",
        choices=["setup", "load", "fault-postgres", "fault-redis", "observatory", "all"],
    )
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--users", type=int, default=64, help="simulated readers (default 64)")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (default 5)")
    parser.add_argument("--publications", type=int, default=1000, help="for setup")
    parser.add_argument(
        "--force",
        action="store_true",
        help="restart PostgreSQL even if other clients are connected to it",
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)

    if args.command in {"setup", "all"}:
        setup(args.publications)
    common = {"duration": args.duration, "users": args.users, "workers": args.workers}
    if args.command in {"load", "all"}:
        load("load", **common)
    if args.command in {"fault-postgres", "all"}:
        load("fault-postgres", fault="postgres", force=args.force, **common)
    if args.command in {"fault-redis", "all"}:
        load("fault-redis", fault="redis", **common)
    if args.command in {"observatory", "all"}:
        observatory(args.workers)


if __name__ == "__main__":
    main()
