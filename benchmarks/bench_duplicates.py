"""Near-duplicate threshold calibration and group quality.

    # 1. calibrate: a small library of known variants (its own seed), embedded directly
    python -m benchmarks.bench_duplicates calibrate --model mini-clap --work /work/data/lib/calib
    # 2. evaluate: groups found in a stored library against its manifest (benchmarks/testlib.py)
    python -m benchmarks.bench_duplicates evaluate --model mini-clap --store DIR --manifest LIB/manifest.csv

`calibrate` prints the cosine distributions of same-sound pairs (variants of one base) and
different-sound pairs (every other pair, mixes that contain a base included) and the
threshold with the best pair F1. `evaluate` reports pairwise precision / recall of the
found groups, the share of true groups recovered exactly, and the wall time.
"""
from __future__ import annotations

import argparse
import csv
import itertools
import json
import time
from pathlib import Path

import numpy as np

from app.embedders.registry import load_embedder
from benchmarks.testlib import generate

QUANTILES = (0.0, 0.01, 0.05, 0.5, 0.95, 0.99, 0.999, 1.0)


def read_manifest(path: Path) -> dict[str, str]:
    """{absolute file: base} of a testlib manifest."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {str((path.parent / r["file"]).resolve()): r["base"] for r in csv.DictReader(handle)}


def calibrate(model: str, work: Path, bases: int, variants: int) -> dict:
    manifest = work / "manifest.csv"
    if not manifest.is_file():
        generate(work, bases, variants, seed=1)  # another seed than the evaluated library
    truth = read_manifest(manifest)
    files = sorted(truth)
    embedder = load_embedder(model)
    vectors = np.concatenate([embedder.embed_audio(files[i:i + 64]) for i in range(0, len(files), 64)])
    cos = vectors @ vectors.T  # [N, N]: fine at calibration size (~1k), never on a library
    labels = np.array([truth[f] for f in files])
    same = labels[:, None] == labels[None, :]
    upper = np.triu(np.ones_like(same), k=1).astype(bool)
    pos, neg = cos[same & upper], cos[~same & upper]
    best = max(np.unique(np.round(pos, 3)), key=lambda t: _f1(pos, neg, t))
    return {"model": model, "files": len(files), "same_pairs": int(pos.size), "different_pairs": int(neg.size),
            "same_quantiles": _quantiles(pos), "different_quantiles": _quantiles(neg),
            "best_threshold": float(best), "pair_f1_at_best": round(_f1(pos, neg, best), 4),
            "same_recall_at_best": round(float((pos >= best).mean()), 4),
            "different_false_positives_at_best": int((neg >= best).sum())}


def _f1(pos: np.ndarray, neg: np.ndarray, t: float) -> float:
    tp, fp, fn = (pos >= t).sum(), (neg >= t).sum(), (pos < t).sum()
    return float(2 * tp / max(1, 2 * tp + fp + fn))


def _quantiles(x: np.ndarray) -> dict[str, float]:
    return {f"p{q * 100:g}": round(float(np.quantile(x, q)), 4) for q in QUANTILES}


def evaluate(model: str, store_dir: Path, manifest: Path, threshold: float | None, k: int) -> dict:
    from app.library.duplicates import DuplicateConfig, find_duplicates, threshold_for
    from app.store import collection_name, model_slug, open_store

    truth = read_manifest(manifest)
    config = DuplicateConfig(threshold=threshold if threshold is not None else threshold_for(model), k=k)
    with open_store(store_dir=store_dir) as store:
        name = collection_name(model_slug(model), "audio")
        start = time.perf_counter()
        groups = find_duplicates(store, name, config)
        seconds = time.perf_counter() - start
        stored = store.count(name)
    found = {frozenset(m["file"] for m in g if m["file"] in truth) for g in groups}
    found_pairs = {p for g in found for p in itertools.combinations(sorted(g), 2)}
    by_base: dict[str, list[str]] = {}
    for file, base in truth.items():
        by_base.setdefault(base, []).append(file)
    true_pairs = {p for files in by_base.values() for p in itertools.combinations(sorted(files), 2)}
    hit = len(found_pairs & true_pairs)
    exact = sum(frozenset(files) in found for files in by_base.values())
    return {"model": model, "threshold": config.threshold, "k": k, "stored_points": stored, "groups": len(groups),
            "seconds": round(seconds, 1), "pair_precision": round(hit / max(1, len(found_pairs)), 4),
            "pair_recall": round(hit / max(1, len(true_pairs)), 4),
            "true_groups_recovered_exactly": f"{exact}/{len(by_base)}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("calibrate", "evaluate"))
    parser.add_argument("--model", default="mini-clap")
    parser.add_argument("--work", type=Path, default=Path("/work/data/lib/calib"))
    parser.add_argument("--bases", type=int, default=200)
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--manifest", type=Path)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    if args.command == "calibrate":
        result = calibrate(args.model, args.work, args.bases, args.variants)
    else:
        result = evaluate(args.model, args.store, args.manifest, args.threshold, args.k)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
