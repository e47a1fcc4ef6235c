"""Scoring a mini model while and after it trains, with the metrics of `app.analysis`.

- `evaluate_split`: zero-shot over a split's labels (prompts averaged over the model's
  templates, `app.analysis.zeroshot`), caption retrieval both ways, modality gap and
  collapse statistics (`app.analysis.metrics`): the same definitions as `train.evaluate`.
- `choose_heads`: which SLAP outputs (projection or predictor, per modality) embed best.
- `evaluate_dev`: the app's own path on a real-audio manifest (`train.evaluate.evaluate`
  through a `MiniEmbedder` around a CPU copy of the model).

Everything runs on a CPU copy in eval mode, so validation never disturbs training state.
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from app.analysis import metrics
from app.analysis.zeroshot import DEFAULT_TEMPLATES, class_text_embeddings, fill

SLAP_HEADS = (("projection", "projection"), ("predictor", "projection"), ("projection", "predictor"),
              ("predictor", "predictor"))


class CachedTextEmbedder:
    """`embed_text` of a mini model over MiniLM vectors computed once (prompts, captions)."""

    def __init__(self, model, texts: Sequence[str], vectors: np.ndarray | None = None) -> None:
        from app.embedders.mini import encode_minilm

        texts = list(dict.fromkeys(texts))
        vecs = encode_minilm(texts) if vectors is None else vectors
        self.index = {t: i for i, t in enumerate(texts)}
        self.vectors = torch.from_numpy(np.ascontiguousarray(vecs, dtype=np.float32))
        self.model = model

    def embed_text(self, texts: Sequence[str]) -> np.ndarray:
        ids = torch.tensor([self.index[t] for t in texts])
        with torch.inference_mode():
            return F.normalize(self.model.embed_text_vectors(self.vectors[ids]).float(), dim=-1).numpy()


def prompt_texts(labels: Sequence[str], templates: Sequence[str] = DEFAULT_TEMPLATES) -> list[str]:
    return [fill(t, lab) for lab in labels for t in templates]


def cpu_copy(model) -> torch.nn.Module:
    return copy.deepcopy(model).cpu().eval()


def embed_rows(model, feats, rows, batch: int = 64, raw: bool = False) -> np.ndarray:
    """Audio embeddings [N, D] of full-length (4 s) clips: L2-normalised, or (raw) the projection."""
    out = []
    with torch.inference_mode():
        for x in feats.full_mels(rows, batch):
            z = model.audio(x) if raw else model.embed_mel(x)
            out.append(z.float() if raw else F.normalize(z.float(), dim=-1))
    return torch.cat(out).numpy()


def evaluate_split(model, feats, rows, prompts: CachedTextEmbedder, templates=DEFAULT_TEMPLATES,
                   captions: CachedTextEmbedder | None = None, audio: np.ndarray | None = None) -> dict[str, Any]:
    """Zero-shot, retrieval, gap and collapse of `model` (eval mode, CPU) on cached clips `rows`."""
    rows = np.sort(np.asarray(rows))
    a = embed_rows(model, feats, rows) if audio is None else audio
    labels = [feats.labels[r] for r in rows]
    label_set = sorted(set(labels))
    prompts.model = model
    class_emb = class_text_embeddings(prompts, label_set, templates)
    y = np.array([label_set.index(lab) for lab in labels])
    top1, pred = metrics.zero_shot_accuracy(a, class_emb, y)
    top5 = np.argsort(-(a @ class_emb.T), axis=1)[:, :5]
    zs = {"top1": top1, "top5": float(np.mean((top5 == y[:, None]).any(1))),
          "balanced_top1": float(np.mean([np.mean(pred[y == c] == c) for c in np.unique(y)])),
          "top1_by_category": {k: v["accuracy"] for k, v in
                               metrics.per_group_accuracy(pred, y, [feats.categories[r] for r in rows]).items()},
          "n_clips": len(rows), "n_labels": len(label_set)}
    res: dict[str, Any] = {"zero_shot": zs, "audio_collapse": metrics.collapse_stats(a)}
    text = class_emb
    if captions is not None:  # each clip's manifest caption (its second), retrieved among all clips
        captions.model = model
        text = captions.embed_text([feats.caption_texts[r][min(1, len(feats.caption_texts[r]) - 1)] for r in rows])
        same_class = [np.flatnonzero(feats.class_ids[rows] == feats.class_ids[r]) for r in rows]
        res["t2a"] = metrics.recall_at_k(text, a, same_class, (1, 10))
        res["a2t"] = metrics.recall_at_k(a, text, same_class, (1, 10))
    res["text_collapse"] = metrics.collapse_stats(text)
    res["modality_gap"] = metrics.modality_gap(a, text)
    return res


def zero_shot_top1(model, feats, rows, prompts: CachedTextEmbedder, templates, audio: np.ndarray) -> float:
    labels = [feats.labels[r] for r in np.sort(np.asarray(rows))]
    label_set = sorted(set(labels))
    prompts.model = model
    class_emb = class_text_embeddings(prompts, label_set, templates)
    return metrics.zero_shot_accuracy(audio, class_emb, [label_set.index(lab) for lab in labels])[0]


def choose_heads(model, feats, rows, prompts: CachedTextEmbedder, templates=DEFAULT_TEMPLATES
                 ) -> tuple[dict[str, str], dict[str, float]]:
    """SLAP: the (audio_head, text_head) pair with the best zero-shot top-1 on `rows`."""
    rows = np.sort(np.asarray(rows))
    z = torch.from_numpy(embed_rows(model, feats, rows, raw=True))
    with torch.inference_mode():
        audio = {"projection": F.normalize(z, dim=-1).numpy(),
                 "predictor": F.normalize(model.audio_predictor(z).float(), dim=-1).numpy()}
    cfg, scores = model.cfg, {}
    try:
        for ah, th in SLAP_HEADS:
            model.cfg = dataclasses.replace(cfg, audio_head=ah, text_head=th)
            scores[f"{ah}/{th}"] = zero_shot_top1(model, feats, rows, prompts, templates, audio[ah])
    finally:
        model.cfg = cfg
    ah, th = max(scores, key=scores.get).split("/")
    return {"audio_head": ah, "text_head": th}, scores


def evaluate_dev(model, manifest: str, name: str = "dev") -> dict[str, Any]:
    """`train.evaluate.evaluate` (decode with app.audio, MiniEmbedder windows) of a CPU copy."""
    from app.embedders.mini import MiniEmbedder
    from train.evaluate import evaluate

    return evaluate(MiniEmbedder(cpu_copy(model), name), manifest)


def dev_score(res: dict[str, Any]) -> float:
    """One number to select checkpoints on: within-group zero-shot top-1 averaged over the groups
    (instruments, languages, sound effects count equally), or overall without groups."""
    groups = res.get("per_group_zero_shot") or {}
    return float(np.mean([g["accuracy"] for g in groups.values()])) if groups else float(res["zero_shot_accuracy"])
