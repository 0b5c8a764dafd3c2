"""How the home page and a publication load, at a phone and a desktop width, each in a new
browser (nothing cached): nothing on them moves once shown, and nothing is fetched from
anywhere but the site itself."""

from urllib.parse import urlsplit

from tests.support.page_types import example_publication

WIDTHS = (390, 1280)
HEIGHT = 900
# Google's "good" cumulative layout shift is below 0.1; the site aims far lower.
MAX_LAYOUT_SHIFT = 0.02

# Every layout shift since the page started (buffered), once it has loaded, its fonts are
# ready and a second has passed: [{value, sources}] without those right after an input.
LAYOUT_SHIFTS = """async () => {
    await document.fonts.ready;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const describe = (node) => !node ? "?" : node.nodeName.toLowerCase()
        + (node.id ? "#" + node.id : "")
        + (typeof node.className === "string" && node.className.trim()
            ? "." + node.className.trim().split(/\\s+/).join(".") : "");
    const entries = await new Promise((resolve) => {
        new PerformanceObserver((list, observer) => {
            observer.disconnect();
            resolve(list.getEntries());
        }).observe({type: "layout-shift", buffered: true});
        setTimeout(() => resolve([]), 500);  // no shift at all: the observer is never called
    });
    return entries.filter((entry) => !entry.hadRecentInput).map((entry) => ({
        value: entry.value,
        sources: (entry.sources || []).map((source) => describe(source.node)),
    }));
}"""


def pages_to_load():
    return {"home": "/en/", "publication": example_publication("en").url}


def open_fresh(new_page, width):
    return new_page(viewport={"width": width, "height": HEIGHT})


def test_nothing_moves_once_shown(new_page, demo_site):
    shifts = {}
    for name, path in pages_to_load().items():
        for width in WIDTHS:
            page = open_fresh(new_page, width)
            page.goto(demo_site.url + path)
            entries = page.evaluate(LAYOUT_SHIFTS)
            total = sum(entry["value"] for entry in entries)
            moved = sorted({source for entry in entries for source in entry["sources"]})
            shifts[f"{name} at {width} px"] = (round(total, 4), moved)
    assert {where: shift for where, shift in shifts.items() if shift[0] >= MAX_LAYOUT_SHIFT} == {}


def test_no_request_leaves_the_site(new_page, demo_site):
    origin = urlsplit(demo_site.url)
    elsewhere = {}
    for name, path in pages_to_load().items():
        for width in WIDTHS:
            page = open_fresh(new_page, width)
            requested = []
            page.on("request", lambda request, requested=requested: requested.append(request.url))
            page.goto(demo_site.url + path)
            page.evaluate("document.fonts.ready")
            # Down to the end of the page, so images loaded lazily are asked for too.
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_load_state("networkidle")
            assert requested, "no request was recorded"
            away = [
                url
                for url in requested
                if urlsplit(url)[:2] != origin[:2] and urlsplit(url).scheme not in ("data", "blob")
            ]
            if away:
                elsewhere[f"{name} at {width} px"] = away
    assert elsewhere == {}
