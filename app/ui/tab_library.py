"""Library: add a folder (same worker as `python -m ingest`), search it by text, by sound,
or hybrid (keyword + vector fused by RRF), filter by set, listen, export CSV.

APIs (the store searches live here): `/search_text`, `/search_audio`, `/search_hybrid`,
`/ingest`, `/sets`. Result rows are `app.media.api_rows`: file, url, score, set, name, id.
"""
from __future__ import annotations

import html
import uuid

import gradio as gr
import pandas as pd

from app import search
from app.collections import ALL_SETS, model_key, set_filter, stored_sets
from app.context import AppContext
from app.add_folder import add_folder
from app.media import api_rows
from app.ui.common import (api_endpoint, audio_input, guarded, hidden_inputs, model_dropdown, playable,
                           progress_callback, request_root, results_frame, results_table, set_choices, status_md,
                           wire_row_player, write_csv)

MODES = ("Vector (meaning)", "Hybrid (keywords + meaning, RRF)")
HYBRID_COLUMNS = ("dense_rank", "keyword_rank", "dense_score")


def policy_note(ctx: AppContext) -> str:
    """Which folders the browser may add, in the current mode."""
    if ctx.open_library:
        return ("Running locally without `--library-root`: **any folder on this machine** can be added. "
                "With `--share`, a network host or `--library-root`, only folders under the library roots can.")
    roots = ctx.library_roots()
    if roots:
        return "Folders under these library roots can be added: " + ", ".join(f"`{r}`" for r in roots)
    return ("Adding folders from the browser is **off** (shared or network server without `--library-root`). "
            "Restart with `--library-root DIR`, or run `python -m ingest DIR --model M` on the server.")


def search_library(ctx: AppContext, model: str, mode: str, query: str, audio_path, set_value, k: int,
                   progress=None) -> list[dict]:
    """Text (vector or hybrid) or audio query over the model's audio collection."""
    emb = ctx.ensure_bootstrapped(model, progress_callback(progress) if progress else None)
    if audio_path is not None:
        clip = ctx.load_clip(audio_path, emb)
        return search.search_audio(ctx.store, emb, clip, k, set_filter(set_value))
    fn = search.search_hybrid if mode == MODES[1] else search.search_text
    return fn(ctx.store, emb, query, k, set_filter(set_value))


def build(ctx: AppContext) -> None:
    """Lay out the Library tab (call inside a gr.Tab)."""
    gr.Markdown("Your own sounds, indexed once and searchable by **description**, by **example sound**, "
                "or by **keywords + meaning**. Click a result to listen; download the table as CSV.")
    with gr.Accordion("Add a folder to the library", open=False):
        gr.Markdown(policy_note(ctx))
        with gr.Row(equal_height=False):
            folder = gr.Textbox(label="Folder on the server", placeholder="/path/to/samples", scale=3)
            set_name = gr.Textbox(label="Set name", value="library", scale=1)
            tags = gr.Textbox(label="Tags (comma-separated, optional)", scale=2)
        models = gr.CheckboxGroup(ctx.model_choices(), value=[ctx.default_model], label="Index with")
        with gr.Row():
            ingest_btn = gr.Button("Add folder", variant="primary")
            stop_btn = gr.Button("Stop after the current batch", variant="stop")
        ingest_status = gr.Markdown()
        failed = gr.Dataframe(label="Files that could not be indexed", interactive=False, visible=False, wrap=True)
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            model = model_dropdown(ctx)
            with gr.Row(equal_height=False):
                set_picker = gr.Dropdown([ALL_SETS], value=ALL_SETS, label="Set", allow_custom_value=True, scale=4)
                refresh = gr.Button("↻ sets", scale=0, min_width=80, size="sm")
            k = gr.Slider(1, 100, value=20, step=1, label="How many results")
            with gr.Tab("By description"):
                query = gr.Textbox(label="Query", placeholder="e.g. dry snare hit, or a file name word")
                mode = gr.Radio(list(MODES), value=MODES[0], label="Search mode")
                text_btn = gr.Button("Search", variant="primary")
            with gr.Tab("Similar sounds"):
                audio = audio_input("Example sound (upload or record)")
                audio_btn = gr.Button("Find similar sounds", variant="primary")
        with gr.Column(scale=3, min_width=420):
            status = gr.Markdown(status_md("Search the demo set straight away, or add your own folder above."))
            table = results_table()
            player = gr.Audio(label="Selected result", interactive=False, type="filepath")
            export = gr.File(label="Results as CSV (appears after a search)", interactive=False, height=90)

    def refresh_sets(model_name):
        return gr.update(choices=set_choices(ctx, model_name))

    refresh.click(refresh_sets, [model], [set_picker], api_visibility="private")
    model.change(refresh_sets, [model], [set_picker], api_visibility="private")

    def results(rows: list[dict], what: str):
        """Status, table, player (top result) and CSV for a result list."""
        if not rows:
            return (status_md("No results: nothing indexed in this set for this model yet. Add a folder above "
                              "(or run `python -m ingest`), then press ↻ sets.", "warn"),
                    results_frame([]), None, None)
        hybrid = "dense_rank" in rows[0]
        frame = results_frame(rows, extra=HYBRID_COLUMNS if hybrid else ())
        note = " Score = fused RRF score; the dense/keyword ranks show where each list put it." if hybrid else ""
        return (status_md(f"{len(rows)} result(s) for {what}.{note}", "ok"), frame, _try_play(rows[0]["path"]),
                write_csv(frame, "search-results"))

    def _try_play(path: str | None):
        try:
            return playable(ctx, path) if path else None
        except ValueError:  # outside the readable folders: the table still lists it
            return None

    @guarded(4)
    def run_text(model_name, mode_value, query_value, set_value, top, progress=gr.Progress()):
        progress(0, desc="loading model")
        rows = search_library(ctx, model_name, mode_value, query_value, None, set_value, int(top), progress)
        return results(rows, f"“{html.escape((query_value or '').strip())}”")

    @guarded(4)
    def run_audio(model_name, audio_path, set_value, top, progress=gr.Progress()):
        if not audio_path:
            raise ValueError("upload or record an example sound first")
        progress(0, desc="loading model")
        rows = search_library(ctx, model_name, MODES[0], "", audio_path, set_value, int(top), progress)
        return results(rows, "sounds like your example")

    outputs = [status, table, player, export]
    for trigger in (text_btn.click, query.submit):
        trigger(run_text, [model, mode, query, set_picker, k], outputs, api_visibility="private")
    audio_btn.click(run_audio, [model, audio, set_picker, k], outputs, api_visibility="private")

    wire_row_player(ctx, table, status, player)

    @guarded(3)
    def on_ingest(folder_value, set_value, tags_value, model_list, request: gr.Request, progress=gr.Progress()):
        progress(0, desc="scanning")
        report = add_folder(ctx, folder_value, set_value, tags_value, model_list, progress_callback(progress),
                            job=_session(request))
        stopped = " — stopped early; run again to resume" if report.stopped else ""
        frame = pd.DataFrame(report.failed, columns=["file", "reason"])
        return (status_md(f"`{report.summary_line()}` in {report.seconds:.1f} s{stopped}.",
                          "warn" if report.failed or report.stopped else "ok"),
                gr.update(value=frame, visible=bool(report.failed)), refresh_sets(model_list[0]))

    ingest_btn.click(on_ingest, [folder, set_name, tags, models], [ingest_status, failed, set_picker],
                     api_visibility="private")

    def on_stop(request: gr.Request):
        if not ctx.stops.stop(_session(request)):
            gr.Info("Nothing to stop: no folder is being added from this page.")

    stop_btn.click(on_stop, None, None, api_visibility="private", queue=False)
    _register_api(ctx)


