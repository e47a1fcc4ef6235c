"""Embedding-space metrics: arrays in, numbers out.

Used by `train.evaluate` and by the app's map explorer, so nothing here knows about
models, files or manifests. Inputs are [N, D] arrays; every function L2-normalises
its inputs itself, so cosine similarity is a dot product whatever the caller passed.

Degenerate inputs: functions whose answer is *undefined* for the data (one label, a
single embedding where pairs are needed) return NaN and say so in their docstring;
inputs that are simply *wrong* (mismatched lengths, k < 1, empty arrays) raise
`ValueError` with a message naming the problem.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Union

import numpy as np

GroundTruth = Union[Sequence[int], np.ndarray, Sequence[Iterable[int]]]
_CHUNK = 2048  # rows of a similarity matrix held at once: bounds memory for big N


def _unit(x: np.ndarray, name: str = "embeddings") -> np.ndarray:
    """[N, D] float64, rows scaled to unit length (zero rows stay zero)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty [N, D] array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contain NaN or infinite values")
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return arr / np.maximum(norms, 1e-12)


def _gt_sets(gt: GroundTruth, n_queries: int, n_targets: int) -> list[set[int]]:
    """Normalise ground truth ([Q] ints, or Q iterables of ints) to Q non-empty sets."""
    if isinstance(gt, np.ndarray) and gt.ndim == 1:
        sets = [{int(g)} for g in gt]
    else:
        sets = [{int(g)} if np.isscalar(g) else {int(i) for i in g} for g in gt]
    if len(sets) != n_queries:
        raise ValueError(f"ground truth has {len(sets)} entries for {n_queries} queries")
    for q, s in enumerate(sets):
        if not s:
            raise ValueError(f"query {q} has no relevant target")
        if min(s) < 0 or max(s) >= n_targets:
            raise ValueError(f"query {q}: relevant index out of range 0..{n_targets - 1}")
    return sets


