"""Sound library: search in three modes (vector / keyword BM25 / hybrid RRF) with filters by set,
tag, folder and duration; auto-tag counts per facet that filter with one click; CSV export.

APIs: `/library_search`, `/facets`, `/tags` (auto tags of an uploaded clip).
"""
from __future__ import annotations

import html

import gradio as gr
import pandas as pd

from app.context import AppContext
from app.library.query import MODES, Filters, search_library
from app.library.tags import facet_counts, load_facets, tagger_for
from app.media import audio_url
from app.collections import collection_of
from app.store import model_slug
from app.ui.common import (api_endpoint, audio_input, guarded, hidden_inputs, model_dropdown, playable,
                           progress_callback, request_root, status_md, write_csv)

ALL = "(all)"
COLUMNS = ["rank", "name", "score", "set", "duration", "auto tags", "folder tags", "file"]
FACET_COLUMNS = ["tag", "clips", "facet"]


def parse_filters(set_value: str | None, tags: str | None, folder: str | None, min_s, max_s) -> Filters:
    """UI/API strings -> Filters (empty means no filter; tags comma-separated)."""
    # an empty box arrives as None, "" or 0 (gr.Number shows 0): all mean "no limit"
    number = lambda v: None if v in (None, "") or float(v) != float(v) or float(v) <= 0 else float(v)
    return Filters(set_name=None if set_value in (None, "", ALL) else str(set_value),
                   tags=tuple(t.strip().lower() for t in (tags or "").split(",") if t.strip()),
                   folder=(folder or "").strip() or None, min_duration=number(min_s), max_duration=number(max_s))


def run_search(ctx: AppContext, model: str, query: str, mode: str, filters: Filters, k: int, progress=None,
               base_url: str | None = None):
    """Library rows; with `base_url` each row's "url" is `<base_url>/audio/<model>/<id>` (app.media)."""
    emb = ctx.embedder(model, progress_callback(progress) if progress else None)
    if not (query or "").strip() and filters.tags:
        query, mode = " ".join(filters.tags), "keyword"  # browse a tag: its words, exact tag filter
    slug = model_slug(emb.name)
    url_for = None if base_url is None else (lambda point_id: audio_url(base_url, slug, point_id))
    return search_library(ctx.store, emb, query, mode, int(k), filters, url_for=url_for)


def rows_frame(rows: list[dict]) -> pd.DataFrame:
    auto = lambda r: ", ".join(f"{t['tag']} {t['score']:.2f}" for t in r["auto_tags"] if t["facet"] != "kind")
    return pd.DataFrame([{"rank": i, "name": r["name"], "score": round(r["score"], 4), "set": r["set"],
                          "duration": r["duration"], "auto tags": auto(r),
                          "folder tags": ", ".join(t for t in r["tags"] if t not in {a["tag"] for a in r["auto_tags"]}),
                          "file": r["file"]} for i, r in enumerate(rows, 1)], columns=COLUMNS)


def facets_frame(ctx: AppContext, model: str, set_value: str | None) -> pd.DataFrame:
    name = collection_of(model, "audio")
    if not ctx.store.has_collection(name):
        return pd.DataFrame([], columns=FACET_COLUMNS)
    counts = facet_counts(ctx.store, name, parse_filters(set_value, "", "", None, None).set_name)
    order = {facet.name: i for i, facet in enumerate(load_facets())}  # kind first, then as in facets.json
    return pd.DataFrame([{"tag": t, "clips": n, "facet": f} for f in sorted(counts, key=lambda f: order.get(f, 99))
                         for t, n in counts[f]], columns=FACET_COLUMNS)


