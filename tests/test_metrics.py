"""Embedding metrics on hand-made arrays whose answers are known in advance."""
from __future__ import annotations

import math

import numpy as np
import pytest

from app.analysis.metrics import (collapse_stats, effective_rank, knn_purity, modality_gap, per_group_accuracy,
                                  recall_at_k, silhouette_by_label, zero_shot_accuracy)
from app.analysis.zeroshot import DEFAULT_TEMPLATES, class_text_embeddings, validate_templates


def _cloud(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d))


# --- recall@k ------------------------------------------------------------------
def test_perfect_retrieval_has_recall_one():
    x = _cloud(30)
    assert recall_at_k(x, x, np.arange(30)) == {"R@1": 1.0, "R@5": 1.0, "R@10": 1.0}


def test_recall_with_relevant_target_at_known_rank():
    # every query scores target j with weight 10 - j, and query i's relevant target is i,
    # so query i finds it at rank i: R@1 = 1/10, R@5 = 5/10, R@10 = 10/10
    targets = np.eye(10)
    queries = np.tile(np.arange(10, 0, -1, dtype=float), (10, 1))
    assert recall_at_k(queries, targets, np.arange(10)) == {"R@1": 0.1, "R@5": 0.5, "R@10": 1.0}


def test_permuted_ground_truth_scores_zero_at_one():
    x = np.eye(8)
    shifted = np.roll(np.arange(8), 1)  # the right answer is always someone else's vector
    assert recall_at_k(x, x, shifted, ks=(1,))["R@1"] == 0.0


def test_sets_of_relevant_targets_count_any_hit():
    targets = np.eye(4)
    queries = np.array([[1.0, 0.9, 0, 0], [0, 0, 0.5, 1.0]])
    assert recall_at_k(queries, targets, [{1}, {0, 2}], ks=(1, 2)) == {"R@1": 0.0, "R@2": 1.0}
    assert recall_at_k(queries, targets, [{0, 1}, {3}], ks=(1,)) == {"R@1": 1.0}


def test_ties_count_against_the_query():
    same = np.ones((5, 4))  # a collapsed model: every score equal
    assert recall_at_k(same, same, np.arange(5), ks=(1,))["R@1"] == 0.0


def test_recall_rejects_bad_ground_truth():
    x = _cloud(4)
    with pytest.raises(ValueError, match="3 entries for 4 queries"):
        recall_at_k(x, x, [0, 1, 2])
    with pytest.raises(ValueError, match="out of range"):
        recall_at_k(x, x, [0, 1, 2, 9])
    with pytest.raises(ValueError, match="-d"):
        recall_at_k(x, _cloud(4, d=8), np.arange(4))


# --- zero-shot and groups ---------------------------------------------------------
def test_zero_shot_accuracy_and_predictions():
    classes = np.eye(3)
    audio = np.array([[1, 0.1, 0], [0, 1, 0.2], [0.9, 0, 0.1], [0, 0.1, 1]])
    acc, pred = zero_shot_accuracy(audio, classes, [0, 1, 2, 2])
    assert pred.tolist() == [0, 1, 0, 2]
    assert acc == pytest.approx(0.75)
    with pytest.raises(ValueError, match="out of range"):
        zero_shot_accuracy(audio, classes, [0, 1, 2, 3])


def test_per_group_accuracy():
    out = per_group_accuracy([0, 1, 0, 2], [0, 1, 2, 2], ["a", "a", "b", "b"])
    assert out == {"a": {"accuracy": 1.0, "n": 2}, "b": {"accuracy": 0.5, "n": 2}}
    with pytest.raises(ValueError, match="lengths differ"):
        per_group_accuracy([0], [0, 1], ["a", "b"])


# --- modality gap --------------------------------------------------------------
def test_identical_modalities_have_no_gap():
    x = _cloud(40)
    gap = modality_gap(x, x)
    assert gap["centroid_distance"] == pytest.approx(0.0, abs=1e-12)
    assert gap["linear_separability"] == pytest.approx(0.5, abs=0.05)


def test_same_distribution_is_not_separable():
    gap = modality_gap(_cloud(150, seed=1), _cloud(120, seed=2))
    assert abs(gap["linear_separability"] - 0.5) < 0.12
    assert gap["centroid_distance"] < 0.3


def test_shifted_clouds_are_separable():
    shift = np.zeros(16)
    shift[0] = 4.0
    audio, text = _cloud(60, seed=1) + shift, _cloud(25, seed=2) - shift
    gap = modality_gap(audio, text)
    assert gap["linear_separability"] > 0.97
    assert gap["centroid_distance"] > 1.0
    assert gap["mean_cosine_audio_text"] < -0.5


def test_separability_is_nan_with_one_text():
    gap = modality_gap(_cloud(10), _cloud(1, seed=3))
    assert math.isnan(gap["linear_separability"])
    assert np.isfinite(gap["centroid_distance"])


