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
import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import gradio as gr
import numpy as np
import pandas as pd

from app.context import AppContext
from app.embedders import model_has_text
from app.plots.embedding import empty_figure
from app.plots.maps import MapData, map_figure, metrics_table
from app.settings import DEMO_SET, VOCAB_SET
from app.ui.common import api_endpoint, guarded, hidden_inputs, playable, progress_callback, selected_path, status_md

log = logging.getLogger("app.ui.map")
METHOD_CHOICES = [("PCA", "pca"), ("t-SNE", "tsne"), ("UMAP", "umap")]
SELECTION_COLUMNS = ["name", "label", "caption", "path"]
MAX_SELECTION_ROWS = 500
MAP_IDS = ("aeb-map-a", "aeb-map-b")
MAP_HEIGHT = 460
COLOR_COLUMNS = ("category", "instrument", "family", "mood", "language", "folder", "format", "set")
METRIC_COLUMNS = ("category", "instrument", "family", "mood", "language")
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

    def api_project(model: str, method_name: str, set_name: str) -> dict:
        """2-D coordinates of every clip of a set for one model (cached projection)."""
        return service.project_points(model or choices[0], method_name or "pca", set_name or DEMO_SET)

    api_endpoint(api_project, hidden_inputs("text", "text", "text"), "project",
                 "(model, method pca|tsne|umap, set) -> {model, method, set, n, points: [{id, x, y, name, label, "
                 "caption, kind, path}]}")
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


