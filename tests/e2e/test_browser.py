"""End-to-end: the UI in a real browser, the way a person uses it.

The app runs as `python -m app` on a free port with the shipped models and the demo set
(a tiny random CLAP stands in until models/mini-clap exists). Each test clicks through one
task, reads what the page shows, checks it against the same request made through the JSON
API (so the number on screen is the number the model computed), and saves a screenshot to
docs/screenshots/.
"""
from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.appserver import call_raw

expect = pytest.importorskip("playwright.sync_api").expect
SLOW = 180_000  # ms: first use of a model on a busy 2-core machine

PLAYING_JS = """(el) => {
  // gradio's player (WaveSurfer) keeps its <audio> in a shadow root: look everywhere under el
  const found = [];
  const visit = (root) => root.querySelectorAll('*').forEach((n) => {
    if (n.tagName === 'AUDIO') found.push(n);
    if (n.shadowRoot) visit(n.shadowRoot);
  });
  visit(el);
  return found.some((a) => !a.paused && a.currentTime > 0.05);
}"""

POINTS_JS = """(id) => {
  const gd = document.querySelector('#' + id + ' [data-testid="plotly"]') || document.querySelector('#' + id + ' .js-plotly-plot');
  if (!gd || !gd.data) return null;
  const pts = [];  // _fullData holds decoded arrays (plotly.py may ship them base64-packed)
  (gd._fullData || gd.data).forEach((t) => {
    if (!t.visible && t.visible !== undefined) return;
    const xs = Array.from(t.x || []), ys = Array.from(t.y || []);
    xs.forEach((x, i) => pts.push([x, ys[i]]));
  });
  return {n: pts.length, first: pts.slice(0, 5), title: (gd.layout && gd.layout.title && gd.layout.title.text) || ''};
}"""


def open_tab(page, name: str):
    """Click a top-level tab and return its (visible) panel."""
    page.get_by_role("tab", name=name, exact=True).click()
    panel = page.locator('[role="tabpanel"]:visible').first
    expect(panel).to_be_visible()
    return panel


def upload(panel, path: Path):
    """Drop a file on the tab's audio input and wait until the player shows it."""
    panel.locator("input[type=file]").first.set_input_files(str(path))
    expect(panel.get_by_role("button", name="Play", exact=True).first).to_be_visible(timeout=60_000)


