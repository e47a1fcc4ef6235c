"""Compare models: the same audio + text through two models, side by side.

Per model: the cosine, the embedding heatmap and the latent map with the pair. Across
models: how far they agree when ranking the demo set for the text (Spearman, Kendall
tau, top-k overlap), as numbers, a scatter of per-clip scores and a table. API: `/compare`.
"""
from __future__ import annotations

import html
from pathlib import Path

import gradio as gr
import pandas as pd

from app.analysis import similarity as sim
from app.context import AppContext
from app.pairs import caption_context, compare, comparison_summary, heatmap_for, pair_map
from app.plots.embedding import empty_figure, rank_scatter_figure
from app.ui.common import (api_endpoint, audio_input, cosine_card, demo_examples, guarded, hidden_inputs,
                           model_dropdown, progress_callback, show_warnings, status_md)

TOP_K = 10
TABLE_COLUMNS = ["clip", "category", "caption", "rank A", "score A", "rank B", "score B"]


def agreement_table(keys, labels, groups, sa, sb, k: int) -> pd.DataFrame:
    """The union of both top-k lists with each clip's rank and score under both models."""
    rank_a = {i: r for r, i in enumerate(sim.top_k(sa, len(sa)), 1)}
    rank_b = {i: r for r, i in enumerate(sim.top_k(sb, len(sb)), 1)}
    rows = sorted(set(sim.top_k(sa, k)) | set(sim.top_k(sb, k)), key=lambda i: (rank_a[i], rank_b[i]))
    return pd.DataFrame([{"clip": Path(keys[i]).name, "category": groups[i], "caption": labels[i],
                          "rank A": rank_a[i], "score A": round(float(sa[i]), 4),
                          "rank B": rank_b[i], "score B": round(float(sb[i]), 4)} for i in rows], columns=TABLE_COLUMNS)


def agreement_md(ag: sim.RankAgreement, n: int, name_a: str, name_b: str) -> str:
    """The three agreement numbers with a short reading guide."""
    def num(v: float) -> str:
        return "n/a" if v != v else f"{v:+.3f}"  # NaN != NaN
    return (f"### Ranking agreement on {n} demo clips\n"
            f"| Spearman ρ | Kendall τ | top-{ag.k} overlap |\n|---|---|---|\n"
            f"| {num(ag.spearman)} | {num(ag.kendall)} | {ag.top_k_overlap:.0%} ({len(ag.shared_top)}/{ag.k}) |\n\n"
            f"A = **{html.escape(name_a)}**, B = **{html.escape(name_b)}**. ρ and τ near +1: both models "
            "order the whole demo set the same way for this text; near 0: unrelated orders. "
            "The overlap counts clips in both top lists.")


def build(ctx: AppContext) -> None:
    """Lay out the Compare models tab (call inside a gr.Tab)."""
    choices = ctx.model_choices()
    gr.Markdown("Run **the same pair through two models** and see whether they agree — on this pair, "
                "and on how they rank the whole demo set for the text.")
    with gr.Row(equal_height=False):
        model_a = model_dropdown(ctx, "Model A", choices[0])
        model_b = model_dropdown(ctx, "Model B", choices[1] if len(choices) > 1 else choices[0])
    with gr.Row(equal_height=False):
        audio = audio_input()
        with gr.Column():
            text = gr.Textbox(label="Text", placeholder="e.g. a bright plucked guitar", lines=2)
            top = gr.Slider(3, 30, value=TOP_K, step=1, label="Top-k for the overlap")
            run = gr.Button("Compare", variant="primary")
    with gr.Accordion("Demo clips", open=False):
        demo_examples(ctx, audio, text, limit=8)
    status = gr.Markdown(status_md("Pick two models, a clip and a text, then press **Compare**."))
    outs_side = []
    with gr.Row(equal_height=False):
        for side in ("A", "B"):
            with gr.Column(min_width=380):
                card = gr.HTML()
                heat = gr.Plot(empty_figure(f"Model {side}'s embedding heatmap appears here.", 300), label=f"Model {side}")
                pmap = gr.Plot(empty_figure(f"Model {side}'s latent map appears here.", 340), label=f"Model {side} map")
                outs_side += [card, heat, pmap]
    with gr.Row(equal_height=False):
        agree = gr.Markdown()
        scatter = gr.Plot(empty_figure("Per-clip scores of both models appear here.", 300), label="Scores A vs B")
    table = gr.Dataframe(pd.DataFrame(columns=TABLE_COLUMNS), label="Top clips of either model", interactive=False,
                         max_height=420, wrap=True,
                         column_widths=["24%", "11%", "33%", "8%", "8%", "8%", "8%"])

    @guarded(10)
    def run_compare(name_a, name_b, audio_path, text_value, k, progress=gr.Progress()):
        res = compare(ctx, name_a, name_b, audio_path, text_value, int(k), progress_callback(progress))
        show_warnings(res.pairs[0].warnings)
        side_outputs = []
        for pair in res.pairs:
            ref_scores, nearest = caption_context(ctx, pair.embedder, pair.audio)
            verdict = sim.interpret_cosine(pair.cosine, ref_scores)
            side_outputs += [cosine_card(pair.cosine, verdict, pair.model, nearest),
                             heatmap_for(pair.embedder, pair.audio, pair.text, "difference", pair.model),
                             pair_map(ctx, pair.embedder, pair.audio, pair.text, pair.model)]
        ag = res.agreement
        fig = rank_scatter_figure(res.scores_a, res.scores_b, res.labels, name_a, name_b, ag.shared_top)
        tab = agreement_table(res.keys, res.labels, res.groups, res.scores_a, res.scores_b, ag.k)
        note = " (the same model on both sides)" if name_a == name_b else ""
        return (status_md(f"Compared **{html.escape(name_a)}** and **{html.escape(name_b)}**{note}.", "ok"),
                *side_outputs, agreement_md(ag, len(res.keys), name_a, name_b), fig, tab)

    inputs = [model_a, model_b, audio, text, top]
    run.click(run_compare, inputs, [status, *outs_side, agree, scatter, table], api_visibility="private")

    def api_compare(audio_file: str, text_value: str, name_a: str, name_b: str, k: int) -> dict:
        """Both cosines and the demo-set ranking agreement of two models."""
        return comparison_summary(compare(ctx, name_a or choices[0], name_b or choices[-1], audio_file, text_value, k))

    api_endpoint(api_compare, hidden_inputs("file", "text", "text", "text", "int"), "compare",
                 "(audio file, text, model A, model B, k) -> {models, cosine, spearman, kendall, "
                 "top_k_overlap, k, shared_top, n_items, top_a, top_b}")