def _session(request: gr.Request | None) -> str:
    """The browser session a request comes from: the key of its Stop button."""
    return f"session-{getattr(request, 'session_hash', None) or uuid.uuid4().hex}"


def _register_api(ctx: AppContext) -> None:
    """JSON endpoints for the store searches and the library actions."""
    def rows_for(model_name: str, rows: list[dict], request: gr.Request, extra=()) -> list[dict]:
        return api_rows(rows, model_key(model_name), request_root(request), extra)

    def api_search_text(text_value: str, model_name: str, set_value: str, top: int, request: gr.Request) -> list[dict]:
        """Text -> audio over the store (one set, or all when set is empty)."""
        model_name = model_name or ctx.default_model
        emb = ctx.ensure_bootstrapped(model_name)
        rows = search.search_text(ctx.store, emb, text_value, search.check_k(top), set_filter(set_value))
        return rows_for(model_name, rows, request)

    def api_search_audio(audio_file: str, model_name: str, set_value: str, top: int, request: gr.Request) -> list[dict]:
        """Audio -> audio: stored clips most similar to an audio file (the file itself excluded)."""
        model_name = model_name or ctx.default_model
        emb = ctx.ensure_bootstrapped(model_name)
        rows = search.search_audio(ctx.store, emb, audio_file, search.check_k(top), set_filter(set_value))
        return rows_for(model_name, rows, request)

    def api_search_hybrid(text_value: str, model_name: str, set_value: str, top: int,
                          request: gr.Request) -> list[dict]:
        """Keyword (BM25) + vector search fused by RRF; score is the fused score."""
        model_name = model_name or ctx.default_model
        emb = ctx.ensure_bootstrapped(model_name)
        rows = search.search_hybrid(ctx.store, emb, text_value, search.check_k(top), set_filter(set_value))
        return rows_for(model_name, rows, request, HYBRID_COLUMNS)

    def api_ingest(folder_value: str, set_value: str, model_name: str) -> dict:
        """Index a server folder (same access rule as the UI)."""
        report = add_folder(ctx, folder_value, set_value, "", [model_name or ctx.default_model])
        return {"indexed": report.indexed, "skipped": report.skipped, "seconds": round(report.seconds, 3),
                "failed": [{"file": p, "reason": r} for p, r in report.failed], "stopped": report.stopped,
                "warnings": [{"file": p, "warning": w} for p, w in report.warnings],  # indexed, but cropped/silent
                "summary": report.summary_line()}

    def api_sets(model_name: str) -> dict:
        """Set name -> number of clips, for one model."""
        return stored_sets(ctx.store, ctx.check_model(model_name or ctx.default_model))

    rows = "[{file, url, score, set, name, id"
    api_endpoint(api_search_text, hidden_inputs("text", "text", "text", "int"), "search_text",
                 f"(text, model, set or '', k) -> {rows}}}] best first; GET url for the audio")
    api_endpoint(api_search_audio, hidden_inputs("file", "text", "text", "int"), "search_audio",
                 f"(audio file, model, set or '', k) -> {rows}}}] best first")
    api_endpoint(api_search_hybrid, hidden_inputs("text", "text", "text", "int"), "search_hybrid",
                 f"(text, model, set or '', k) -> {rows}, dense_rank, keyword_rank, dense_score}}] best first "
                 "by fused score")
    api_endpoint(api_ingest, hidden_inputs("text", "text", "text"), "ingest",
                 "(folder, set name, model) -> {indexed, skipped, failed: [{file, reason}], "
                 "warnings: [{file, warning}], seconds, summary}")
    api_endpoint(api_sets, hidden_inputs("text"), "sets", "(model) -> {set name: count}")
