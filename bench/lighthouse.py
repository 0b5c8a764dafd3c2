"""Lighthouse scores of the home, listing, publication and op-ed pages, served as in production.

    python bench/lighthouse.py [--port 18510] [--publications 10000]

Uses the benchmark's database (BENCH_DATABASE_URL, see bench/run.py), starts gunicorn with
production settings on 127.0.0.1 and runs Lighthouse (the npm package; LIGHTHOUSE names its
command, else `lighthouse` on the PATH, else it is installed into build/lighthouse/) in its
default mobile profile with headless Chromium (CHROME_PATH, default /usr/bin/chromium).
Prints one table of each page's four scores, cumulative layout shift, largest contentful
paint, and the bytes it transfers in all and in fonts; then every audit that cost points,
and how many bytes of HTML, CSS, JavaScript and images each page loads (uncompressed).
Reports go to build/lighthouse/.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from site_server import DEFAULT_DATABASE_URL, ROOT, gunicorn, log, prepare, site_env  # noqa: E402

OUT = ROOT / "build" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LIGHTHOUSE_PORT", "18510")))
    parser.add_argument("--publications", type=int, default=10_000)
    return parser.parse_args()


def lighthouse_command():
    if os.environ.get("LIGHTHOUSE"):
        return [os.environ["LIGHTHOUSE"]]
    if shutil.which("lighthouse"):
        return [shutil.which("lighthouse")]
    local = OUT / "node_modules" / ".bin" / "lighthouse"
    if not local.exists():
        if not shutil.which("npm"):
            raise SystemExit("Lighthouse needs Node.js and npm (apt-get install npm).")
        log("installing Lighthouse into build/lighthouse/ …")
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(OUT), "--no-audit", "--no-fund", "lighthouse"],
            check=True,
        )
    return [str(local)]


def pages_to_score():
    """The English home page and listing, and the newest hand-written publication and op-ed
    (the synthetic ones are all alike). The publication has a cover image: its largest
    paint is then the image, later and heavier than the title a page without one paints."""
    from publications.models import OpEdPage, PublicationPage

    def newest(model, **filters):
        return (
            model.objects.live()
            .filter(locale__language_code="en", **filters)
            .exclude(slug__startswith="generated-")
            .order_by("-publication_date")
            .first()
        )

    publication = newest(PublicationPage, opedpage__isnull=True, pdf__isnull=False)
    return [
        ("home", "/en/"),
        ("listing", "/en/publications/"),
        ("publication", publication.url),
        ("op-ed", newest(OpEdPage).url),
    ]


def run_lighthouse(command, url, name):
    report = OUT / f"{name}.report.json"
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(
        [
            *command,
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        check=True,
        env=env,
        timeout=300,
    )
    return json.loads(report.read_text())


def weights(report):
    """Uncompressed bytes by resource type, from the network requests Lighthouse saw."""
    totals = {}
    for item in report["audits"]["network-requests"]["details"]["items"]:
        kind = item.get("resourceType", "Other")
        totals[kind] = totals.get(kind, 0) + (item.get("resourceSize") or 0)
    return totals


def measures(report):
    """The table's figures besides the scores: layout shift, largest paint (seconds), and the
    bytes transferred in all and for fonts."""
    audits = report["audits"]
    fonts = sum(
        item.get("transferSize") or 0
        for item in audits["network-requests"]["details"]["items"]
        if item.get("resourceType") == "Font"
    )
    return {
        "CLS": audits["cumulative-layout-shift"]["numericValue"],
        "LCP": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "total": audits["total-byte-weight"]["numericValue"],
        "fonts": fonts,
    }


def table(results):
    """One line a page: scores, CLS, LCP, total and font bytes (transferred)."""
    header = ("page", "performance", "accessibility", "best practices", "SEO", "CLS", "LCP")
    lines = [
        f"{header[0]:<12} "
        + " ".join(f"{title:>14}" for title in header[1:])
        + f" {'total KB':>9} {'font KB':>8}"
    ]
    for name, _path, scores, figures, _sizes, _lost in results:
        lines.append(
            f"{name:<12} "
            + " ".join(f"{scores[c]:>14}" for c in CATEGORIES)
            + f" {figures['CLS']:>14.3f} {figures['LCP']:>13.2f}s"
            + f" {figures['total'] / 1024:>9.1f} {figures['fonts'] / 1024:>8.1f}"
        )
    return "\n".join(lines)


def lost_points(report):
    """(category, audit title, score, shown value) for every scored audit below 1."""
    lost = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1:
                lost.append((category, audit["title"], audit["score"], audit.get("displayValue")))
    return lost


def main():
    args = parse_args()
    command = lighthouse_command()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    env = site_env(args.port, database_url, os.environ.get("BENCH_REDIS_URL", ""), page_cache=True)
    prepare(env, args.publications)
    pages = pages_to_score()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    with gunicorn(env, args.port) as server:
        for name, path in pages:
            log(f"Lighthouse: {path}")
            report = run_lighthouse(command, server.url + path, name)
            scores = {c: round(100 * report["categories"][c]["score"]) for c in CATEGORIES}
            figures = measures(report)
            results.append((name, path, scores, figures, weights(report), lost_points(report)))

    print("\n" + table(results))
    for name, path, _scores, _figures, sizes, lost in results:
        code = sum(sizes.get(kind, 0) for kind in ("Document", "Stylesheet", "Script"))
        kilobytes = {kind: size / 1024 for kind, size in sizes.items()}
        print(
            f"\n{name} ({path}): HTML+CSS+JS {code / 1024:.1f} KB uncompressed "
            f"(HTML {kilobytes.get('Document', 0):.1f}, CSS {kilobytes.get('Stylesheet', 0):.1f}, "
            f"JS {kilobytes.get('Script', 0):.1f}), images {kilobytes.get('Image', 0):.1f} KB"
        )
        for category, title, score, value in lost:
            print(f"  {category}: {title} ({score:.2f}{', ' + value if value else ''})")
    print(f"\nReports: {OUT}/")
    failed = [
        name
        for name, _path, scores, _figures, _sizes, _lost in results
        if scores["performance"] < 98 or min(scores[c] for c in CATEGORIES[1:]) < 100
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
