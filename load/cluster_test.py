"""The cluster test: two app nodes behind nginx behave as one site.

Run by ``load/cluster.sh test`` against a cluster that ``load/cluster.sh up`` started. Every
check is real HTTP on the loopback, either through nginx (TLS) or straight to one node (with
the headers nginx adds). Visitors are told apart by their source address: each simulated
visitor connects from an address of its own in 127.0.0.0/8, which nginx passes on in
X-Forwarded-For, so the site's rate limits see them as the production site would.

1. health: every process is running; /healthz and /readyz on each node and through nginx.
2. an editor signed in on node A (password, then an authenticator app set up on the way) is
   signed in on node B too.
3. a page published through node A's admin is on node B at once; so is its next revision,
   after node B had it in its page cache.
4. comments and e-bulletin sign-ups posted to both nodes are each stored exactly once.
5. rate limits count across nodes: the comment and sign-up limits trip at the same count
   whichever node gets each post.
6. an image and a document uploaded through node A are served through node B.
7. 30 s of mixed load through nginx (reads of several page types, comments, sign-ups) while
   node A is killed (SIGKILL of its gunicorn master and workers) and started again: no
   5xx answer, no acknowledged write missing from the database, none stored twice, and
   node A takes requests again once it is back.

Prints a summary table; exits 1 if any check failed.
"""

import argparse
import io
import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from base64 import b32decode
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import psycopg
import requests
from django_otp.oath import totp
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parent.parent
LOAD_SECONDS = 30
LOAD_THREADS = 8
KILL_AT = 6
RESTART_AT = 10
# nginx tries a failed node again after its fail_timeout (10 s in docs/deploy/nginx.conf).
REJOIN_SECONDS = 12


# HTTP -----------------------------------------------------------------------------------


class SourceAddressAdapter(HTTPAdapter):
    """Connections from one loopback address: one simulated visitor."""

    def __init__(self, source_address, **kwargs):
        self.source_address = source_address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source_address, 0)
        super().init_poolmanager(*args, **kwargs)