# --- collapse -----------------------------------------------------------------
def test_collapsed_embeddings():
    x = np.ones((30, 8)) + 1e-7 * _cloud(30, d=8)
    stats = collapse_stats(x)
    assert stats["effective_rank"] == pytest.approx(1.0, abs=1e-3)
    assert stats["mean_pairwise_cosine"] == pytest.approx(1.0, abs=1e-6)
    assert stats["top1_singular_ratio"] == pytest.approx(1.0, abs=1e-6)
    assert stats["mean_dim_std"] < 1e-5


def test_orthonormal_embeddings_are_full_rank():
    stats = collapse_stats(np.eye(8))
    assert stats["effective_rank"] == pytest.approx(8.0)
    assert stats["mean_pairwise_cosine"] == pytest.approx(0.0)
    assert stats["top1_singular_ratio"] == pytest.approx(1 / 8)


def test_effective_rank_counts_the_directions_in_use():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((64, 64)))[0][:, :5]  # 5 orthonormal directions in 64-d
    five = np.repeat(basis.T, 40, axis=0)  # every direction used equally
    assert effective_rank(five) == pytest.approx(5.0, rel=1e-6)
    assert collapse_stats(five)["effective_rank"] == pytest.approx(effective_rank(five), rel=1e-12)  # one definition
    spread = rng.standard_normal((2000, 64))
    assert effective_rank(spread) > 55 and collapse_stats(spread)["std_ratio"] == pytest.approx(1.0, abs=0.05)


def test_collapse_needs_two_embeddings():
    with pytest.raises(ValueError, match="at least 2"):
        collapse_stats(np.ones((1, 4)))
    with pytest.raises(ValueError, match="non-empty"):
        collapse_stats(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="NaN"):
        collapse_stats(np.array([[1.0, np.nan], [0.0, 1.0]]))


# --- label structure ------------------------------------------------------------
def _two_clusters() -> tuple[np.ndarray, list[str]]:
    shift = np.zeros(16)
    shift[0] = 10.0
    x = np.concatenate([_cloud(20, seed=1) + shift, _cloud(20, seed=2) - shift])
    return x, ["a"] * 20 + ["b"] * 20


def test_silhouette_separated_vs_random():
    x, labels = _two_clusters()
    assert silhouette_by_label(x, labels) > 0.7
    assert abs(silhouette_by_label(_cloud(40), labels)) < 0.1


def test_silhouette_degenerate_inputs_are_nan():
    x, labels = _two_clusters()
    assert math.isnan(silhouette_by_label(x, ["a"] * 40))  # one label
    assert math.isnan(silhouette_by_label(x[:3], ["a", "b", "c"]))  # every label a singleton


def test_silhouette_ignores_singleton_labels():
    from sklearn.metrics import silhouette_score

    x, labels = _two_clusters()
    with_odd, odd_labels = np.concatenate([x, _cloud(1, seed=9)]), labels + ["lonely"]
    # sklearn averages the singleton's silhouette of 0 over all 41 clips; we leave it out
    diluted = silhouette_score(with_odd, odd_labels, metric="cosine")
    assert silhouette_by_label(with_odd, odd_labels) == pytest.approx(diluted * 41 / 40)


def test_knn_purity():
    x, labels = _two_clusters()
    assert knn_purity(x, labels, k=5) == 1.0
    # two clips, two labels: each one's only neighbour has the other label (self excluded)
    assert knn_purity(np.eye(2), ["a", "b"], k=10) == 0.0
    assert math.isnan(knn_purity(np.eye(2)[:1], ["a"]))
    with pytest.raises(ValueError, match="k must be"):
        knn_purity(x, labels, k=0)


# --- zero-shot prompts ------------------------------------------------------------
class _FakeEmbedder:
    """Text embedder that maps each prompt to a fixed random vector (records prompts)."""

    def __init__(self):
        self.prompts: list[str] = []

    def embed_text(self, texts):
        self.prompts += list(texts)
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(8) for t in texts]
        return np.array(rows) / np.linalg.norm(rows, axis=1, keepdims=True)


def test_class_text_embeddings_average_templates():
    fake = _FakeEmbedder()
    emb = class_text_embeddings(fake, ["dog_bark", "  Piano "], templates=["{label}", "the sound of {label}"])
    assert emb.shape == (2, 8)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-6)
    assert fake.prompts == ["dog bark", "the sound of dog bark", "Piano", "the sound of Piano"]
    single = class_text_embeddings(_FakeEmbedder(), ["dog_bark"], templates=["{label}"])
    assert not np.allclose(single[0], emb[0])  # the average differs from one template


def test_templates_are_validated():
    assert validate_templates(DEFAULT_TEMPLATES) == DEFAULT_TEMPLATES
    with pytest.raises(ValueError, match="must contain"):
        validate_templates(["a sound"])
    with pytest.raises(ValueError, match="at least one"):
        validate_templates([])
