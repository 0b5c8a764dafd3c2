"""Render the site's public pages on two commits and show where their HTML differs.

    python bench/html_snapshot.py OLD_COMMIT [NEW_COMMIT]     # NEW defaults to the work tree

For each side: a git worktree of that commit (the work tree itself for the new side), a new
SQLite database with the demo content, and every public address fetched in process with
Django's test client (dev settings, page cache off): every live page in both languages, the
year, tag and filtered listings, feeds, searches, the sitemap, robots.txt and the site's
fixed files. What differs between any two renderings of the same page (CSP nonces, CSRF and
form tokens, signed links, build dates) is replaced by a placeholder before comparing.

Prints the addresses whose HTML differs, with a unified diff of each, and exits 1 when
any does (0 when all are the same). The pages are kept in build/html-snapshot/<side>/.
"""

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "html-snapshot"

# Run inside each tree (``--render DIR``): the addresses and their pages, as JSON.
RENDER = r"""
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "bcsp_site.settings.dev"
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

call_command("migrate", verbosity=0, interactive=False)
call_command("load_demo_content", verbosity=0)

from wagtail.models import Page

addresses = {"/", "/en/", "/sr/", "/sitemap.xml", "/robots.txt", "/favicon.ico"}
for page in Page.objects.live().public().specific():
    url = page.url
    if not url:
        continue
    addresses.add(url)
    if type(page).__name__ in ("PublicationIndexPage", "AuthorPage"):
        addresses |= {url + "feed/", url + "feed/atom/"}
for language in ("en", "sr"):
    base = f"/{language}/publications/"
    addresses |= {
        base + "feed/", base + "feed/atom/", base + "2019/", base + "2020/", base + "?page=2",
        base + "?kind=analysis", f"/{language}/search/?q=security",
        f"/{language}/search/?q=bezbednost", f"/{language}/search/?q=security&sort=newest",
        f"/{language}/e-bulletin/", f"/{language}/manifest.webmanifest",
    }
from publications.models import PublicationPage
for page in PublicationPage.objects.live().select_related("locale"):
    for tag in page.tags.all():
        base = f"/{page.locale.language_code}/publications/"
        addresses |= {f"{base}tags/{tag.slug}/", f"{base}tags/{tag.slug}/feed/"}

client = Client()
pages = {}
with override_settings(PAGE_CACHE_ENABLED=False, ALLOWED_HOSTS=["*"]):
    for address in sorted(addresses):
        response = client.get(address, HTTP_HOST="localhost")
        body = b"".join(response) if response.streaming else response.content
        pages[address] = {
            "status": response.status_code,
            "type": response.get("Content-Type", ""),
            "body": body.decode("utf-8", "replace"),
        }
json.dump(pages, open(sys.argv[1], "w"))
"""

VOLATILE = [
    (re.compile(r"nonce-[A-Za-z0-9+/=]+"), "nonce-…"),
    (re.compile(r'nonce="[^"]*"'), 'nonce="…"'),
    (
        re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'),
        'name="csrfmiddlewaretoken" value="…"',
    ),
    (re.compile(r'(name="(?:token|form_token|started)"[^>]*value=")[^"]*"'), r'\1…"'),
    (re.compile(r"/comments/\d+/token/[^\"']*"), "/comments/…/token/"),
    (re.compile(r"<lastBuildDate>[^<]*</lastBuildDate>"), "<lastBuildDate>…</lastBuildDate>"),
    (re.compile(r"<updated>[^<]*</updated>"), "<updated>…</updated>"),
    (re.compile(r"<lastmod>[^<]*</lastmod>"), "<lastmod>…</lastmod>"),
    (re.compile(r"/media/images/[^\"' ]+"), "/media/images/…"),
    (re.compile(r"/documents/\d+/"), "/documents/…/"),
    (re.compile(r'"dateModified": "[^"]*"'), '"dateModified": "…"'),
    (re.compile(r"<time datetime=\"[^\"]*T[^\"]*\""), '<time datetime="…"'),
]


def normalise(text):
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def render(tree, name):
    """Fetch every page in `tree` (a directory holding the project) into OUT/name.json."""
    destination = OUT / f"{name}.json"
    with tempfile.TemporaryDirectory() as work:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{work}/site.sqlite3",
            "MEDIA_ROOT": f"{work}/media",
            "PYTHONPATH": str(tree),
        }
        env.pop("REDIS_URL", None)
        script = Path(work) / "render.py"
        script.write_text(RENDER)
        subprocess.run(  # noqa: S603
            [sys.executable, str(script), str(destination)], cwd=tree, env=env, check=True
        )
    return json.loads(destination.read_text())


def worktree(commit, place):
    subprocess.run(  # noqa: S603
        ["git", "worktree", "add", "--detach", "--force", str(place), commit],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return place


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    made = []
    try:
        sides = {}
        for name, commit in (("old", args.old), ("new", args.new)):
            if commit is None:
                tree = ROOT
            else:
                tree = worktree(commit, Path(tempfile.mkdtemp()) / name)
                made.append(tree)
            sides[name] = render(tree, name)
    finally:
        for tree in made:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)  # noqa: S603,S607
            shutil.rmtree(tree.parent, ignore_errors=True)
    old, new = sides["old"], sides["new"]
    differing = []
    for address in sorted(set(old) | set(new)):
        before, after = old.get(address), new.get(address)
        if before is None or after is None:
            differing.append(address)
            print(f"only {'new' if before is None else 'old'}: {address}")
            continue
        a = f"{before['status']} {before['type']}\n{normalise(before['body'])}"
        b = f"{after['status']} {after['type']}\n{normalise(after['body'])}"
        if a != b:
            differing.append(address)
            diff = difflib.unified_diff(
                a.splitlines(), b.splitlines(), f"old {address}", f"new {address}", lineterm="", n=1
            )
            print("\n".join(diff))
    print(f"\n{len(set(old) | set(new))} addresses, {len(differing)} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