# --- retrieval and classification ------------------------------------------
def recall_at_k(query_emb: np.ndarray, target_emb: np.ndarray, gt_index: GroundTruth,
                ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """Fraction of queries with at least one relevant target among the top k.

    `gt_index` is [Q] target indices, or Q sets of indices (several relevant targets,
    e.g. clips sharing a caption). Ties are counted *against* the query: the rank of a
    query is the number of irrelevant targets scoring >= its best relevant one, so a
    collapsed model (all scores equal) scores 0 instead of a lucky 1. When k >= the
    number of targets R@k is trivially 1. Returns {"R@1": ..., "R@5": ..., ...}.
    """
    q, t = _unit(query_emb, "queries"), _unit(target_emb, "targets")
    if q.shape[1] != t.shape[1]:
        raise ValueError(f"queries are {q.shape[1]}-d but targets are {t.shape[1]}-d")
    if any(int(k) < 1 for k in ks):
        raise ValueError(f"every k must be >= 1, got {list(ks)}")
    sets = _gt_sets(gt_index, len(q), len(t))
    ranks = np.empty(len(q), dtype=np.int64)
    for start in range(0, len(q), _CHUNK):
        sims = q[start:start + _CHUNK] @ t.T
        for row, s in enumerate(sims):
            relevant = np.zeros(len(t), dtype=bool)
            relevant[list(sets[start + row])] = True
            best = s[relevant].max()
            ranks[start + row] = int(np.sum(s[~relevant] >= best))
    return {f"R@{int(k)}": float(np.mean(ranks < int(k))) for k in ks}


def zero_shot_accuracy(audio_emb: np.ndarray, class_text_emb: np.ndarray,
                       labels_idx: Sequence[int] | np.ndarray) -> tuple[float, np.ndarray]:
    """Classify each clip as its most similar class text; return (accuracy, predictions [N])."""
    a, c = _unit(audio_emb, "audio embeddings"), _unit(class_text_emb, "class text embeddings")
    labels = np.asarray(labels_idx, dtype=np.int64)
    if len(labels) != len(a):
        raise ValueError(f"{len(labels)} labels for {len(a)} audio embeddings")
    if labels.min() < 0 or labels.max() >= len(c):
        raise ValueError(f"label index out of range 0..{len(c) - 1}")
    predictions = np.argmax(a @ c.T, axis=1)
    return float(np.mean(predictions == labels)), predictions


def per_group_accuracy(predictions: Sequence[int] | np.ndarray, labels_idx: Sequence[int] | np.ndarray,
                       groups: Sequence[str]) -> dict[str, dict[str, float]]:
    """Accuracy within each group: {group: {"accuracy": float, "n": int}}, groups sorted."""
    pred, lab = np.asarray(predictions), np.asarray(labels_idx)
    grp = np.asarray([str(g) for g in groups], dtype=object)
    if not len(pred) == len(lab) == len(grp):
        raise ValueError(f"lengths differ: {len(pred)} predictions, {len(lab)} labels, {len(grp)} groups")
    out: dict[str, dict[str, float]] = {}
    for g in sorted(set(grp.tolist())):
        mask = grp == g
        out[g] = {"accuracy": float(np.mean(pred[mask] == lab[mask])), "n": int(mask.sum())}
    return out


# --- modality gap and collapse ---------------------------------------------
def modality_gap(audio_emb: np.ndarray, text_emb: np.ndarray, folds: int = 5, seed: int = 0,
                 max_per_side: int = 5000) -> dict[str, float]:
    """How far apart the audio and text clouds sit in the joint space.

    - centroid_distance: ||mean(audio) - mean(text)|| of unit vectors (0 = same centre,
      at most 2); the "modality gap" of Liang et al. 2022.
    - linear_separability: balanced accuracy of a class-balanced logistic regression
      telling audio from text, `folds`-fold stratified cross-validated (0.5 = the
      modalities are mixed, 1.0 = a hyperplane splits them). Folds shrink to the
      smaller side's size; NaN when either side has fewer than 2 embeddings. A
      below-chance score (it happens when the same point sits in both modalities: its
      twin in the training folds carries the other label) is reported as 0.5. Each
      side is subsampled (fixed seed) to `max_per_side` to bound the fit's cost.
    - mean_cosine_audio_text: mean cosine over all audio x text pairs.
    """
    a, t = _unit(audio_emb, "audio embeddings"), _unit(text_emb, "text embeddings")
    if a.shape[1] != t.shape[1]:
        raise ValueError(f"audio is {a.shape[1]}-d but text is {t.shape[1]}-d")
    mean_a, mean_t = a.mean(axis=0), t.mean(axis=0)
    return {"centroid_distance": float(np.linalg.norm(mean_a - mean_t)),
            "linear_separability": _separability(_subsample(a, max_per_side, seed),
                                                 _subsample(t, max_per_side, seed), folds, seed),
            "mean_cosine_audio_text": float(mean_a @ mean_t)}  # mean of a_i.t_j == dot of the means


def _subsample(x: np.ndarray, n: int, seed: int) -> np.ndarray:
    if len(x) <= n:
        return x
    return x[np.random.default_rng(seed).choice(len(x), n, replace=False)]


def _separability(a: np.ndarray, t: np.ndarray, folds: int, seed: int) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    n_folds = min(folds, len(a), len(t))
    if n_folds < 2:
        return float("nan")
    x = np.concatenate([a, t])
    y = np.concatenate([np.zeros(len(a)), np.ones(len(t))])
    # standardised features: a small but consistent offset between unit vectors counts
    # as separable, instead of being hidden by the default L2 penalty
    clf = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000))
    cv = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    score = float(np.mean(cross_val_score(clf, x, y, cv=cv, scoring="balanced_accuracy")))
    return max(score, 0.5)


def effective_rank(emb: np.ndarray) -> float:
    """exp(entropy of the normalised singular values) of the *uncentred* unit vectors.

    Roy & Vetterli 2007, as in RankMe (Garrido et al. 2023): 1 when every vector points
    the same way, up to min(N, D) when they fill the space evenly. The one definition
    used by training logs, model cards, `train.evaluate` and the map explorer.
    """
    return _rank_of_spectrum(np.linalg.svd(_unit(emb), compute_uv=False))


