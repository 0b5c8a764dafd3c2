"""How fast `manage.py import_archive` imports a large archive.

    python bench/archive_import.py build/archive-bench --count 1000        # write a manifest
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bcsp_bench \\
        python bench/archive_import.py build/archive-bench --count 1000 --import

Writes `manifest.jsonl` with `count` publications (every second one with a Serbian
translation in its group; bodies with headings, a list, a table, links and footnotes; every
fifth with a cover image of its own, every tenth with a PDF of its own, every twentieth with
an inline picture), then, with --import, imports it into the database named by
DATABASE_URL (migrated, with the demo content or at least both languages' publication and
author indexes and kinds), prints the command's summary, imports it again (every row
unchanged) and prints that rate too. The rate of each quarter of the first run shows
whether rows get slower as the site grows.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

AUTHORS = [
    "Marko Drajić",
    "Isidora Stakić",
    "Jelena Pejić Nikić",
    "Katarina Đokić",
    "Marija Ignjatijević",
    "Saša Đorđević",
    "Igor Bandović",
] + [f"Guest Author {number}" for number in range(23)]
TOPICS = [
    "democracy",
    "surveillance",
    "state capture",
    "security sector reform",
    "democratic control",
    "organised crime",
    "Western Balkans",
    "foreign policy",
    "COVID-19",
    "personal data protection",
] + [f"topic {number}" for number in range(30)]
KINDS = ["analysis", "report", "policy-paper", "study", "research", "document", "op-ed"]


def body(number, picture=None):
    figure = (
        f'<figure><img src="{picture}" alt="Chart {number}"><figcaption>Chart {number}'
        "</figcaption></figure>"
        if picture
        else ""
    )
    return (
        f"<h2>Findings of study {number}</h2>"
        f"<p>Oversight of the security sector in year {2005 + number % 15} was "
        f'<strong>weak</strong>.<sup><a href="#fn1" id="fnref1">1</a></sup> See '
        f'<a href="https://bezbednost.org/en/publication/{number}/">the earlier study</a>.</p>'
        "<ul><li>the police</li><li>the army</li><li>the intelligence agencies</li></ul>"
        f"{figure}"
        "<h3>Figures</h3><table><tr><th>Year</th><th>Cases</th></tr>"
        f"<tr><td>2019</td><td>{number % 97}</td></tr></table>"
        "<blockquote><p>Control is not a luxury.</p></blockquote>"
        '<ol class="footnotes"><li id="fn1">Source: annual reports. '
        '<a href="#fnref1">↩</a></li></ol>'
    )


def write_manifest(directory, count):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bcsp_site.settings.dev")
    sys.path.insert(0, str(ROOT))
    from PIL import Image

    from publications.pdf import build_simple_pdf

    directory = Path(directory)
    (directory / "files").mkdir(parents=True, exist_ok=True)
    rows = []
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        row = {
            "old_url": f"https://bezbednost.org/en/publication/archive-{number}/",
            "kind": kind,
            "title": f"Archive publication {number}: oversight in year {2005 + number % 15}",
            "date": f"{2005 + number % 15}-{1 + number % 12:02d}-{1 + number % 28:02d}",
            "language": "en",
            "authors": [AUTHORS[number % len(AUTHORS)], AUTHORS[(number * 7) % len(AUTHORS)]],
            "tags": [TOPICS[number % len(TOPICS)], TOPICS[(number * 3) % len(TOPICS)]],
            "summary": f"What the archive's publication {number} found about oversight.",
        }
        if kind == "op-ed":
            row["outlet_name"] = "Vreme"
        picture = None
        if number % 20 == 0:
            picture = f"files/chart-{number}.png"
            Image.new("RGB", (120, 60), (number % 256, 80, 120)).save(directory / picture)
        row["body"] = body(number, picture)
        if number % 5 == 0:
            cover = f"files/cover-{number}.png"
            Image.new("RGB", (60, 85), (40, number % 256, (number // 256) % 256)).save(
                directory / cover
            )
            row["cover_image"] = cover
        if number % 10 == 0:
            pdf = f"files/publication-{number}.pdf"
            (directory / pdf).write_bytes(build_simple_pdf([row["title"]], title=row["title"]))
            row["pdf"] = pdf
        if number % 2 == 0:
            row["translation_group"] = f"archive-{number}"
        rows.append(row)
        if number % 2 == 0:
            rows.append(
                {
                    **row,
                    "old_url": f"https://bezbednost.org/sr/publikacija/arhiva-{number}/",
                    "language": "sr",
                    "title": f"Arhivska publikacija {number}: nadzor u {2005 + number % 15}.",
                    "tags": [f"tema {number % 40}"],
                    "summary": f"Šta je arhivska publikacija {number} utvrdila o nadzoru.",
                }
            )
            if len(rows) >= count:
                break
        if len(rows) >= count:
            break
    manifest = directory / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows[:count]))
    return manifest


def run_import(manifest):
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, str(ROOT / "manage.py"), "import_archive", str(manifest)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    elapsed = time.monotonic() - started
    progress = [line for line in result.stderr.splitlines() if "rows/s" in line]
    # A line at about each quarter: enough to see whether rows get slower.
    quarters = [progress[len(progress) * share // 4 - 1] for share in (1, 2, 3, 4) if progress]
    return result.stdout.strip().splitlines()[-1], list(dict.fromkeys(quarters)), elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", help="Where to write the manifest and its files.")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--import", dest="run", action="store_true", help="Import it, twice.")
    options = parser.parse_args()
    manifest = write_manifest(options.directory, options.count)
    print(f"Wrote {manifest} ({options.count} rows).")
    if not options.run:
        return
    summary, progress, elapsed = run_import(manifest)
    print(f"First import ({elapsed:.0f} s with start-up): {summary}")
    for line in progress:
        print(f"  {line}")
    summary, _progress, elapsed = run_import(manifest)
    print(f"Second import ({elapsed:.0f} s with start-up): {summary}")


if __name__ == "__main__":
    main()
