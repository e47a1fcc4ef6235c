"""Compare models: the same audio + text through two models, side by side.

Per model: the cosine, the embedding heatmap and the latent map with the pair. Across
models: how far they agree when ranking the demo set for the text (Spearman, Kendall
tau, top-k overlap), as numbers, a scatter of per-clip scores and a table. API: `/compare`.
"""
from __future__ import annotations

import html
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd

from app.analysis import similarity as sim
from app.context import AppContext
from app.plots.embedding import empty_figure, rank_scatter_figure
from app.search import check_k
from app.ui.common import (api_endpoint, audio_input, demo_examples, guarded, hidden_inputs, model_dropdown,
                           status_md)
from app.ui.tab_pair import caption_context, cosine_card, embed_pair, heatmap_for, pair_map

TOP_K = 10
TABLE_COLUMNS = ["clip", "category", "caption", "rank A", "score A", "rank B", "score B"]


def demo_scores(ctx: AppContext, emb_a, emb_b, text_a: np.ndarray, text_b: np.ndarray):
    """Both models' scores for the text over the demo clips they share: (keys, labels, groups, sa, sb)."""
    ref_a, ref_b = ctx.demo_reference(emb_a), ctx.demo_reference(emb_b)
    index_b = {k: i for i, k in enumerate(ref_b.keys)}
    common = [(i, index_b[k]) for i, k in enumerate(ref_a.keys) if k in index_b]
    if len(common) < 2:
        raise ValueError("the demo set is not available for both models, so there is no ranking to compare")
    ia, ib = (np.array(x) for x in zip(*common))
    keys = [ref_a.keys[i] for i in ia]
    return (keys, [ref_a.labels[i] for i in ia], [ref_a.groups[i] for i in ia],
            ref_a.vectors[ia] @ text_a, ref_b.vectors[ib] @ text_b)


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


def compare(ctx: AppContext, model_a: str, model_b: str, audio_path, text: str, k: int = TOP_K,
            progress=None) -> dict:
    """Everything both views need: per-model (embedder, a, t, cosine) and the demo agreement."""
    k = check_k(k)
    per_model = []
    for n, name in enumerate((model_a, model_b)):
        if progress:
            progress(n / 3, desc=f"embedding with {name}")
        emb, a, t = embed_pair(ctx, name, audio_path, text)
        per_model.append((name, emb, a, t, sim.cosine(a, t)))
    if progress:
        progress(2 / 3, desc="ranking the demo set with both models")
    keys, labels, groups, sa, sb = demo_scores(ctx, per_model[0][1], per_model[1][1], per_model[0][3],
                                               per_model[1][3])
    ag = sim.rank_agreement(sa, sb, k)
    return {"models": per_model, "keys": keys, "labels": labels, "groups": groups, "sa": sa, "sb": sb, "agreement": ag}


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
        res = compare(ctx, name_a, name_b, audio_path, text_value, int(k), progress)
        side_outputs = []
        for name, emb, a, t, cos in res["models"]:
            ref_scores, nearest = caption_context(ctx, emb, a)
            side_outputs += [cosine_card(cos, sim.interpret_cosine(cos, ref_scores), name, nearest),
                             heatmap_for(emb, a, t, "difference", name), pair_map(ctx, emb, a, t, name)]
        ag = res["agreement"]
        fig = rank_scatter_figure(res["sa"], res["sb"], res["labels"], name_a, name_b, ag.shared_top)
        tab = agreement_table(res["keys"], res["labels"], res["groups"], res["sa"], res["sb"], ag.k)
        note = " (the same model on both sides)" if name_a == name_b else ""
        return (status_md(f"Compared **{html.escape(name_a)}** and **{html.escape(name_b)}**{note}.", "ok"),
                *side_outputs, agreement_md(ag, len(res["keys"]), name_a, name_b), fig, tab)

    inputs = [model_a, model_b, audio, text, top]
    run.click(run_compare, inputs, [status, *outs_side, agree, scatter, table], api_visibility="private")

    def api_compare(audio_file: str, text_value: str, name_a: str, name_b: str, k: int) -> dict:
        """Both cosines and the demo-set ranking agreement of two models."""
        res = compare(ctx, name_a or choices[0], name_b or choices[-1], audio_file, text_value, k)
        ag = res["agreement"]
        return {"models": [m[0] for m in res["models"]], "cosine": [m[4] for m in res["models"]],
                **ag.to_dict(), "shared_top": [res["keys"][i] for i in ag.shared_top], "n_items": len(res["keys"]),
                "top_a": [res["keys"][i] for i in sim.top_k(res["sa"], ag.k)],
                "top_b": [res["keys"][i] for i in sim.top_k(res["sb"], ag.k)]}

    api_endpoint(api_compare, hidden_inputs("file", "text", "text", "text", "int"), "compare",
                 "(audio file, text, model A, model B, k) -> {models, cosine, spearman, kendall, "
                 "top_k_overlap, k, shared_top, n_items, top_a, top_b}")