def _rank_of_spectrum(s: np.ndarray) -> float:
    p = s / s.sum()
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


def collapse_stats(emb: np.ndarray) -> dict[str, float]:
    """Signs of representation collapse in one set of embeddings (needs N >= 2).

    - mean_pairwise_cosine: mean cosine over distinct pairs (-> 1 when collapsed).
    - mean_dim_std: mean over dimensions of the per-dimension std of the unit vectors
      (-> 0 when collapsed; about 1/sqrt(D) for vectors spread evenly over the sphere);
      std_ratio = mean_dim_std * sqrt(D) (about 1 when spread evenly).
    - effective_rank: see `effective_rank`.
    - top1_singular_ratio: share of energy in the top direction, s1^2 / sum(s^2).
    """
    x = _unit(emb)
    n, d = x.shape
    if n < 2:
        raise ValueError("collapse_stats needs at least 2 embeddings")
    total = x.sum(axis=0)
    sq_norms = float(np.sum(x * x))
    # sum over i != j of x_i.x_j = ||sum x||^2 - sum ||x_i||^2 : O(ND), no N x N matrix
    mean_cos = (float(total @ total) - sq_norms) / (n * (n - 1))
    s = np.linalg.svd(x, compute_uv=False)
    dim_std = float(x.std(axis=0).mean())
    return {"mean_pairwise_cosine": mean_cos,
            "mean_dim_std": dim_std,
            "std_ratio": dim_std * float(np.sqrt(d)),
            "effective_rank": _rank_of_spectrum(s),
            "top1_singular_ratio": float(s[0] ** 2 / np.sum(s ** 2))}


# --- label structure ---------------------------------------------------------
def silhouette_by_label(emb: np.ndarray, labels: Sequence, max_samples: int | None = 5000,
                        seed: int = 0) -> float:
    """Mean cosine silhouette of the clips whose label has >= 2 members.

    Singleton labels still count as neighbouring clusters but are not averaged
    (their silhouette is 0 by convention, which would only dilute the score).
    NaN when there are fewer than 2 distinct labels or no label has 2 members.
    Above `max_samples` clips a fixed random subset is scored (silhouette is O(N^2)).
    """
    from sklearn.metrics import silhouette_samples

    x = _unit(emb)
    lab = np.asarray([str(v) for v in labels], dtype=object)
    if len(lab) != len(x):
        raise ValueError(f"{len(lab)} labels for {len(x)} embeddings")
    if max_samples is not None and len(x) > max_samples:
        keep = np.random.default_rng(seed).choice(len(x), max_samples, replace=False)
        x, lab = x[keep], lab[keep]
    values, counts = np.unique(lab, return_counts=True)
    if len(values) < 2 or counts.max() < 2 or len(values) >= len(x):
        return float("nan")
    scores = silhouette_samples(x, lab, metric="cosine")
    multi = np.isin(lab, values[counts >= 2])
    return float(np.mean(scores[multi]))


def knn_purity(emb: np.ndarray, labels: Sequence, k: int = 10) -> float:
    """Mean fraction of each clip's k nearest neighbours (cosine, self excluded) sharing its label.

    k is capped at N - 1; NaN when N < 2. Ties between neighbours break by index.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    x = _unit(emb)
    lab = np.asarray([str(v) for v in labels], dtype=object)
    if len(lab) != len(x):
        raise ValueError(f"{len(lab)} labels for {len(x)} embeddings")
    n = len(x)
    if n < 2:
        return float("nan")
    k = min(k, n - 1)
    hits = 0
    for start in range(0, n, _CHUNK):
        sims = x[start:start + _CHUNK] @ x.T
        rows = np.arange(sims.shape[0])
        sims[rows, start + rows] = -np.inf  # a clip is not its own neighbour
        nearest = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        hits += int(np.sum(lab[nearest] == lab[start + rows][:, None]))
    return hits / (n * k)