class MapService:
    """Store -> vectors -> cached projection -> MapData, shared by the UI and `/project`.

    Loaded vectors are kept in a small LRU keyed by (collection, set, point count), so a
    revisit reads nothing from the store; coordinates come from the ProjectionCache.
    """

    def __init__(self, ctx: AppContext, max_sets: int = 8) -> None:
        from app.analysis.projections import ProjectionCache

        self.ctx = ctx
        self.cache = ProjectionCache(ctx.settings.cache_dir)
        self._points: OrderedDict[tuple, tuple] = OrderedDict()
        self._metrics: dict[tuple, dict[str, float]] = {}
        self._lock = threading.Lock()
        self.max_sets = max_sets

    # --- store reads -------------------------------------------------------------
    def _collection(self, model: str, kind: str) -> str:
        from app.store import collection_name, model_slug

        return collection_name(model_slug(model), kind)

    def _read(self, name: str, set_name: str, keep: Callable[[dict], bool] = lambda p: True):
        """(keys, vectors [N, D], payloads) of one set of a collection, sorted by key."""
        store = self.ctx.store
        if not store.has_collection(name):
            raise ValueError(f"nothing stored for this model yet ({name}); index a folder in the Library tab")
        cache_key = (name, set_name, store.count(name, set_name=set_name))
        with self._lock:
            if cache_key in self._points:
                self._points.move_to_end(cache_key)
                return self._points[cache_key]
        rows = sorted(((h.id, v, h.payload) for h, v in store.scroll(name, set_name=set_name, with_vectors=True)
                       if keep(h.payload)), key=lambda r: r[0])
        if not rows:
            raise ValueError(f"the set '{set_name}' has no points for this model")
        out = ([r[0] for r in rows], np.stack([r[1] for r in rows]).astype(np.float32), [r[2] for r in rows])
        with self._lock:
            self._points[cache_key] = out
            while len(self._points) > self.max_sets:
                self._points.popitem(last=False)
        return out

    def audio(self, model: str, set_name: str):
        return self._read(self._collection(model, "audio"), set_name)

    def captions(self, model: str):
        return self._read(self._collection(model, "captions"), VOCAB_SET, lambda p: p.get("kind") == "caption")

    def _ensure_indexed(self, model: str, set_name: str, with_captions: bool, report) -> None:
        """Load the model (which indexes the demo set and vocabulary) only if the store lacks them.

        A map of stored vectors needs no model, so revisits and library maps never load torch.
        """
        if model not in self.ctx.model_choices():
            raise ValueError(f"unknown model {model[:80]!r}: this server offers {', '.join(self.ctx.model_choices())}")
        store = self.ctx.store
        needed = [(self._collection(model, "audio"), set_name)] if set_name == DEMO_SET else []
        needed += [(self._collection(model, "captions"), VOCAB_SET)] if with_captions else []
        if any(not store.has_collection(name) or store.count(name, set_name=s) == 0 for name, s in needed):
            report(0, 1, f"loading {Path(model).name} and indexing the demo set (first use only)")
            self.ctx.embedder(model, progress=report)

    def set_choices(self, models: list[str]) -> list[str]:
        """Sets stored for any of `models` (demo first); just demo when the store is unreachable."""
        found: set[str] = set()
        try:
            for model in dict.fromkeys(models):
                name = self._collection(model, "audio")
                if self.ctx.store.has_collection(name):
                    found |= set(self.ctx.store.sets(name))
        except Exception:  # a listing must never break the tab; the draw reports real errors
            pass
        return [DEMO_SET, *sorted(found - {DEMO_SET})]

    # --- maps --------------------------------------------------------------------
    def map_data(self, model: str, set_name: str, method: str, with_captions: bool = False,
                 report: Callable[[int, int, str], None] | None = None, side: str = "") -> MapData:
        """Load (or reuse) the set's vectors and return its cached 2-D map."""
        from app.analysis.projections import LABELS, normalize_method

        method = normalize_method(method)
        report = report or (lambda *_: None)
        with_captions = with_captions and model_has_text(model)  # audio-only models: no caption points
        self._ensure_indexed(model, set_name, with_captions, report)
        keys, X, payloads = self.audio(model, set_name)
        t_keys, T, texts = self.captions(model) if with_captions else ([], X[:0], [])
        report(0, 1, f"{side} {LABELS[method]} of {len(keys) + len(t_keys)} points ({Path(model).name})"
                     + (" — UMAP's first use compiles for ~15 s" if method == "umap" else ""))
        all_keys = keys + [f"t:{k}" for k in t_keys]
        start, computed = time.perf_counter(), self.cache.computed
        xy = self.cache.get_or_compute(model, set_name + ("+captions" if with_captions else ""), method,
                                       all_keys, np.concatenate([X, T]) if len(t_keys) else X)
        log.info("%s map of %d points for %s: %.2f s (%s)", LABELS[method], len(all_keys), Path(model).name,
                 time.perf_counter() - start, "computed" if self.cache.computed > computed else "cached")
        return MapData(model, set_name, method, xy, all_keys,
                       names=[str(p.get("name") or Path(str(p.get("path", ""))).name) for p in payloads]
                       + [str(p.get("text", "")) for p in texts],
                       captions=[str(p.get("caption") or "") for p in payloads] + [""] * len(texts),
                       kinds=["audio"] * len(keys) + ["text"] * len(t_keys),
                       paths=[str(p.get("path", "")) for p in payloads] + [""] * len(texts),
                       meta={c: [_meta(p, c) for p in payloads] + [""] * len(texts) for c in COLOR_COLUMNS})

    def metrics(self, data: MapData) -> dict[str, float]:
        """Grouping metrics of a drawn map, computed once per map (from the cached vectors)."""
        from app.analysis.projections import grouping_metrics

        has_text = "text" in data.kinds
        key = (data.model, data.set_name, len(data.keys), has_text)
        if key not in self._metrics:
            _, X, _ = self.audio(data.model, data.set_name)
            T = self.captions(data.model)[1] if has_text else None
            n = len(X)
            self._metrics[key] = grouping_metrics(X, {c: data.column(c)[:n] for c in METRIC_COLUMNS}, T)
        return self._metrics[key]

    def project_points(self, model: str, method: str, set_name: str) -> dict:
        """The `/project` answer: every point's id, coordinates and labels."""
        data = self.map_data(model, set_name, method)
        points = [{"id": k, "x": round(float(x), 5), "y": round(float(y), 5), "name": data.names[i],
                   "label": data.label_of(i), "caption": data.captions[i], "kind": data.kinds[i],
                   "path": data.paths[i], **{c: data.meta[c][i] for c in METRIC_COLUMNS if data.meta[c][i]}}
                  for i, (k, (x, y)) in enumerate(zip(data.keys, data.xy.tolist()))]
        return {"model": model, "method": data.method, "set": set_name, "n": len(points), "points": points}


def _meta(payload: dict, column: str) -> str:
    """A colour-by value: payload field, or derived from the path (folder, file format)."""
    path = str(payload.get("path", ""))
    if column == "folder":
        return Path(path).parent.name if path else ""
    if column == "format":
        return Path(path).suffix.lower().lstrip(".")
    value = payload.get(column)
    return "" if value in (None, "") else str(value)
