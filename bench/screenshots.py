"""Screenshots of every page type, in both languages, at a desktop and a phone width.

    python bench/screenshots.py [--port 18520] [--out docs/screenshots]

Builds a new SQLite database with the demo content in a temporary folder, serves it with
Django's development server on 127.0.0.1 (development settings: it serves static files and
uploads itself), and saves a full-page PNG of each page type below with Chromium (Debian's
/usr/bin/chromium, or CHROMIUM_PATH) at 1280 and 390 px wide, as
<language>-<page type>-<width>.png. Motion is reduced, so the carousel holds its first
slide and two runs give the same pictures. Saved in 256 colours to keep the repository small.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from site_server import ROOT, WORK, wait_until_up  # noqa: E402

WIDTHS = (1280, 390)
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Page types and how to find an example of each in the demo content, per language.
PAGE_TYPES = """
import json, sys
import django
django.setup()
from django.core.management import call_command

call_command("migrate", verbosity=0, interactive=False)
call_command("load_demo_content", verbosity=0)

from authors.models import AuthorIndexPage, AuthorPage
from bcsp_site.models import StandardPage, TeamPage
from publications.models import OpEdPage, PublicationIndexPage, PublicationPage

addresses = {}
for language in ("en", "sr"):
    def first(model, **filters):
        page = (
            model.objects.live().public().filter(locale__language_code=language, **filters)
            .order_by("path").first()
        )
        return page.url if page else None

    publication = (
        PublicationPage.objects.live().filter(
            locale__language_code=language, opedpage__isnull=True, tagged_items__isnull=False
        ).order_by("-publication_date").first()
    )
    index = first(PublicationIndexPage)
    tag = publication.tags.first() if publication else None
    addresses[language] = {
        "home": f"/{language}/",
        "listing": index,
        "year-archive": f"{index}{publication.publication_date.year}/" if publication else None,
        "tag-page": f"{index}tags/{tag.slug}/" if tag else None,
        "publication": publication.url if publication else None,
        "op-ed": first(OpEdPage),
        "author-index": first(AuthorIndexPage),
        "author": first(AuthorPage, publication_links__isnull=False),
        "standard-page": first(StandardPage),
        "team": first(TeamPage),
        "search": f"/{language}/search/?q=security",
        "e-bulletin": f"/{language}/e-bulletin/",
        "not-found": f"/{language}/no-such-page/",
    }
json.dump(addresses, open(sys.argv[1], "w"))
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_port = int(os.environ.get("SCREENSHOTS_PORT", "18520"))
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    return parser.parse_args()


def save_small(png, path):
    """Save a screenshot in 256 colours: a third of the bytes of Chromium's PNG, and the
    site's flat colours and text look the same."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(256, method=Image.Quantize.FASTOCTREE).save(path, "PNG", optimize=True)


def capture(base_url, addresses, out):
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            for width in WIDTHS:
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, reduced_motion="reduce"
                )
                page = context.new_page()
                for language, pages in addresses.items():
                    for name, address in pages.items():
                        if address is None:
                            print(f"  no {name} page in {language}: skipped")
                            continue
                        page.goto(f"{base_url}{address}", wait_until="networkidle")
                        path = out / f"{language}-{name}-{width}.png"
                        save_small(page.screenshot(full_page=True), path)
                        saved.append(path)
                context.close()
        finally:
            browser.close()
    return saved


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as work:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bcsp_site.settings.dev",
            "DATABASE_URL": f"sqlite:///{work}/site.sqlite3",
            "MEDIA_ROOT": f"{work}/media",
            "PYTHONPATH": str(ROOT),
        }
        for name in ("REDIS_URL", "PAGE_CACHE"):
            env.pop(name, None)
        script = Path(work) / "page_types.py"
        script.write_text(PAGE_TYPES)
        found = Path(work) / "addresses.json"
        print("building the demo site…")
        subprocess.run(  # noqa: S603 - our own script, with this interpreter
            [sys.executable, str(script), str(found)], cwd=ROOT, env=env, check=True
        )
        addresses = json.loads(found.read_text())
        WORK.mkdir(parents=True, exist_ok=True)
        log_file = open(WORK / "runserver.log", "ab")  # noqa: SIM115 - closed with the server
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{args.port}"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{args.port}"
            wait_until_up(f"{base_url}/robots.txt", server, log_name="runserver.log")
            saved = capture(base_url, addresses, args.out)
        finally:
            server.terminate()
            server.wait(timeout=10)
            log_file.close()
    print(f"{len(saved)} screenshots in {args.out.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
