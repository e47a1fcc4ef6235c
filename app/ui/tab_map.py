"""Map explorer: two models' 2-D maps of one set, side by side, with linked selection.

Coordinated views: gr.Plot has no click/selection events in Gradio 6.31 (only `change`),
so a small script (the `gr.HTML` below, `js_on_load`) attaches plotly's own
`plotly_click` / `plotly_selected` / `plotly_deselect` listeners to both plots. It
highlights the same keys (store ids, kept in each point's `customdata`) in the other
map at once with `Plotly.restyle(selectedpoints)`, and sends {side, kind, keys} to
Python through the component's `trigger('click', data)`; Python plays a clicked clip,
lists the selection and remembers it so re-coloured maps keep it. API: `/project`.
"""
from __future__ import annotations

import html
from pathlib import Path

import gradio as gr
import pandas as pd

from app.context import AppContext
from app.maps import COLOR_COLUMNS, MapService
from app.plots.embedding import empty_figure
from app.plots.maps import MapData, map_figure, metrics_table
from app.settings import DEMO_SET
from app.ui.common import (api_endpoint, guarded, hidden_inputs, playable, progress_callback, request_root,
                           selected_path, status_md)

METHOD_CHOICES = [("PCA", "pca"), ("t-SNE", "tsne"), ("UMAP", "umap")]
SELECTION_COLUMNS = ["name", "label", "caption", "path"]
MAX_SELECTION_ROWS = 500
MAP_IDS = ("aeb-map-a", "aeb-map-b")
MAP_HEIGHT = 460
HINT = ("Click a point to play it · drag a box or lasso (toolbar) to select a region — the same clips light up "
        "in the other model's map · double-click a map to clear")

LINK_JS = r"""
const IDS = ['aeb-map-a', 'aeb-map-b'];
const MAX_KEYS = 5000;  // a lasso over a huge library: send a bounded list to the server
const gdOf = (id) => document.querySelector('#' + id + ' [data-testid="plotly"]');
const keyAt = (gd, p) => { const cd = gd.data[p.curveNumber].customdata; return cd ? cd[p.pointNumber] : null; };
function highlight(gd, keys) {
  if (!gd || !gd.data || !window.Plotly) return;
  const sel = gd.data.map((t) => {
    if (!keys) return null;
    const cd = t.customdata || [], out = [];
    for (let i = 0; i < cd.length; i++) if (keys.has(cd[i])) out.push(i);
    return out;
  });
  window.Plotly.restyle(gd, {selectedpoints: sel});
}
function send(side, kind, keys) {
  trigger('click', {side: side, kind: kind, n: keys.length, keys: keys.slice(0, MAX_KEYS)});
}
function bind(id, side) {
  const gd = gdOf(id);
  if (!gd || !gd.on || !gd._ev) return;
  if (gd._aebClick && gd._ev.listeners('plotly_click').indexOf(gd._aebClick) >= 0) return;
  if (!gd._aebPointer) {
    // plotly also fires select/deselect by itself when a new figure arrives; only events right
    // after a press that STARTED on this plot are the user's (a dropdown closing over the plot
    // releases the mouse on it, so a bare pointerup does not count)
    gd._aebPointer = true;
    gd.addEventListener('pointerdown', () => { gd._aebDown = true; gd._aebUserAt = Date.now(); }, true);
    window.addEventListener('pointerup', () => {
      if (gd._aebDown) { gd._aebDown = false; gd._aebUserAt = Date.now(); }
    }, true);
  }
  const byUser = () => gd._aebDown || Date.now() - (gd._aebUserAt || 0) < 1000;
  const other = () => gdOf(IDS[1 - side]);
  gd._aebClick = (ev) => {
    const p = ev && ev.points && ev.points[0];
    const key = p ? keyAt(gd, p) : null;
    if (key === null || key === undefined) return;
    const keys = new Set([key]);
    highlight(gd, keys); highlight(other(), keys);
    send(side, 'click', [key]);
  };
  gd.on('plotly_click', gd._aebClick);
  gd.on('plotly_selected', (ev) => {
    if (!ev || !ev.points || !byUser()) return;  // also fired, empty, for a plain click
    const keys = [...new Set(ev.points.map((p) => keyAt(gd, p)).filter((k) => k !== null))];
    highlight(other(), new Set(keys));
    send(side, 'select', keys);
  });
  gd.on('plotly_deselect', () => {
    if (!byUser()) return;
    highlight(gd, null); highlight(other(), null); send(side, 'clear', []);
  });
}
setInterval(() => IDS.forEach((id, side) => bind(id, side)), 500);  // plots re-mount: re-bind
"""


