"""Drive the Sound library and Duplicates tabs in headless Chromium over a real library and
save screenshots (docs/screenshots/library_*.png).

    python -m benchmarks.screenshot_library --store /work/data/lib/store \
        --library /work/data/lib/testlib --model mini-clap

Starts `python -m app` on a free port with that store and library root, then with
Playwright (Debian's /usr/bin/chromium): counts tags and clicks one to filter, runs a
hybrid search with folder + duration filters and plays a result, finds duplicate groups.
Prints how long each step took in the browser.
"""
from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from tests.e2e.appserver import AppServer

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def _timed(label: str, fn) -> None:
    start = time.perf_counter()
    fn()
    print(f"{label}: {time.perf_counter() - start:.1f} s", flush=True)


def run(store: Path, library: Path, model: str, chromium: str, only_map: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    tmp = store.parent / "screens-tmp"
    tmp.mkdir(exist_ok=True)
    with AppServer(tmp, "--store", str(store), "--library-root", str(library), "--model", model,
                   start_timeout=600) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url, timeout=120_000)
        if only_map:
            library_map(page)
            return
        page.get_by_role("tab", name="Library", exact=True).click()
        page.get_by_role("tab", name="Tags & filters").click()

        def count_tags():
            page.get_by_role("button", name="Count tags").click()
            page.get_by_text("tags in", exact=False).first.wait_for(timeout=300_000)
        _timed("count tags", count_tags)

        def click_facet():
            cell = page.locator("#aeb-facets").get_by_text("drums", exact=True).filter(visible=True).first
            try:
                cell.click(timeout=20_000)
            except Exception:
                page.screenshot(path=str(OUT.parent.parent / "debug_facets.png"), full_page=True)
                print(page.locator("#aeb-facets").inner_html()[:3000])
                raise
            page.get_by_text("results.", exact=False).first.wait_for(timeout=300_000)
        _timed("click the 'drums' facet", click_facet)
        page.screenshot(path=str(OUT / "library_facets.png"), full_page=True)

        def search():
            page.get_by_label("Tags (any of, comma-separated)").fill("")
            page.get_by_label("Query").fill("snare drum hit")
            page.get_by_label("Folder (a path segment, e.g. drums/kick)").fill("instrumental")
            page.get_by_label("Max duration (s, 0 = none)").fill("4.9")
            page.get_by_role("button", name="Search").click()
            time.sleep(6)  # the previous results may hold drum kits too: let the new ones arrive
            page.get_by_text("drum-kit", exact=False).filter(visible=True).first.wait_for(timeout=300_000)
        _timed("hybrid search with folder + duration filters", search)
        page.locator("#aeb-sounds-results").get_by_text(re.compile(r"__v\d\d")).filter(visible=True).first.click()
        page.get_by_text("Playing", exact=False).first.wait_for(timeout=60_000)
        page.screenshot(path=str(OUT / "library_search.png"), full_page=True)

        page.get_by_role("tab", name="Library", exact=True).click()
        page.get_by_role("tab", name="Duplicates").click()

        def duplicates():
            page.get_by_role("button", name="Find duplicates").click()
            page.get_by_text("groups,", exact=False).first.wait_for(timeout=600_000)
        _timed("find duplicates", duplicates)
        page.screenshot(path=str(OUT / "library_duplicates.png"), full_page=True)
        library_map(page)
        browser.close()


HOVER_PROBE = """() => {
  const gd = document.querySelector('#aeb-libmap [data-testid="plotly"]');
  const t = gd._fullData[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
  const pts = [];
  for (let i = 0; i < Math.min(20, t.x.length); i++)
    pts.push([box.left + xa.l2p(t.x[i]), box.top + ya.l2p(t.y[i])]);
  return {pts: pts, box: [box.left, box.top, box.width, box.height], n: gd._fullData.reduce((a, d) => a + d.x.length, 0)};
}"""


def library_map(page) -> None:
    """Compute the map, measure hover latency over real points, lasso a region, export."""
    page.get_by_role("tab", name="Library", exact=True).click()
    page.get_by_role("tab", name="Library map").click()

    def compute():
        page.get_by_role("button", name="Compute / refresh map").click()
        page.get_by_text("clips in", exact=False).first.wait_for(timeout=900_000)
        page.locator("#aeb-libmap .nsewdrag").first.wait_for(timeout=60_000)
    _timed("map: compute and draw", compute)
    time.sleep(2)
    probe = page.evaluate(HOVER_PROBE)
    latencies = []
    for x, y in probe["pts"]:
        page.mouse.move(x - 30, y - 30)
        start = time.perf_counter()
        page.mouse.move(x, y)
        try:
            page.locator("#aeb-libmap .hovertext").first.wait_for(timeout=5_000)
            latencies.append((time.perf_counter() - start) * 1e3)
        except Exception:
            pass
    if latencies:
        print(f"map: {probe['n']} points, hover label after a mouse move: median "
              f"{sorted(latencies)[len(latencies) // 2]:.0f} ms over {len(latencies)} points", flush=True)
    page.screenshot(path=str(OUT / "library_map_hover.png"), full_page=True)
    left, top, width, height = probe["box"]
    cx, cy = left + width * 0.5, top + height * 0.5
    page.mouse.move(cx - width * 0.15, cy - height * 0.15)
    page.mouse.down()
    for fx, fy in ((0.15, -0.15), (0.15, 0.15), (-0.15, 0.15), (-0.15, -0.14)):
        page.mouse.move(cx + width * fx, cy + height * fy, steps=8)
    page.mouse.up()
    page.get_by_text("clips selected", exact=False).first.wait_for(timeout=120_000)
    page.screenshot(path=str(OUT / "library_map_selection.png"), full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--model", default="mini-clap")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--only-map", action="store_true", help="only the Library map steps")
    args = parser.parse_args()
    run(args.store, args.library, args.model, args.chromium, args.only_map)


if __name__ == "__main__":
    main()
