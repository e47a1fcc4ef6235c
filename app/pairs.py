"""One audio clip and one text through one or two models: the numbers and figures both pair tabs show.

Used by the Pair analysis and Compare models tabs and their `/similarity` and `/compare`
endpoints. Vectors are L2-normalised [D] float32, so a cosine is a dot product.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from app.analysis import similarity as sim
from app.plots.embedding import empty_figure, heatmap_figure, pair_map_figure

if TYPE_CHECKING:
    from app.context import AppContext
    from app.embedders import Embedder

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class PairEmbedding:
    """One pair through one model."""

    model: str  # the name the caller chose
    embedder: "Embedder"
    audio: np.ndarray  # [D] unit vector
    text: np.ndarray  # [D] unit vector
    warnings: tuple[str, ...] = ()  # decoder notes about the clip (silence, cropping)

    @property
    def cosine(self) -> float:
        return sim.cosine(self.audio, self.text)


def embed_pair(ctx: "AppContext", model: str, audio_path: str | None, text: str,
               progress: Progress | None = None, bootstrap: bool = True) -> PairEmbedding:
    """Embed one clip and one text; ValueError/AudioError on bad input.

    `bootstrap=False` skips the demo/vocabulary indexing (a bare cosine needs neither).
    """
    if not (text or "").strip():
        raise ValueError("type a text to compare the audio with")
    emb = ctx.ensure_bootstrapped(model, progress) if bootstrap else ctx.embedder(model, progress)
    clip = ctx.load_clip(audio_path, emb)
    return PairEmbedding(model, emb, emb.embed_audio([clip.samples])[0], emb.embed_text([text.strip()])[0],
                         tuple(clip.warnings))


def caption_context(ctx: "AppContext", emb: "Embedder", audio_vec: np.ndarray, n: int = 3):
    """The audio's scores against every built-in caption [C], and its `n` nearest captions."""
    caps = ctx.references.caption_reference(emb)
    scores = caps.vectors @ audio_vec if len(caps.keys) else np.zeros(0)
    return scores, [(caps.keys[i], float(scores[i])) for i in sim.top_k(scores, n)]


def pair_map(ctx: "AppContext", emb: "Embedder", audio_vec: np.ndarray, text_vec: np.ndarray, title_model: str):
    """The pair projected into a PCA map fitted on the demo audio and some vocabulary captions."""
    ref = ctx.references.map_reference(emb)
    if len(ref.keys) < 3:
        return empty_figure("No reference map: the demo set and vocabulary are not available yet.")
    kinds = ["text" if g == "caption" else "audio" for g in ref.groups]
    ref_xy, pair_xy = sim.pca_2d(ref.vectors, np.stack([audio_vec, text_vec]))
    n_audio = kinds.count("audio")
    title = f"{title_model}: PCA of {n_audio} demo clips + {len(kinds) - n_audio} captions"
    return pair_map_figure(ref_xy, kinds, ref.labels, ref.groups, pair_xy[0], pair_xy[1], title)


def heatmap_for(emb: "Embedder", audio_vec: np.ndarray, text_vec: np.ndarray, mode: str, title_model: str):
    """Heatmap of the embeddings' difference or product, D laid out near-square."""
    grid = sim.difference_grid(audio_vec, text_vec, mode)
    label = "a − t" if mode == "difference" else "a · t"
    rows, cols = grid.shape
    return heatmap_figure(grid, f"{title_model}: {label} per dimension ({emb.dim} dims, {rows}×{cols})", label)


@dataclass(frozen=True)
class Comparison:
    """Two models on one pair, and how they rank the demo clips they share for the text."""

    pairs: tuple[PairEmbedding, PairEmbedding]
    keys: list[str]  # demo clip paths, in the order of the score arrays
    labels: list[str]  # captions
    groups: list[str]  # demo categories
    scores_a: np.ndarray  # [N] cosine of each clip with the text under model A
    scores_b: np.ndarray  # [N] same under model B
    agreement: sim.RankAgreement


def demo_scores(ctx: "AppContext", pair_a: PairEmbedding, pair_b: PairEmbedding):
    """Both models' scores for the text over the demo clips they share: (keys, labels, groups, sa, sb)."""
    ref_a = ctx.references.demo_reference(pair_a.embedder)
    ref_b = ctx.references.demo_reference(pair_b.embedder)
    index_b = {k: i for i, k in enumerate(ref_b.keys)}
    common = [(i, index_b[k]) for i, k in enumerate(ref_a.keys) if k in index_b]
    if len(common) < 2:
        raise ValueError("the demo set is not available for both models, so there is no ranking to compare")
    ia, ib = (np.array(x) for x in zip(*common))
    return ([ref_a.keys[i] for i in ia], [ref_a.labels[i] for i in ia], [ref_a.groups[i] for i in ia],
            ref_a.vectors[ia] @ pair_a.text, ref_b.vectors[ib] @ pair_b.text)


def compare(ctx: "AppContext", model_a: str, model_b: str, audio_path: str | None, text: str, k: int = 10,
            progress: Progress | None = None) -> Comparison:
    """Embed the pair with both models and measure their ranking agreement on the demo set."""
    from app.search import check_k

    k = check_k(k)  # before any embedding: k=-1 or 10**9 is refused, not clamped
    pairs = []
    for n, name in enumerate((model_a, model_b)):
        if progress:
            progress(n, 3, f"embedding with {name}")
        pairs.append(embed_pair(ctx, name, audio_path, text, progress))
    if progress:
        progress(2, 3, "ranking the demo set with both models")
    keys, labels, groups, sa, sb = demo_scores(ctx, pairs[0], pairs[1])
    return Comparison((pairs[0], pairs[1]), keys, labels, groups, sa, sb, sim.rank_agreement(sa, sb, k))


def comparison_summary(c: Comparison) -> dict:
    """The `/compare` answer: both cosines and the agreement numbers, clips named by path."""
    ag = c.agreement
    return {"models": [p.model for p in c.pairs], "cosine": [p.cosine for p in c.pairs], **ag.to_dict(),
            "shared_top": [c.keys[i] for i in ag.shared_top], "n_items": len(c.keys),
            "top_a": [c.keys[i] for i in sim.top_k(c.scores_a, ag.k)],
            "top_b": [c.keys[i] for i in sim.top_k(c.scores_b, ag.k)]}
