"""Ranking: text → audio (demo set, a library set, or files uploaded now) and audio → texts.

APIs: `/search_text` (text, model, set or "", k) -> [{path, score, set}] best first, over the
store; `/rank_texts` (audio file, texts one per line, model) -> [{text, score}] best first.
"""
from __future__ import annotations

import html

import gradio as gr

from app import search
from app.analysis import similarity as sim
from app.context import AppContext
from app.plots.embedding import TEXT_COLOR, empty_figure, score_bar_figure
from app.settings import DEMO_SET
from app.ui.common import (api_endpoint, audio_input, guarded, hidden_inputs, json_rows, model_dropdown,
                           progress_callback, results_frame, results_table, status_md, texts_from_box,
                           wire_row_player)

SOURCES = ("Demo set", "Library (a store set)", "Files uploaded here")
ALL_SETS = "(all sets)"


def rank_demo(ctx: AppContext, emb, text: str, k: int) -> list[dict]:
    """Exact ranking of the demo clips for a text (the same vectors the maps use)."""
    ref = ctx.demo_reference(emb)
    if not ref.keys:
        raise ValueError("the demo set is not available yet (sample_data/demo is empty)")
    scores = ref.vectors @ emb.embed_text([text.strip()])[0]
    return [{"path": ref.keys[i], "name": ref.keys[i].rsplit("/", 1)[-1], "score": float(scores[i]),
             "set": DEMO_SET, "caption": ref.labels[i]} for i in sim.top_k(scores, k)]


def text_to_audio(ctx: AppContext, model: str, text: str, source: str, set_name: str | None,
                  files: list[str] | None, k: int, progress=None) -> list[dict]:
    """Dispatch a text query to the chosen source; results best first."""
    if not (text or "").strip():
        raise ValueError("type a description to search for")
    emb = ctx.embedder(model, progress_callback(progress) if progress else None)
    if source == SOURCES[0]:
        return rank_demo(ctx, emb, text, k)
    if source == SOURCES[2]:
        if not files:
            raise ValueError("upload some audio files to rank first")
        return search.rank_audio_files(emb, text, list(files))[:k]
    return search.search_text(ctx.store, emb, text, k, None if set_name in (None, "", ALL_SETS) else set_name)


def store_sets(ctx: AppContext, model: str) -> list[str]:
    """Set names in the model's audio collection ([] if none yet or the store is down)."""
    from app.store import StoreUnavailable, collection_name, model_slug

    try:
        from app.embedders import resolve

        name = collection_name(model_slug(resolve(ctx.check_model(model)).name), "audio")
        store = ctx.store
        return sorted(store.sets(name)) if store.has_collection(name) else []
    except (StoreUnavailable, ValueError):
        return []


def build(ctx: AppContext) -> None:
    """Lay out the Ranking tab (call inside a gr.Tab)."""
    with gr.Tab("Text → audio"):
        _build_text_to_audio(ctx)
    with gr.Tab("Audio → texts"):
        _build_audio_to_texts(ctx)