def build(ctx: AppContext) -> dict[str, gr.components.Component]:
    """Lay out the Map explorer tab (call inside a gr.Tab); returns its main components."""
    service = MapService(ctx)
    choices = ctx.model_choices()
    gr.Markdown("Each model's embeddings of one set, projected to 2-D. Colour by a metadata column; add the "
                "captions to see the **modality gap** (audio ● vs text ◆). Projections are cached.")
    with gr.Row(equal_height=False):
        model_a = gr.Dropdown(choices, value=choices[0], label="Model A (left)")
        model_b = gr.Dropdown(choices, value=choices[1] if len(choices) > 1 else choices[0], label="Model B (right)")
        set_dd = gr.Dropdown([DEMO_SET], value=DEMO_SET, label="Set (demo or a library set)")
    with gr.Row(equal_height=False):
        method = gr.Radio(METHOD_CHOICES, value="pca", label="Projection")
        color = gr.Dropdown(["none", *COLOR_COLUMNS], value="category", label="Colour by")
        captions = gr.Checkbox(value=False, label="Show captions (modality gap)")
        draw = gr.Button("Draw maps", variant="primary", scale=0, min_width=140)
    status = gr.Markdown(status_md("Pick two models and a set, then press **Draw maps**. The first draw of a model "
                                   "indexes the demo set (a minute)."))
    with gr.Row(equal_height=False):
        plot_a = gr.Plot(empty_figure("Model A's map appears here.", MAP_HEIGHT), label="Model A", elem_id=MAP_IDS[0])
        plot_b = gr.Plot(empty_figure("Model B's map appears here.", MAP_HEIGHT), label="Model B", elem_id=MAP_IDS[1])
    link = gr.HTML(f"<div class='aeb-dim'>{HINT}</div>", js_on_load=LINK_JS, elem_id="aeb-map-link")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            player = gr.Audio(label="Clicked clip", type="filepath", interactive=False, elem_id="aeb-map-player")
            clear = gr.Button("Clear selection", size="sm")
        selection = gr.Dataframe(pd.DataFrame(columns=SELECTION_COLUMNS), label="Selected clips (click a row to play)",
                                 interactive=False, wrap=True, max_height=300, scale=2)
    metrics = gr.Dataframe(pd.DataFrame(columns=["metric"]), label="Grouping metrics (embedding space, not the 2-D map)",
                           interactive=False, max_height=420)
    gr.Markdown("<div class='aeb-dim'>silhouette: −1…1, higher = clips with the same label sit together; "
                "kNN purity: share of each clip's 10 nearest neighbours with its label; modality gap: distance "
                "between the audio and caption centroids (0…2) and how well a linear classifier tells them apart "
                "(0.5 = mixed, 1 = separated).</div>")
    state_a, state_b, chosen = gr.State(None), gr.State(None), gr.State([])

    @guarded(9)
    def on_draw(name_a, name_b, set_name, how, colour, with_caps, keys, progress=gr.Progress()):
        report = progress_callback(progress)
        data = [service.map_data(name, set_name, how, bool(with_caps), report, side)
                for side, name in (("A", name_a), ("B", name_b))]
        colour, colour_update = _colour_choice(data, colour)
        keys = [k for k in keys or [] if any(d.index_of(k) is not None for d in data)]  # drop a stale selection
        figs = [_figure(d, colour, keys) for d in data]
        progress(0.95, desc="grouping metrics")
        table = metrics_table({f"{s}: {d.model_label}": service.metrics(d) for s, d in zip("AB", data)})
        sets = service.set_choices([name_a, name_b])
        msg = " · ".join(f"{s}: {d.summary()}" for s, d in zip("AB", data))
        return (status_md(msg, "ok"), *figs, *data, colour_update, table,
                gr.update(choices=sets, value=set_name if set_name in sets else DEMO_SET), keys)

    draw.click(on_draw, [model_a, model_b, set_dd, method, color, captions, chosen],
               [status, plot_a, plot_b, state_a, state_b, color, metrics, set_dd, chosen], api_visibility="private")

    def recolour(colour, a, b, keys):
        return [_figure(d, colour, keys) if d else gr.skip() for d in (a, b)]

    color.input(recolour, [color, state_a, state_b, chosen], [plot_a, plot_b], api_visibility="private",
                 show_progress="hidden")

    @guarded(4)
    def on_pick(a, b, evt: gr.EventData):
        data = getattr(evt, "_data", None) or {}
        side = a if data.get("side", 0) == 0 else b
        keys = [str(k) for k in data.get("keys", [])]
        if not side or data.get("kind") == "clear" or not keys:
            return status_md("Selection cleared."), gr.skip(), _selection_frame(None, []), []
        if data.get("kind") == "click":
            return (*_play(ctx, side, keys[0]), _selection_frame(side, keys), keys)
        total = int(data.get("n", len(keys)))
        return (status_md(f"{total} points selected in {html.escape(side.model_label)}'s map — highlighted in both "
                          "maps.", "ok"), gr.skip(), _selection_frame(side, keys), keys)

    link.click(on_pick, [state_a, state_b], [status, player, selection, chosen], api_visibility="private",
               show_progress="hidden")

    @guarded(2)
    def on_row(frame, evt: gr.SelectData):
        path = selected_path(frame, evt)
        if not path:
            return gr.skip(), gr.skip()
        return status_md(f"▶ **{html.escape(Path(path).name)}**", "ok"), playable(ctx, path)

    selection.select(on_row, [selection], [status, player], api_visibility="private")

    def on_clear(colour, a, b):
        return ([], _selection_frame(None, []), *recolour(colour, a, b, []))

    clear.click(on_clear, [color, state_a, state_b], [chosen, selection, plot_a, plot_b], api_visibility="private")
    set_dd.focus(lambda a, b: gr.update(choices=service.set_choices([a, b])), [model_a, model_b], [set_dd],
                 api_visibility="private", show_progress="hidden")

    def api_project(model: str, method_name: str, set_name: str, request: gr.Request) -> dict:
        """2-D coordinates of every clip of a set for one model (cached projection)."""
        return service.project_points(model or choices[0], method_name or "pca", set_name or DEMO_SET,
                                      request_root(request))

    api_endpoint(api_project, hidden_inputs("text", "text", "text"), "project",
                 "(model, method pca|tsne|umap, set) -> {model, method, set, n, points: [{id, x, y, name, label, "
                 "caption, kind, file, url}]}")
    return {"plot_a": plot_a, "plot_b": plot_b, "player": player, "model_a": model_a, "model_b": model_b,
            "set": set_dd}


