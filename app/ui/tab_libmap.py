"""Library map: the whole library in one WebGL map (plotly scattergl). Hover shows name + tags and,
with the toggle on, plays the sound; click pins (plays) a clip; box/lasso selects → table →
M3U / CSV export; colour by cluster, kind, set or folder; clusters named by the model.

The projection runs as a background job (progress polled by a timer, never blocking other
users), cached in the data dir and refreshed incrementally. gr.Plot has no hover/select
events, so a small script (the gr.HTML below) binds plotly's own events. API: `/library_map`.
"""
from __future__ import annotations

import html
import tempfile
from pathlib import Path

import gradio as gr
import pandas as pd

from app.bootstrap import read_lines
from app.context import AppContext
from app.library.libmap import METHODS, MapConfig, MapJobs, build_map, load_cached
from app.library.mapview import COLOUR_BY, join_payloads, m3u, map_figure, rows_csv, selection_rows
from app.media import audio_url
from app.collections import collection_of
from app.store import collection_name, model_slug
from app.ui.common import api_endpoint, guarded, hidden_inputs, model_dropdown, playable, request_root, status_md

PLOT_ID = "aeb-libmap"
MAX_KEYS = 5000
HOVER_JS = r"""
const gdOf = () => document.querySelector('#aeb-libmap [data-testid="plotly"]');
const hoverOn = () => { const b = document.querySelector('#aeb-libmap-hover input'); return b && b.checked; };
let audio = null, lastKey = null;
function bind() {
  const gd = gdOf();
  if (!gd || !gd.on || gd._aebLib === gd.data) return;
  gd._aebLib = gd.data;
  const root = (document.querySelector('#aeb-libmap-root') || {}).dataset || {};
  gd.on('plotly_hover', (ev) => {
    const p = ev && ev.points && ev.points[0];
    if (!p || !hoverOn() || p.customdata === lastKey) return;
    lastKey = p.customdata;
    if (audio) audio.pause();
    audio = new Audio('/gradio_api/file=' + encodeURIComponent(root.root + '/' + p.customdata));
    audio.volume = 0.8; audio.play().catch(() => {});
    window._aebHoverAt = performance.now();
  });
  gd.on('plotly_unhover', () => { lastKey = null; if (audio) audio.pause(); });
  gd.on('plotly_click', (ev) => {
    const p = ev && ev.points && ev.points[0];
    if (p) trigger('click', {kind: 'click', keys: [p.customdata]});
  });
  gd.on('plotly_selected', (ev) => {
    if (!ev || !ev.points || !ev.points.length) return;
    const keys = [...new Set(ev.points.map((p) => p.customdata))];
    trigger('click', {kind: 'select', n: keys.length, keys: keys.slice(0, %d)});
  });
}
setInterval(bind, 500);
""" % MAX_KEYS