def shoot(page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def number(text: str) -> float:
    return float(text.strip().replace("−", "-").replace("+", ""))


def test_pair_analysis_upload_and_read_similarity(page, app_server, e2e_models, sample_clip, screenshot_dir):
    from gradio_client import handle_file

    panel = open_tab(page, "Pair analysis")
    upload(panel, sample_clip)
    text = "a grand piano playing a melody"
    panel.get_by_label("Text", exact=True).fill(text)
    panel.get_by_role("button", name="Analyse pair").click()

    big = panel.locator(".aeb-big")
    expect(big).to_be_visible(timeout=SLOW)
    expect(panel.get_by_text("Analysed with")).to_be_visible()
    shown = number(big.inner_text())
    assert -1.0 <= shown <= 1.0
    # both figures (embedding heatmap, latent map) were drawn
    expect(panel.locator(".js-plotly-plot")).to_have_count(2, timeout=30_000)
    shoot(page, screenshot_dir, "e2e-01-pair-analysis")

    api = app_server.client.predict(handle_file(str(sample_clip)), text, e2e_models["names"][0],
                                    api_name="/similarity")["cosine"]
    assert abs(shown - api) < 6e-4, f"page shows {shown}, the API computes {api:.4f}"


def test_text_search_and_play_a_result(page, app_server, e2e_models, screenshot_dir):
    panel = open_tab(page, "Library")
    query = "piano"
    panel.get_by_label("Query", exact=True).fill(query)
    panel.get_by_role("button", name="Search", exact=True).click()
    expect(panel.get_by_text(re.compile(r"\d+ result\(s\) for"))).to_be_visible(timeout=SLOW)

    grid = panel.get_by_role("grid", name="Results (click a row to play)")
    rows = grid.get_by_role("row")  # row 0 is the header
    expect(rows.nth(3)).to_be_visible()
    cells = [rows.nth(i).get_by_role("gridcell") for i in range(1, 4)]
    names = [c.nth(1).inner_text().strip() for c in cells]
    scores = [number(c.nth(2).inner_text()) for c in cells]
    assert scores == sorted(scores, reverse=True), scores

    api = app_server.client.predict(query, e2e_models["names"][0], "", 20, api_name="/search_text")
    api_names = [r["name"] for r in api[:3]]
    assert names == api_names, f"page lists {names}, the API {api_names}"
    with urllib.request.urlopen(api[1]["url"], timeout=30) as fetched:  # a row's url serves its audio
        assert fetched.read() == Path(api[1]["file"]).read_bytes()

    # click the second result: it is fetched from the server and loaded in the player
    target = names[1]
    with page.expect_response(lambda r: "file=" in r.url and r.url.endswith(target.replace(" ", "%20"))) as resp:
        cells[1].nth(1).click()
    assert resp.value.status == 200 and resp.value.headers["content-type"].startswith("audio/")
    expect(panel.get_by_text(f"Playing {target}")).to_be_visible(timeout=60_000)

    player = panel.locator(".block").filter(has_text="Selected result").last
    player.get_by_role("button", name="Play", exact=True).click()
    expect(player.get_by_role("button", name="Pause", exact=True)).to_be_visible(timeout=15_000)
    page.wait_for_function(PLAYING_JS, arg=player.element_handle(), timeout=15_000)
    shoot(page, screenshot_dir, "e2e-02-search-and-play")


def test_demo_map_and_switch_projection(page, app_server, e2e_models, screenshot_dir):
    panel = open_tab(page, "Map explorer")
    model = e2e_models["names"][0]
    if len(e2e_models["names"]) < 2:  # stand-in model: compare it with itself
        choose(page, panel, "Model B (right)", model)

    panel.get_by_role("button", name="Draw maps").click()
    expect(panel.get_by_text(re.compile(r"A: .*· PCA ·.*B: .*· PCA ·"))).to_be_visible(timeout=SLOW)
    event, payload = call_raw(app_server, "project", [model, "pca", "demo"])
    assert event == "complete", payload
    n_demo = payload[0]["n"]
    assert n_demo >= 10
    pca = page.wait_for_function(f"() => ({POINTS_JS})('aeb-map-a')", timeout=30_000).json_value()
    assert pca["n"] == n_demo and "PCA" in pca["title"]
    shoot(page, screenshot_dir, "e2e-03-map-pca")

    panel.get_by_role("radio", name="t-SNE").check()
    panel.get_by_role("button", name="Draw maps").click()
    expect(panel.get_by_text(re.compile(r"A: .*· t-SNE ·.*B: .*· t-SNE ·"))).to_be_visible(timeout=SLOW)
    tsne = page.wait_for_function(
        f"() => {{ const r = ({POINTS_JS})('aeb-map-a'); return r && r.title.includes('t-SNE') ? r : null; }}",
        timeout=30_000).json_value()
    assert tsne["n"] == n_demo
    assert tsne["first"] != pca["first"], "switching the projection did not move the points"
    expect(panel.get_by_role("grid", name=re.compile("Grouping metrics"))).to_be_visible()
    shoot(page, screenshot_dir, "e2e-04-map-tsne")


def test_caption_a_clip(page, app_server, e2e_models, sample_clip, screenshot_dir):
    from gradio_client import handle_file

    panel = open_tab(page, "Pseudo-captioning")
    upload(panel, sample_clip)
    panel.get_by_role("button", name="Caption", exact=True).click()
    status = panel.get_by_text(re.compile(r"\d+ caption\(s\); best:"))
    expect(status).to_be_visible(timeout=SLOW)
    grid = panel.get_by_role("grid", name="Captions")
    expect(grid.get_by_role("row").nth(10)).to_be_visible()  # header + the default 10 captions
    shoot(page, screenshot_dir, "e2e-05-caption")

    api = app_server.client.predict(handle_file(str(sample_clip)), e2e_models["names"][0], 10, api_name="/caption")
    assert api and f"“{api[0]['text']}”" in status.inner_text(), (status.inner_text(), api[0])


def choose(page, panel, label: str, value: str) -> None:
    """Pick `value` in a gradio dropdown."""
    box = panel.get_by_label(label, exact=True)
    box.click()
    box.fill(value)
    page.get_by_role("option", name=value, exact=True).click()
    expect(box).to_have_value(value)