def _figure(data: MapData, colour: str, keys: list[str]):
    labels = data.column(colour) if colour and colour != "none" else None
    return map_figure(data.xy, data.keys, data.names, data.captions, labels, data.kinds, highlight=keys,
                      title=data.title, color_title=colour, revision=data.revision, height=MAP_HEIGHT)


def _colour_choice(data: list[MapData], colour: str) -> tuple[str, dict]:
    """Offer only columns some point has a value in; keep the user's choice if still offered."""
    present = [c for c in COLOR_COLUMNS if any(d.has_column(c) for d in data)]
    chosen = colour if colour in present or colour == "none" else (present[0] if present else "none")
    return chosen, gr.update(choices=["none", *present], value=chosen)


def _play(ctx: AppContext, data: MapData, key: str):
    i = data.index_of(key)
    if i is None:
        return status_md("That point is not in this map any more; draw again."), gr.skip()
    name, caption = html.escape(data.names[i]), html.escape(data.captions[i] or "")
    if data.kinds[i] == "text":
        return status_md(f"Caption ◆ “{name}” (text has no audio to play)."), gr.skip()
    line = f"▶ **{name}**" + (f" — {caption}" if caption and caption != name else "")
    return status_md(line, "ok"), playable(ctx, data.paths[i])


def _selection_frame(data: MapData | None, keys: list[str]) -> pd.DataFrame:
    rows = []
    for key in keys[:MAX_SELECTION_ROWS] if data else []:
        i = data.index_of(key)
        if i is not None and data.kinds[i] != "text":
            rows.append({"name": data.names[i], "label": data.label_of(i), "caption": data.captions[i],
                         "path": data.paths[i]})
    columns = [c for c in SELECTION_COLUMNS if c != "caption" or any(r["caption"] for r in rows)]
    return pd.DataFrame(rows, columns=columns)  # no empty caption column squeezing the others