def _build_text_to_audio(ctx: AppContext) -> None:
    gr.Markdown("Describe a sound; clips are ranked by cosine similarity to your text. "
                "Click a row to listen.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            model = model_dropdown(ctx)
            text = gr.Textbox(label="Description", placeholder="e.g. warm pad with slow attack")
            source = gr.Radio(list(SOURCES), value=SOURCES[0], label="Search in")
            set_name = gr.Dropdown([ALL_SETS], value=ALL_SETS, label="Set", visible=False, allow_custom_value=True)
            files = gr.File(label="Audio files to rank", file_count="multiple", type="filepath",
                            visible=False, file_types=["audio"])
            k = gr.Slider(1, 50, value=10, step=1, label="How many results")
            run = gr.Button("Rank", variant="primary")
        with gr.Column(scale=3, min_width=420):
            status = gr.Markdown(status_md("Type a description and press **Rank**."))
            bars = gr.Plot(empty_figure("Scores appear here."), label="Scores")
            table = results_table()
            player = gr.Audio(label="Selected result", interactive=False, type="filepath")

    def on_source(choice, model_name):
        sets = [ALL_SETS, *store_sets(ctx, model_name)] if choice == SOURCES[1] else [ALL_SETS]
        return (gr.update(visible=choice == SOURCES[1], choices=sets, value=ALL_SETS),
                gr.update(visible=choice == SOURCES[2]))

    source.change(on_source, [source, model], [set_name, files], api_visibility="private")

    @guarded(3)
    def run_rank(model_name, query, src, set_value, file_list, top, progress=gr.Progress()):
        progress(0, desc="loading model")
        rows = text_to_audio(ctx, model_name, query, src, set_value, file_list, int(top), progress)
        if not rows:
            return (status_md("Nothing found: this set is empty for this model. Add a folder in the "
                              "**Library** tab, or search the demo set.", "warn"),
                    empty_figure("No results."), results_frame([]))
        scored = [r for r in rows if r.get("score") is not None]
        failed = len(rows) - len(scored)
        note = f" {failed} file(s) could not be read (listed last)." if failed else ""
        return (status_md(f"{len(scored)} result(s) for “{html.escape(query.strip())}”.{note}", "ok"),
                score_bar_figure([r["name"] for r in scored], [r["score"] for r in scored], "Best matches"),
                results_frame(rows, extra=("caption", "error")))

    run.click(run_rank, [model, text, source, set_name, files, k], [status, bars, table], api_visibility="private")
    text.submit(run_rank, [model, text, source, set_name, files, k], [status, bars, table], api_visibility="private")

    wire_row_player(ctx, table, status, player)

    def api_search_text(text_value: str, model_name: str, set_value: str, top: int) -> list[dict]:
        """Text -> audio over the store (one set, or all when set is empty)."""
        emb = ctx.embedder(model_name or ctx.default_model)
        rows = search.search_text(ctx.store, emb, text_value, search.check_k(top), (set_value or "").strip() or None)
        return json_rows(rows, ("path", "score", "set", "name", "id"))

    api_endpoint(api_search_text, hidden_inputs("text", "text", "text", "int"), "search_text",
                 "(text, model, set or '', k) -> [{path, score, set, name, id}] best first")


def _build_audio_to_texts(ctx: AppContext) -> None:
    gr.Markdown("Score **your own list of texts** against one clip — e.g. candidate labels for a class demo.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            model = model_dropdown(ctx)
            audio = audio_input()
            texts = gr.Textbox(label="Texts, one per line", lines=6,
                               value="a piano melody\na dog barking\nsomeone speaking\ndrums\nrain")
            run = gr.Button("Rank texts", variant="primary")
        with gr.Column(scale=3, min_width=420):
            status = gr.Markdown(status_md("Upload or record a clip and press **Rank texts**."))
            bars = gr.Plot(empty_figure("Scores appear here."), label="Scores")

    @guarded(2)
    def run_texts(model_name, audio_path, text_block, progress=gr.Progress()):
        progress(0, desc="loading model")
        emb = ctx.embedder(model_name, progress_callback(progress), prepare=False)
        rows = search.rank_texts(emb, ctx.load_clip(audio_path, emb), texts_from_box(text_block))
        best = rows[0]
        spread = best["score"] - rows[-1]["score"] if len(rows) > 1 else 0.0
        return (status_md(f"Best: “{html.escape(best['text'])}” ({best['score']:.3f}); "
                          f"spread best–worst {spread:.3f}.", "ok"),
                score_bar_figure([r["text"] for r in rows], [r["score"] for r in rows], "Texts ranked", TEXT_COLOR))

    run.click(run_texts, [model, audio, texts], [status, bars], api_visibility="private")

    def api_rank_texts(audio_file: str, text_block: str, model_name: str) -> list[dict]:
        """Score texts (one per line) against one audio file, best first."""
        emb = ctx.embedder(model_name or ctx.default_model, prepare=False)
        rows = search.rank_texts(emb, ctx.load_clip(audio_file, emb), texts_from_box(text_block))
        return [{"text": r["text"], "score": float(r["score"])} for r in rows]

    api_endpoint(api_rank_texts, hidden_inputs("file", "text", "text"), "rank_texts",
                 "(audio file, texts one per line, model) -> [{text, score}] best first")
