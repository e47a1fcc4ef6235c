"""Pair analysis: one audio clip and one text through one model.

Shows the cosine similarity (with a verdict relative to the built-in captions), a heatmap
of the per-dimension difference of the two embeddings, and where both sit in a PCA map of
the demo set and the vocabulary. API: `/similarity`.
"""
from __future__ import annotations

import html

import gradio as gr

from app.analysis import similarity as sim
from app.context import AppContext
from app.pairs import caption_context, embed_pair, heatmap_for, pair_map
from app.plots.embedding import empty_figure
from app.ui.common import (api_endpoint, audio_input, cosine_card, demo_examples, guarded, hidden_inputs,
                           model_dropdown, progress_callback, show_warnings, status_md)

MODES = {"difference (audio − text)": "difference", "product (audio · text, sums to the cosine)": "product"}


def build(ctx: AppContext) -> dict[str, gr.components.Component]:
    """Lay out the Pair analysis tab (call inside a gr.Tab); returns {"audio": its audio input}."""
    gr.Markdown("Compare **one sound with one description**. The score is the cosine of the two "
                "embeddings; the verdict ranks it against the built-in captions, because raw "
                "values are only comparable within one model.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            model = model_dropdown(ctx)
            audio = audio_input()
            text = gr.Textbox(label="Text", placeholder="e.g. a sad violin melody", lines=2)
            mode = gr.Radio(list(MODES), value=list(MODES)[0], label="Heatmap shows")
            run = gr.Button("Analyse pair", variant="primary")
            demo_examples(ctx, audio, text)
        with gr.Column(scale=3, min_width=420):
            status = gr.Markdown(status_md("Upload or record a clip, type a text, press **Analyse pair**."))
            card = gr.HTML()
            heat = gr.Plot(empty_figure("The embedding heatmap appears here."), label="Embeddings")
            pmap = gr.Plot(empty_figure("The pair's place in the latent map appears here.", 380),
                           label="Latent map")

    @guarded(4)
    def analyse(model_name, audio_path, text_value, mode_label, progress=gr.Progress()):
        progress(0, desc="loading model")
        pair = embed_pair(ctx, model_name, audio_path, text_value, progress_callback(progress))
        show_warnings(pair.warnings)
        emb, a, t, cos = pair.embedder, pair.audio, pair.text, pair.cosine
        ref_scores, nearest = caption_context(ctx, emb, a)
        progress(0.8, desc="drawing")
        return (status_md(f"Analysed with **{html.escape(model_name)}** ({emb.dim}-d).", "ok"),
                cosine_card(cos, sim.interpret_cosine(cos, ref_scores), model_name, nearest),
                heatmap_for(emb, a, t, MODES[mode_label], model_name), pair_map(ctx, emb, a, t, model_name))

    run.click(analyse, [model, audio, text, mode], [status, card, heat, pmap], api_visibility="private")
    text.submit(analyse, [model, audio, text, mode], [status, card, heat, pmap], api_visibility="private")

    def api_similarity(audio_file: str, text_value: str, model_name: str) -> dict:
        """Cosine similarity of an audio file and a text under one model."""
        pair = embed_pair(ctx, model_name or ctx.default_model, audio_file, text_value, bootstrap=False)
        return {"model": pair.model, "cosine": pair.cosine}

    api_endpoint(api_similarity, hidden_inputs("file", "text", "text"), "similarity",
                 "(audio file, text, model) -> {model, cosine}")
    return {"audio": audio}