def build(ctx: AppContext) -> dict:
    gr.Markdown("Search your library by **meaning** (vector), by **keywords** (BM25 over file name, folder words "
                "and tags) or **hybrid** (both, fused by reciprocal rank). Every clip carries zero-shot **auto tags** "
                "per facet, with the score and the model that made them. Click a tag count to filter by it.")
    with gr.Row():
        model = model_dropdown(ctx)
        mode = gr.Radio(list(MODES), value="hybrid", label="Mode")
        k = gr.Slider(1, 200, value=20, step=1, label="Results")
    query = gr.Textbox(label="Query", placeholder="e.g. warm analog bass, kick, female voice")
    with gr.Row():
        set_box = gr.Dropdown([ALL], value=ALL, label="Set", allow_custom_value=True)
        tags = gr.Textbox(label="Tags (any of, comma-separated)")
        folder = gr.Textbox(label="Folder (a path segment, e.g. drums/kick)")
        min_s = gr.Number(label="Min duration (s, 0 = none)", value=0, minimum=0)
        max_s = gr.Number(label="Max duration (s, 0 = none)", value=0, minimum=0)
    with gr.Row():
        go = gr.Button("Search", variant="primary")
        count = gr.Button("Count tags")
    status = gr.Markdown()
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            facets = gr.Dataframe(pd.DataFrame([], columns=FACET_COLUMNS), label="Auto tags (click to filter)",
                                  interactive=False, max_height=520, elem_id="aeb-facets")
        with gr.Column(scale=3):
            table = gr.Dataframe(rows_frame([]), label="Results (click a row to play)", interactive=False,
                                 max_height=520, max_chars=48, elem_id="aeb-sounds-results")
            player = gr.Audio(label="Playback", interactive=False)
            export = gr.File(label="CSV export")
    filter_inputs = [set_box, tags, folder, min_s, max_s]

    @guarded(3)
    def on_search(model_name, text, mode_name, n, set_value, tag_text, folder_text, lo, hi, progress=gr.Progress()):
        rows = run_search(ctx, model_name, text, mode_name,
                          parse_filters(set_value, tag_text, folder_text, lo, hi), int(n), progress)
        frame = rows_frame(rows)
        return status_md(f"{len(rows)} results.", "ok"), frame, write_csv(frame, "library_search")

    @guarded(3)
    def on_count(model_name, set_value):
        name = collection_of(model_name, "audio")
        sets = [ALL, *sorted(ctx.store.sets(name))] if ctx.store.has_collection(name) else [ALL]
        frame = facets_frame(ctx, model_name, set_value)
        return status_md(f"{len(frame)} tags in {frame['facet'].nunique() if len(frame) else 0} facets.", "ok"), \
            frame, gr.Dropdown(choices=sets)

    @guarded(4)
    def on_facet(frame, model_name, text, mode_name, n, set_value, folder_text, lo, hi, evt: gr.SelectData):
        tag = str(pd.DataFrame(frame).iloc[int(evt.index[0])]["tag"])
        result = on_search(model_name, text, mode_name, n, set_value, tag, folder_text, lo, hi)
        return (*result, tag)

    @guarded(2)
    def on_play(frame, evt: gr.SelectData):
        file = str(pd.DataFrame(frame).iloc[int(evt.index[0])]["file"])
        return status_md(f"Playing {html.escape(file.rsplit('/', 1)[-1])}.", "info"), playable(ctx, file)

    search_inputs = [model, query, mode, k, *filter_inputs]
    go.click(on_search, search_inputs, [status, table, export], api_visibility="private")
    query.submit(on_search, search_inputs, [status, table, export], api_visibility="private")
    count.click(on_count, [model, set_box], [status, facets, set_box], api_visibility="private")
    facets.select(on_facet, [facets, model, query, mode, k, set_box, folder, min_s, max_s],
                  [status, table, export, tags], api_visibility="private")
    table.select(on_play, [table], [status, player], api_visibility="private")
    _api(ctx)
    return {"table": table, "facets": facets}


def _api(ctx: AppContext) -> None:
    def api_search(text, mode, model, set_value, tags, folder, min_s, max_s, k, request: gr.Request):
        filters = parse_filters(set_value, tags, folder, min_s or None, max_s or None)
        return run_search(ctx, model or ctx.default_model, text, mode or "hybrid", filters, int(k or 10),
                          base_url=request_root(request))

    def api_facets(model, set_value):
        frame = facets_frame(ctx, model or ctx.default_model, set_value)
        out: dict[str, list[dict]] = {}
        for rec in frame.to_dict("records"):
            out.setdefault(rec["facet"], []).append({"tag": rec["tag"], "count": int(rec["clips"])})
        return out

    def api_tags(audio, model):
        emb = ctx.embedder(model or ctx.default_model)
        vector = emb.embed_audio([ctx.load_clip(audio, emb).samples])
        return tagger_for(emb).tag(vector)[0]

    api_endpoint(api_search, hidden_inputs("text", "text", "text", "text", "text", "text", "text", "text", "int"),
                 "library_search", "Library search: text, mode (vector|keyword|hybrid), model, set, tags (comma), "
                 "folder, min s, max s, k -> rows {id, file, url, name, score, set, duration, tags, auto_tags}")
    api_endpoint(api_facets, hidden_inputs("text", "text"), "facets",
                 "Auto-tag counts: model, set -> {facet: [{tag, count}]}")
    api_endpoint(api_tags, hidden_inputs("file", "text"), "tags",
                 "Zero-shot auto tags of an uploaded clip: file, model -> [{facet, tag, score, model}]")
