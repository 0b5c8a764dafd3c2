"""Check that publishing purges a real Varnish in front of the site.

    python bench/varnish/purge_check.py

Needs Debian's varnish (``apt-get install varnish``) and redis-server. Everything runs on
127.0.0.1 in a temporary folder, on free ports, and stops by itself: a SQLite database with
the demo content, Redis (the shared cache, so the local page cache is on as in production),
gunicorn with two workers, and varnishd with ``bench/varnish/default.vcl``. The script then
fetches pages through Varnish until they are hits, publishes changes through the ORM in
this process (with ``VARNISH_URL`` set, as in production) and fetches again: the changed
pages must be misses with the new content, and a page the change does not touch must still
be a hit. It prints one line per request and exits non-zero if any check fails.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
VCL = Path(__file__).resolve().parent / "default.vcl"
PYTHON = sys.executable
START_TIMEOUT = 60


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find(program, fallback, package):
    path = shutil.which(program) or fallback
    if not Path(path).exists():
        sys.exit(f"{program} is not installed (apt-get install {package})")
    return path


def wait_for(url, process, what):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{what} stopped (exit code {process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{what} did not start within {START_TIMEOUT} s")


class Checker:
    """Fetches through Varnish, or straight from gunicorn with the Host Varnish passes on
    (to see the site's own page cache), and compares what came back with what should."""

    def __init__(self, varnish, app, host):
        self.varnish, self.app, self.host = varnish, app, host
        self.failures = 0

    def get(self, path, cookie=None, direct=False):
        request = urllib.request.Request((self.app if direct else self.varnish) + path)  # noqa: S310
        request.add_header("Host", self.host)
        if cookie:
            request.add_header("Cookie", cookie)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local
            return response.headers, response.read().decode()

    def expect(self, label, path, cache, text=None, absent=None, cookie=None, direct=False):
        headers, body = self.get(path, cookie=cookie, direct=direct)
        header = "X-Cache" if direct else "X-Varnish-Cache"
        got = headers.get(header)
        problems = []
        if got != cache:
            problems.append(f"expected {cache}")
        if text and text not in body:
            problems.append(f"missing {text!r}")
        if absent and absent in body:
            problems.append(f"still shows {absent!r}")
        verdict = "ok" if not problems else "FAIL: " + "; ".join(problems)
        self.failures += bool(problems)
        layer = "site cache" if direct else "Varnish"
        print(f"  {label:<38} {path:<58} {layer:<10} {got:<6} {verdict}")
        return headers, body


def main():
    varnishd = find("varnishd", "/usr/sbin/varnishd", "varnish")
    redis_server = find("redis-server", "/usr/bin/redis-server", "redis-server")
    work = Path(tempfile.mkdtemp(prefix="bcsp-varnish-"))
    app_port, varnish_port, redis_port = free_port(), free_port(), free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bcsp_site.settings.dev",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "PAGE_CACHE": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }
    processes = []
    failed = True

    def start(command, log_name, env=environment):
        log = open(work / log_name, "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
        processes.append(process)
        return process

    try:
        print(f"Working in {work}")
        redis = start(
            [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
            "redis.log",
        )
        manage = [PYTHON, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=environment, check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [*manage, "load_demo_content", "--no-images"], env=environment, check=True
        )
        if redis.poll() is not None:
            sys.exit("redis-server stopped; see redis.log")

        # From here on this process is an editor's: publishing purges Varnish.
        os.environ.update(environment)
        os.environ["VARNISH_URL"] = f"http://127.0.0.1:{varnish_port}"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from wagtail.models import Site

        from comments.models import Comment
        from publications.models import PublicationPage

        assert settings.WAGTAILFRONTENDCACHE, "VARNISH_URL did not configure the purge backend"
        start(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "bcsp_site" / "gunicorn.conf.py"),
                "bcsp_site.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{app_port}",
            ],
            "gunicorn.log",
        )
        vcl = work / "default.vcl"
        vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{app_port}";'))
        varnish = start(
            [
                varnishd,
                "-F",
                "-j",
                "none",
                "-n",
                str(work / "varnish"),
                "-a",
                f"127.0.0.1:{varnish_port}",
                "-f",
                str(vcl),
                "-s",
                "malloc,64m",
                "-T",
                "none",
            ],
            "varnish.log",
        )
        wait_for(f"http://127.0.0.1:{app_port}/robots.txt", processes[-2], "gunicorn")
        wait_for(f"http://127.0.0.1:{varnish_port}/robots.txt", varnish, "varnishd")
        # Pages are addressed as visitors reach them: through Varnish.
        site = Site.objects.get(is_default_site=True)
        site.hostname, site.port = "127.0.0.1", varnish_port
        site.save()

        check = Checker(
            f"http://127.0.0.1:{varnish_port}",
            f"http://127.0.0.1:{app_port}",
            f"127.0.0.1:{varnish_port}",
        )
        live = PublicationPage.objects.live().filter(locale__language_code="en")
        publication = live.order_by("-publication_date", "-pk").first()
        bystander = live.exclude(pk=publication.pk).order_by("publication_date", "pk").first()
        listing = publication.get_parent().url
        year = f"{listing}{publication.publication_date.year}/"
        old_title = publication.title
        new_title = f"{old_title} (revised)"

        print("Filling the caches:")
        for path in (publication.url, listing, year, "/en/", bystander.url):
            check.expect("first visit", path, "miss")
            check.expect("second visit", path, "hit")
        check.expect("Varnish's copy came from it", publication.url, "hit", direct=True)
        check.expect("with a session cookie", publication.url, "pass", cookie="sessionid=x")

        print(f"Publishing a new title for {publication.url} through the ORM:")
        publication.title = new_title
        publication.save_revision().publish()
        check.expect("after publishing", publication.url, "miss", text=new_title, direct=True)
        for path in (publication.url, listing, year, "/en/"):
            check.expect("after publishing", path, "miss", text=new_title)
            check.expect("again", path, "hit", text=new_title)
        check.expect("a page outside the purge list", bystander.url, "hit")

        print("Approving a comment:")
        comment = Comment.objects.create(
            page=publication, name="Ana", email="ana@example.org", text="A remark to approve."
        )
        check.expect(
            "pending comments purge nothing", publication.url, "hit", absent="A remark to approve."
        )
        comment.status = Comment.Status.APPROVED
        comment.save()
        check.expect("after approval", publication.url, "miss", text="A remark to approve.")

        print("Unpublishing:")
        publication.unpublish()
        check.expect("listing after unpublishing", listing, "miss", absent=new_title)
        try:
            check.get(publication.url)
            print(f"  {'the page after unpublishing':<38} FAIL: still served")
            check.failures += 1
        except urllib.error.HTTPError as error:
            verdict = "ok" if error.code == 404 else "FAIL"
            print(
                f"  {'the page after unpublishing':<38} {publication.url:<58} "
                f"{'Varnish':<10} {error.code:<6} {verdict}"
            )
            check.failures += error.code != 404

        failed = check.failures
        print("All checks passed." if not failed else f"{failed} checks FAILED.")
        return 1 if failed else 0
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if failed:
            print(f"Logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