class Visitor:
    """A browser-like client for one base URL (nginx, or one node) and one address.

    Cookies are kept here rather than in requests' jar: the site's cookies are Secure, and a
    node is reached over plain HTTP with ``X-Forwarded-Proto: https``, as nginx reaches it.
    """

    def __init__(self, base, ip, cert, direct):
        self.base = base
        self.ip = ip
        self.direct = direct
        self.cookies = {}
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = cert
        adapter = SourceAddressAdapter(ip)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def origin(self):
        parts = urlsplit(self.base)
        return f"https://{parts.netloc}"

    def request(self, method, path, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if self.direct:
            # What nginx adds on its way to a node.
            headers.setdefault("X-Forwarded-Proto", "https")
            headers.setdefault("X-Forwarded-For", self.ip)
        if method == "POST":
            headers.setdefault("Origin", self.origin())
            headers.setdefault("Referer", self.origin() + path)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.session.request(
            method,
            urljoin(self.base, path),
            headers=headers,
            allow_redirects=False,
            timeout=kwargs.pop("timeout", 30),
            **kwargs,
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def with_base(self, base, direct):
        """The same visitor (address and cookies) talking to another node or to nginx."""
        other = Visitor(base, self.ip, self.session.verify, direct)
        other.cookies = self.cookies
        return other


# The second octet is drawn per run, so rate-limit counters that an earlier run on the same
# cluster left in Redis are not met again.
_run_octet = random.randrange(1, 255)
_addresses = (f"127.{_run_octet}.{b}.{c}" for b in range(256) for c in range(1, 255))
_addresses_lock = threading.Lock()


def new_address():
    """A loopback address no earlier visitor of this run used."""
    with _addresses_lock:
        return next(_addresses)


class FormParser(HTMLParser):
    """The fields of the first form whose action matches, as a browser would send them."""

    def __init__(self, action_pattern=None):
        super().__init__()
        self.action_pattern = action_pattern
        self.in_form = False
        self.done = False
        self.fields = []
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and not self.in_form:
            action = attrs.get("action") or ""
            self.in_form = self.action_pattern is None or re.search(self.action_pattern, action)
            return
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select = [name, None, None]
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select[2] is None:
                self.select[2] = value
            if "selected" in attrs:
                self.select[1] = value

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
            self.done = True
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append(tuple(self.textarea))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, selected, first = self.select
            self.fields.append((name, selected if selected is not None else (first or "")))
            self.select = None


def form_fields(html, action_pattern=None):
    parser = FormParser(action_pattern)
    parser.feed(html)
    return dict(parser.fields)


# The cluster ----------------------------------------------------------------------------


class Cluster:
    def __init__(self, state):
        self.state = Path(state)
        config = json.loads((self.state / "cluster.json").read_text())
        self.site = config["site"]
        self.nodes = config["nodes"]
        self.s3 = config["s3"]
        self.database = config["database"]
        self.admin_password = Path(config["admin_password_file"]).read_text().strip()
        self.cert = str(self.state / "nginx" / "cert.pem")

    def visitor(self, node=None, ip=None):
        base = self.nodes[node] if node else self.site
        return Visitor(base, ip or new_address(), self.cert, direct=node is not None)

    def running(self, name):
        pid_file = self.state / f"{name}.pid"
        if not pid_file.exists():
            return False
        try:
            os.kill(int(pid_file.read_text()), 0)
        except OSError:
            return False
        return True

    def kill_node(self, node):
        """SIGKILL the node's gunicorn master and workers (one process group: see start())."""
        pid = int((self.state / f"node-{node}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)
        return pid

    def start_node(self, node):
        subprocess.run(
            [str(ROOT / "load" / "cluster.sh"), "start-node", node],
            check=True,
            capture_output=True,
            timeout=120,
            env=dict(os.environ, CLUSTER_DIR=str(self.state)),
        )

    def access_lines(self, node):
        path = self.state / f"node-{node}.access.log"
        return path.read_text().count("\n") if path.exists() else 0

    def facts(self):
        """What the test needs from the site's own settings and content."""
        script = (ROOT / "load" / "cluster_facts.py").read_text()
        output = subprocess.run(
            [
                "bash",
                "-c",
                f'source "{self.state}/env.sh" && exec "$0" manage.py shell -c "$1"',
                sys.executable,
                script,
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        return json.loads(output.strip().splitlines()[-1])

    def db(self):
        return psycopg.connect(self.database, autocommit=True, connect_timeout=5)


# Checks ---------------------------------------------------------------------------------


class Results:
    def __init__(self):
        self.rows = []

    def add(self, check, ok, detail):
        state = {True: "PASS", False: "FAIL", None: "SKIP", "info": "INFO"}[ok]
        self.rows.append((check, state, detail))
        print(f"  {state}  {check}: {detail}", flush=True)

    @property
    def failed(self):
        return [row for row in self.rows if row[1] == "FAIL"]

    def table(self):
        width = max(len(row[0]) for row in self.rows)
        lines = [f"{'check'.ljust(width)}  result  detail", f"{'-' * width}  ------  ------"]
        lines += [
            f"{check.ljust(width)}  {state:6}  {detail}" for check, state, detail in self.rows
        ]
        return "\n".join(lines)


def check_health(cluster, results):
    services = ["nginx", "node-a", "node-b", "worker", "seaweedfs"]
    stopped = [name for name in services if not cluster.running(name)]
    results.add("processes", not stopped, f"stopped: {stopped}" if stopped else ", ".join(services))
    answers = {}
    for where in ("a", "b", None):
        visitor = cluster.visitor(where)
        for path in ("/healthz", "/readyz"):
            answers[(where or "nginx", path)] = visitor.get(path)
    if not any(
        answer.headers.get("Content-Type", "").startswith("application/json")
        for answer in answers.values()
    ):
        results.add("health endpoints", None, "no /healthz or /readyz on this build")
        return
    bad = {
        f"{where} {path}": f"{answer.status_code} {answer.text[:200]}"
        for (where, path), answer in answers.items()
        if answer.status_code != 200
    }
    results.add(
        "health endpoints",
        not bad,
        f"not 200: {bad}" if bad else "/healthz, /readyz 200 on a, b, nginx",
    )


def sign_in(cluster, node):
    """Sign in as an editor does under the production settings: the password, then (the
    first time) setting up an authenticator app with a code from it, and the recovery codes
    page."""
    editor = cluster.visitor(node)
    fields = form_fields(editor.get("/admin/login/").text, r"login")
    fields.update(username="admin", password=cluster.admin_password)
    steps = [("/admin/login/", fields)]
    response = editor.post("/admin/login/", data=fields)
    if response.status_code == 302:
        response = editor.get("/admin/")  # the second step, where one is asked for
    if response.status_code == 302 and "/two-step/set-up/" in response.headers["Location"]:
        page = editor.get(response.headers["Location"]).text
        secret = re.search(r"data-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", "")
        fields = form_fields(page, r"two-step/set-up")
        fields["code"] = f"{totp(b32decode(secret)):06d}"
        steps.append(("/admin/two-step/set-up/", fields))
        response = editor.post("/admin/two-step/set-up/", data=fields)
        if response.status_code == 302:
            page = editor.get(response.headers["Location"]).text
            fields = form_fields(page, r"two-step/recovery-codes")
            steps.append(("/admin/two-step/recovery-codes/", fields))
            response = editor.post("/admin/two-step/recovery-codes/", data=fields)
    if response.status_code not in (200, 302) or "/two-step/" in response.headers.get(
        "Location", ""
    ):
        raise SystemExit(
            f"Signing in on node {node}: {steps[-1][0]} answered {response.status_code}"
        )
    return editor


def check_session(cluster, results, editor):
    on_b = editor.with_base(cluster.nodes["b"], direct=True)
    through_nginx = editor.with_base(cluster.site, direct=False)
    answers = {"b": on_b.get("/admin/"), "nginx": through_nginx.get("/admin/")}
    signed_in = {
        where: response.status_code == 200 and "/admin/logout/" in response.text
        for where, response in answers.items()
    }
    results.add(
        "admin session from node A",
        all(signed_in.values()),
        ", ".join(
            f"{where}: {response.status_code}{' signed in' if signed_in[where] else ''}"
            for where, response in answers.items()
        ),
    )


def publish(editor, path, fields):
    """Post an admin page form as a browser without scripts would, pressing Publish."""
    data = form_fields(editor.get(path).text, r"/admin/pages/")
    data.update(fields)
    # The body and sidebar are StreamFields that the admin's scripts fill in; empty here.
    data.update({"body-count": "0", "sidebar-count": "0", "action-publish": "action-publish"})
    response = editor.post(path, data=data)
    if response.status_code != 302:
        raise SystemExit(f"Publishing through {path} answered {response.status_code}")


def title_of(response):
    found = re.search(r"<title>([^<|]*)", response.text)
    return found.group(1).strip() if found else ""


def check_publishing(cluster, results, editor, facts, run):
    slug = f"cluster-{run}"
    path = f"/en/{slug}/"
    title = f"Cluster check {run}"
    publish(
        editor,
        f"/admin/pages/add/bcsp_site/standardpage/{facts['home_page_id']}/",
        {"title": title, "slug": slug, "intro": "Published through node A."},
    )
    reader_b = cluster.visitor("b")
    reader = cluster.visitor()
    seen = [title_of(reader_b.get(path)), *(title_of(reader.get(path)) for _ in range(2))]
    results.add(
        "new page published on A, read on B",
        seen == [title] * 3,
        f"node B and nginx ×2 show {seen[0]!r}" if seen == [title] * 3 else f"seen: {seen}",
    )
    # Node B keeps the page in its cache now; a new revision published on A must replace it.
    cached = reader_b.get(path).headers.get("X-Cache", "")
    with cluster.db() as db:
        page_id = db.execute("SELECT id FROM wagtailcore_page WHERE slug = %s", [slug]).fetchone()[
            0
        ]
    revised = f"{title} revised"
    publish(editor, f"/admin/pages/{page_id}/edit/", {"title": revised, "slug": slug})
    seen = [title_of(reader_b.get(path)), *(title_of(reader.get(path)) for _ in range(2))]
    results.add(
        "revision published on A, read on B",
        seen == [revised] * 3,
        f"node B (X-Cache before: {cached or 'none'}) and nginx ×2 show the revision"
        if seen == [revised] * 3
        else f"seen: {seen}",
    )


class CommentTokens:
    """Form tokens for the commentable pages, fetched as comments.js fetches one when a reader
    starts writing. Each takes one comment and is accepted 3 s after it is made, so a supply
    is fetched ahead; should it run out, a reader fetches one and takes 3 s to write."""

    def __init__(self, cluster, facts, count):
        self.cluster = cluster
        self.pages = facts["commentable"]
        self.lock = threading.Lock()
        reader = cluster.visitor()
        self.supply = [self.fetch(reader, *self.pages[n % len(self.pages)]) for n in range(count)]

    @staticmethod
    def fetch(reader, page_id, url):
        language = url.strip("/").split("/")[0]
        return url, reader.get(f"/{language}/comments/{page_id}/token/").json()["formToken"]

    def take(self):
        with self.lock:
            if self.supply:
                return self.supply.pop()
        token = self.fetch(self.cluster.visitor(), *random.choice(self.pages))
        time.sleep(3.1)
        return token


def post_comment(visitor, tokens, marker):
    url, token = tokens.take()
    response = visitor.post(
        url,
        data={
            "name": "Cluster reader",
            "email": "reader@example.org",
            "text": f"A comment from the cluster test, {marker}.",
            "website": "",
            "form_token": token,
        },
    )
    return response.status_code


def post_signup(visitor, marker):
    response = visitor.post(
        "/en/e-bulletin/",
        data={"email": f"{marker}@example.org", "name": "", "language": "en", "consent": "on"},
    )
    return response.status_code


def stored(cluster, run, signups_expected=()):
    """Comments and sign-ups of this run in the database: marker → rows. Sign-ups are stored
    by the task worker a moment after the answer: waits (a minute at most) for those
    expected."""
    deadline = time.monotonic() + 60
    while True:
        with cluster.db() as db:
            comments = Counter(
                re.search(r"(c-[\w-]+)\.", text).group(1)
                for (text,) in db.execute(
                    "SELECT text FROM comments_comment WHERE text LIKE %s", [f"%c-{run}-%"]
                )
            )
            signups = Counter(
                email.split("@")[0]
                for (email,) in db.execute(
                    "SELECT email FROM newsletter_subscriber WHERE email LIKE %s",
                    [f"s-{run}-%"],
                )
            )
        if all(signups[marker] for marker in signups_expected) or time.monotonic() > deadline:
            return comments, signups
        time.sleep(0.5)


def check_writes(cluster, results, tokens, run):
    acknowledged = {"comments": [], "signups": []}
    refused = Counter()
    for number in range(12):
        where = ["a", "b", None][number % 3]
        visitor = cluster.visitor(where)
        marker = f"c-{run}-w{number}"
        status = post_comment(visitor, tokens, marker)
        (acknowledged["comments"].append(marker) if status == 302 else refused.update([status]))
        marker = f"s-{run}-w{number}"
        status = post_signup(visitor, marker)
        (acknowledged["signups"].append(marker) if status == 302 else refused.update([status]))
    comments, signups = stored(cluster, run, acknowledged["signups"])
    for kind, rows in (("comments", comments), ("signups", signups)):
        sent = acknowledged[kind]
        exact = sorted(sent) == sorted(rows.elements())
        results.add(
            f"{kind} posted to a, b, nginx",
            exact and not refused,
            f"{len(sent)} taken, {sum(rows.values())} rows, each once"
            if exact
            else f"taken {len(sent)}, rows {dict(rows)}, refused {dict(refused)}",
        )


def check_rate_limits(cluster, results, tokens, facts, run):
    for kind, limit in (
        ("comments", facts["comments_rate_limit"]),
        ("signups", facts["signups_per_ip"]),
    ):
        ip = new_address()
        statuses = []
        for number in range(limit + 2):
            visitor = cluster.visitor("ab"[number % 2], ip=ip)
            marker = f"{kind[0]}-{run}-r{number}"
            if kind == "comments":
                statuses.append(post_comment(visitor, tokens, marker))
            else:
                statuses.append(post_signup(visitor, marker))
        expected = [302] * limit + [429, 429]
        results.add(
            f"{kind} rate limit across nodes",
            statuses == expected,
            f"{limit} taken alternating a/b, then 429 from both"
            if statuses == expected
            else f"statuses {statuses}",
        )


def sample_png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), (40, 90, 140)).save(buffer, "PNG")
    return buffer.getvalue()


def sample_pdf():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(editor, kind, title, filename, content):
    path = f"/admin/{kind}/add/"
    data = form_fields(editor.get(path).text, rf"/admin/{kind}/")
    data["title"] = title
    response = editor.post(path, data=data, files={"file": (filename, content)})
    if response.status_code != 302:
        raise SystemExit(f"Uploading to {path} answered {response.status_code}")


def fetch(visitor, url):
    """GET url as this visitor, following redirects to other hosts (signed S3 URLs); the
    answer's ``hops`` are the addresses it was sent on to."""
    hops = []
    for _ in range(3):
        response = visitor.get(url) if url.startswith("/") else visitor.session.get(url, timeout=30)
        if response.status_code not in (301, 302, 303, 307):
            break
        url = response.headers["Location"]
        hops.append(url)
    response.hops = hops
    return response


def check_uploads(cluster, results, editor, facts, run):
    storage = "S3 (SeaweedFS)" if "s3" in facts["storages"]["default"].lower() else "local disk"
    upload(editor, "images", f"Cluster image {run}", f"cluster-{run}.png", sample_png())
    upload(editor, "documents", f"Cluster document {run}", f"cluster-{run}.pdf", sample_pdf())
    with cluster.db() as db:
        image_id = db.execute(
            "SELECT id FROM wagtailimages_image WHERE title = %s", [f"Cluster image {run}"]
        ).fetchone()[0]
        document_id, document_file = db.execute(
            "SELECT id, file FROM publications_publicationdocument WHERE title = %s",
            [f"Cluster document {run}"],
        ).fetchone()

    # Node B's admin shows the image with a rendition it makes there; anyone can fetch it.
    on_b = editor.with_base(cluster.nodes["b"], direct=True)
    page = on_b.get(f"/admin/images/{image_id}/")
    sources = re.findall(r'<img[^>]+src="([^"]+)"', page.text)
    src = next((source for source in sources if f"cluster-{run}" in source), None)
    image = fetch(cluster.visitor(), src) if src else None
    ok = (
        image is not None
        and image.status_code == 200
        and image.headers["Content-Type"].startswith("image/")
    )
    where = urlsplit(src).netloc or "nginx /media/" if src else "?"
    results.add(
        "image uploaded on A, served via B",
        ok,
        f"{storage}: rendition from {where}, {len(image.content)} bytes"
        if ok
        else f"{storage}: admin page {page.status_code}, img {src!r}, "
        f"answer {image.status_code if image is not None else None}",
    )

    # The document through node B's document view, and through nginx.
    name = Path(document_file).name
    answers = {
        "b": fetch(cluster.visitor("b"), f"/documents/{document_id}/{name}"),
        "nginx": fetch(cluster.visitor(), f"/documents/{document_id}/{name}"),
    }

    # Sent to a signed URL of the documents bucket: the same address unsigned must be refused.
    unsigned = {
        where: requests.get(response.hops[-1].split("?")[0], timeout=30).status_code
        for where, response in answers.items()
        if response.hops and not response.hops[-1].startswith("/")
    }

    def served(where, response):
        handed_over = response.headers.get("X-Accel-Redirect")
        return (
            response.status_code == 200
            and (response.content.startswith(b"%PDF") or handed_over)
            and unsigned.get(where, 403) == 403
        )

    results.add(
        "document uploaded on A, served via B",
        all(served(where, response) for where, response in answers.items()),
        f"{storage}: "
        + ", ".join(
            f"{where}"
            + (f" → {urlsplit(response.hops[-1]).netloc or 'nginx'}" if response.hops else "")
            + f" {response.status_code}"
            + (" X-Accel-Redirect" if response.headers.get("X-Accel-Redirect") else "")
            + (" %PDF" if response.content.startswith(b"%PDF") else "")
            + (f" (unsigned: {unsigned[where]})" if where in unsigned else "")
            for where, response in answers.items()
        ),
    )


# Failover under load ------------------------------------------------------------------


def read_paths(facts):
    paths = ["/en/", "/en/publications/", "/en/authors/", "/en/e-bulletin/"]
    paths += facts["publications"][:30] + facts["authors"][:10]
    paths += [f"/en/publications/tags/{slug}/" for slug in facts["tags"]]
    paths += [f"/en/publications/{year}/" for year in facts["years"][-5:]]
    paths += ["/en/search/?q=security", "/en/search/?q=police"]
    return paths


def check_failover(cluster, results, tokens, facts, run):
    paths = read_paths(facts)
    log = []  # (seconds since start, operation, status, marker)
    log_lock = threading.Lock()
    events = {}
    started = time.monotonic()
    counter = itertools.count()

    def one_request():
        number = next(counter)
        visitor = cluster.visitor()
        choice = random.random()
        try:
            if choice < 0.15:
                operation, marker = "comment", f"c-{run}-l{number}"
                status = post_comment(visitor, tokens, marker)
            elif choice < 0.25:
                operation, marker = "signup", f"s-{run}-l{number}"
                status = post_signup(visitor, marker)
            else:
                operation, marker = "read", None
                status = visitor.get(random.choice(paths)).status_code
        except requests.RequestException as error:
            status = f"no answer ({type(error).__name__})"
        finally:
            visitor.session.close()
        with log_lock:
            log.append((time.monotonic() - started, operation, status, marker))

    def worker():
        # At least LOAD_SECONDS, and until node A has had REJOIN_SECONDS back in the pool.
        while time.monotonic() - started < LOAD_SECONDS or (
            time.monotonic() - started < events.get("back_at", 1e9) + REJOIN_SECONDS
        ):
            one_request()

    def fault():
        time.sleep(KILL_AT)
        events["lines_before_kill"] = cluster.access_lines("a")
        events["killed_pid"] = cluster.kill_node("a")
        events["killed_at"] = time.monotonic() - started
        time.sleep(max(0, RESTART_AT - KILL_AT))
        events["lines_at_restart"] = cluster.access_lines("a")
        cluster.start_node("a")
        events["back_at"] = time.monotonic() - started

    fault_thread = threading.Thread(target=fault)
    fault_thread.start()
    with ThreadPoolExecutor(LOAD_THREADS) as pool:
        for _ in range(LOAD_THREADS):
            pool.submit(worker)
    fault_thread.join()
    elapsed = time.monotonic() - started
    served_by_a_after = cluster.access_lines("a") - events["lines_at_restart"]

    statuses = Counter(str(status) for _, _, status, _ in log)
    server_errors = [entry for entry in log if not (isinstance(entry[2], int) and entry[2] < 500)]
    acknowledged = {
        "comment": [m for _, op, status, m in log if op == "comment" and status == 302],
        "signup": [m for _, op, status, m in log if op == "signup" and status == 302],
    }
    comments, signups = stored(cluster, run, acknowledged["signup"])
    lost = [m for m in acknowledged["comment"] if not comments[m]]
    lost += [m for m in acknowledged["signup"] if not signups[m]]
    twice = [m for m, n in (comments + signups).items() if n > 1]
    after_kill = [entry for entry in log if entry[0] >= events["killed_at"]]

    results.add(
        "load through nginx, node A killed",
        bool(log),
        f"{len(log)} requests in {elapsed:.0f} s ({LOAD_THREADS} at a time), "
        f"{len(after_kill)} after the SIGKILL at {events['killed_at']:.0f} s; "
        f"statuses {dict(sorted(statuses.items()))}",
    )
    # Requests node A was working on when it died: nginx's error log names each one. Those
    # it had no answer for yet ("... while reading response header") it resends to node B;
    # one whose headers had already gone to the visitor ("... while reading upstream") no
    # proxy can resend: the visitor gets a cut-off page, as from any server that crashes
    # mid-answer. Those are reported, and only they may go without an answer.
    error_log = (cluster.state / "nginx" / "error.log").read_text()
    in_flight = re.findall(
        r"(?:prematurely closed|reset by peer)[^\n]*?while ([a-z ]+?), client[^\n]*?"
        r'request: "([A-Z]+) ',
        error_log,
    )
    resent = Counter(method for phase, method in in_flight if "header" in phase)
    cut_mid_answer = sum(1 for phase, _ in in_flight if "header" not in phase)
    results.add(
        "requests cut off by the kill",
        "info",
        (f"{dict(resent)} in flight on node A, resent by nginx" if resent else "none resent")
        + f"; {cut_mid_answer} cut mid-answer (headers already sent)",
    )
    # A cut-off answer shows up in the log as "no answer" within moments of the kill.
    near_kill = [
        entry
        for entry in server_errors
        if isinstance(entry[2], str) and abs(entry[0] - events["killed_at"]) < 2
    ]
    explained = near_kill[:cut_mid_answer]
    unexplained = [entry for entry in server_errors if entry not in explained]
    results.add(
        "5xx or no answer",
        not unexplained,
        f"{len(unexplained)}"
        + (
            f": {[(round(t, 1), op, status) for t, op, status, _ in unexplained[:5]]}"
            if unexplained
            else ""
        )
        + (f" (besides {len(explained)} cut mid-answer)" if explained else ""),
    )
    results.add(
        "writes acknowledged vs stored",
        not lost and not twice,
        f"{len(acknowledged['comment'])} comments and {len(acknowledged['signup'])} sign-ups "
        f"acknowledged; lost {len(lost)}, stored twice {len(twice)}",
    )
    results.add(
        "node A rejoins",
        served_by_a_after > 0,
        f"answering again at {events['back_at']:.0f} s, then served {served_by_a_after} requests",
    )
    return {"requests": len(log), "server_errors": len(server_errors), "lost": len(lost)}


def main():
    parser = argparse.ArgumentParser(description="The cluster test (see load/cluster.sh).")
    parser.add_argument("--state", default=str(ROOT / "build" / "cluster"))
    cluster = Cluster(parser.parse_args().state)
    run = uuid.uuid4().hex[:8]
    results = Results()
    print(f"Cluster test {run}: {cluster.site} → nodes {cluster.nodes['a']}, {cluster.nodes['b']}")
    facts = cluster.facts()
    # One token a comment: the checks below send a few dozen, the load about 350 in 30 s.
    tokens = CommentTokens(cluster, facts, count=600)
    check_health(cluster, results)
    editor = sign_in(cluster, "a")
    check_session(cluster, results, editor)
    check_publishing(cluster, results, editor, facts, run)
    check_uploads(cluster, results, editor, facts, run)
    # The form tokens fetched above are old enough to be taken by now.
    check_writes(cluster, results, tokens, run)
    check_rate_limits(cluster, results, tokens, facts, run)
    figures = check_failover(cluster, results, tokens, facts, run)

    print("\n" + results.table())
    print(
        f"\nrequests under load {figures['requests']}, 5xx {figures['server_errors']}, "
        f"lost writes {figures['lost']}; {len(results.failed)} of {len(results.rows)} checks failed"
    )
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