def _save(text: str, name: str) -> str:
    path = Path(tempfile.mkdtemp(prefix="aeb-export-")) / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def build(ctx: AppContext) -> dict:
    jobs = MapJobs()
    gr.Markdown("The whole library in one map. The layout is computed in the background (cached; new files are "
                "placed without recomputing the rest). Hover a point for its name and tags — with **play on hover** "
                "on you hear it — click to pin it, drag a lasso or box to select, then export the selection.")
    with gr.Row():
        model = model_dropdown(ctx)
        method = gr.Radio(list(METHODS), value="umap", label="Projection")
        colour = gr.Dropdown(list(COLOUR_BY), value="cluster", label="Colour by")
        hover = gr.Checkbox(value=True, label="Play on hover", elem_id="aeb-libmap-hover")
        go = gr.Button("Compute / refresh map", variant="primary")
    status = gr.Markdown(status_md("Press **Compute / refresh map**."))
    plot = gr.Plot(label="Library map", elem_id=PLOT_ID)
    root_html = gr.HTML("<div id='aeb-libmap-root' data-root=''></div>")
    link = gr.HTML("", js_on_load=HOVER_JS, elem_id="aeb-libmap-link")
    with gr.Row():
        player = gr.Audio(label="Pinned clip", interactive=False)
        with gr.Column():
            m3u_file = gr.File(label="Selection as M3U playlist")
            csv_file = gr.File(label="Selection as CSV")
    table = gr.Dataframe(pd.DataFrame(columns=["name", "set", "kind", "tags", "file"]), label="Selection",
                         interactive=False, max_height=360, max_chars=60)
    points_state = gr.State(None)
    timer = gr.Timer(1.0, active=False)

    def collection(model_name: str) -> str:
        return collection_of(ctx.embedder(model_name), "audio")

    @guarded(2)
    def on_go(model_name, method_name):
        emb, name = ctx.embedder(model_name), collection(model_name)
        texts = read_lines(Path(ctx.vocab_dir) / "captions.txt")
        started = jobs.start(name, lambda progress: build_map(ctx.store, name, ctx.settings.cache_dir, texts,
                                                              emb.embed_text(texts), MapConfig(method_name), progress))
        return status_md("Map job started." if started else "A map job for this model is already running."), \
            gr.Timer(active=True)

    def on_tick(model_name, by):
        state = jobs.status(collection(model_name))
        if state.get("running"):
            total = max(1, state.get("total") or 1)
            return (status_md(f"{state['message']} ({state['done']}/{total})"), gr.skip(), gr.skip(), gr.skip(),
                    gr.Timer(active=True))
        if state.get("error"):
            return status_md(html.escape(state["error"]), "error"), gr.skip(), gr.skip(), gr.skip(), \
                gr.Timer(active=False)
        points = join_payloads(ctx.store, collection(model_name), state["result"])
        lmap = points.lmap
        note = f"{len(lmap.ids)} clips in {lmap.seconds:.1f} s" + (
            f" ({lmap.transformed_only} new placed incrementally)" if lmap.transformed_only else "")
        root = f"<div id='aeb-libmap-root' data-root='{html.escape(points.root)}'></div>"
        return status_md(note, "ok"), map_figure(points, by), points, root, gr.Timer(active=False)

    @guarded(5)
    def on_pick(points, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        rows = selection_rows(points, [str(k) for k in data.get("keys", [])]) if points else []
        if not rows:
            return status_md("Nothing selected."), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        frame = pd.DataFrame(rows)
        if data.get("kind") == "click":
            return (status_md(f"Pinned **{html.escape(rows[0]['name'])}**.", "ok"), playable(ctx, rows[0]["file"]),
                    frame, gr.skip(), gr.skip())
        return (status_md(f"{data.get('n', len(rows))} clips selected.", "ok"), gr.skip(), frame,
                _save(m3u(rows), "selection.m3u"), _save(rows_csv(rows), "selection.csv"))

    go.click(on_go, [model, method], [status, timer], api_visibility="private")
    timer.tick(on_tick, [model, colour], [status, plot, points_state, root_html, timer], api_visibility="private",
               show_progress="hidden")
    colour.input(lambda p, by: map_figure(p, by) if p else gr.skip(), [points_state, colour], [plot],
                 api_visibility="private")
    link.click(on_pick, [points_state], [status, player, table, m3u_file, csv_file], api_visibility="private",
               show_progress="hidden")

    def api(model_name, method_name, request: gr.Request):
        slug = model_slug(ctx.embedder(model_name or ctx.default_model).name)
        name, base = collection_name(slug, "audio"), request_root(request)
        lmap, _ = load_cached(ctx.settings.cache_dir, name, method_name or "umap")
        state = jobs.status(name)
        if lmap is None:
            return {"status": "running" if state.get("running") else "not computed", "points": [], "clusters": []}
        points = join_payloads(ctx.store, name, lmap)
        return {"status": "ready", "n": len(lmap.ids), "method": lmap.method,
                "clusters": [{"id": c, "label": label, "size": int((lmap.cluster == c).sum())}
                             for c, label in lmap.names.items()],
                "points": [{"file": points.files[i], "url": audio_url(base, slug, str(lmap.ids[i])),
                            "id": str(lmap.ids[i]), "x": round(float(lmap.xy[i, 0]), 4),
                            "y": round(float(lmap.xy[i, 1]), 4), "cluster": int(lmap.cluster[i])}
                           for i in range(len(lmap.ids))]}

    api_endpoint(api, hidden_inputs("text", "text"), "library_map",
                 "Library map (computed in the Library map tab): model, method -> {status, n, clusters, "
                 "points {file, url, id, x, y, cluster}}")
    return {"plot": plot}
