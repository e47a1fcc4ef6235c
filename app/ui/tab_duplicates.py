"""Duplicates: groups of files that are the same sound in another format, rate, level, trim or
channel layout (ANN neighbours above a calibrated cosine, grouped by union-find), with
playback and CSV export.

API: `/duplicates`.
"""
from __future__ import annotations

import html

import gradio as gr
import pandas as pd

from app.context import AppContext
from app.library.duplicates import DuplicateConfig, find_duplicates, group_rows, threshold_for
from app.media import audio_url
from app.collections import collection_of
from app.store import model_slug
from app.ui.common import (api_endpoint, guarded, hidden_inputs, model_dropdown, playable, request_root, status_md,
                           write_csv)

COLUMNS = ["group", "size", "name", "format", "sample_rate", "channels", "duration", "link_score", "set", "file"]
API_KEYS = ("group", "size", "file", "url", "id", "name", "set", "format", "sample_rate", "channels", "duration",
            "link_score")


def run_duplicates(ctx: AppContext, model: str, set_value: str | None, threshold: float | None,
                   k: int = 10, progress=None) -> list[list[dict]]:
    emb = ctx.embedder(model)
    name = collection_of(emb, "audio")
    if not ctx.store.has_collection(name):
        return []
    config = DuplicateConfig(threshold=threshold_for(emb.name) if threshold in (None, "") else float(threshold), k=k)
    callback = (lambda done, total: progress((done, max(total, 1)), desc="nearest neighbours")) if progress else None
    return find_duplicates(ctx.store, name, config, (set_value or "").strip() or None, callback)


def build(ctx: AppContext) -> dict:
    gr.Markdown("Files that are **the same sound** in another format, bitrate, level, trim or channel layout. Each "
                "clip's nearest neighbours come from the ANN index (no N×N matrix); pairs above the cosine "
                "threshold are joined into groups. The default threshold is calibrated per model on transcoded "
                "and trimmed copies (docs/library.md).")
    with gr.Row():
        model = model_dropdown(ctx)
        set_box = gr.Textbox(label="Set (empty: all)")
        threshold = gr.Slider(0.80, 1.0, value=threshold_for(ctx.default_model), step=0.001,
                              label="Cosine threshold")
        go = gr.Button("Find duplicates", variant="primary")
    status = gr.Markdown()
    table = gr.Dataframe(pd.DataFrame([], columns=COLUMNS), label="Groups (click a row to play)",
                         interactive=False, max_height=560, max_chars=60)
    with gr.Row():
        player = gr.Audio(label="Playback", interactive=False)
        export = gr.File(label="CSV export")

    @guarded(3)
    def on_find(model_name, set_value, thr, progress=gr.Progress()):
        groups = run_duplicates(ctx, model_name, set_value, thr, progress=progress)
        frame = pd.DataFrame(group_rows(groups), columns=COLUMNS)
        files = sum(len(g) for g in groups)
        return status_md(f"{len(groups)} groups, {files} files.", "ok"), frame, write_csv(frame, "duplicates")

    @guarded(2)
    def on_play(frame, evt: gr.SelectData):
        file = str(pd.DataFrame(frame).iloc[int(evt.index[0])]["file"])
        return status_md(f"Playing {html.escape(file.rsplit('/', 1)[-1])}.", "info"), playable(ctx, file)

    model.change(lambda m: gr.Slider(value=threshold_for(m)), [model], [threshold], api_visibility="private")
    go.click(on_find, [model, set_box, threshold], [status, table, export], api_visibility="private")
    table.select(on_play, [table], [status, player], api_visibility="private")

    def api(model_name, set_value, thr, request: gr.Request):
        model_name = model_name or ctx.default_model
        groups = run_duplicates(ctx, model_name, set_value, thr or None)
        base, slug = request_root(request), model_slug(ctx.embedder(model_name).name)
        return [{k: r.get(k) for k in API_KEYS} | {"url": audio_url(base, slug, r["id"])} for r in group_rows(groups)]

    api_endpoint(api, hidden_inputs("text", "text", "text"), "duplicates",
                 "Near-duplicate groups: model, set, threshold ('' = calibrated) -> rows {group, size, file, url, id, name, "
                 "set, format, sample_rate, channels, duration, link_score}")
    return {"table": table}
