"""Zero-shot tag accuracy on the demo set (its metadata.csv is the ground truth).

    python -m benchmarks.eval_tags --model mini-clap [--temperature 0.02 0.05]

Reports, per temperature: accuracy of the gating `kind` facet, and top-1 accuracy of the
language (speech clips), family and instrument facets where metadata names them. Only the
clips whose metadata value is one of the facet's tags count for that facet.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from app.bootstrap import read_metadata
from app.embedders.registry import load_embedder
from app.library.tags import Tagger, TagConfig, load_facets
from app.settings import DEMO_DIR

KIND_OF_CATEGORY = {"speech": "speech", "synthetic": "signal", "emotional": "instrument"}
DRUM_FAMILIES = {"drums", "percussion"}


def expected_kind(row: dict) -> str:
    if row["category"] == "instrumental":
        return "drums" if row["family"] in DRUM_FAMILIES else "instrument"
    return KIND_OF_CATEGORY.get(row["category"], "")


def evaluate(tagger: Tagger, vectors: np.ndarray, rows: list[dict]) -> dict[str, str]:
    """Top-1 accuracy per checked facet, each facet scored on its own (ungated)."""
    cosines = vectors @ tagger.prompt_vectors().T  # [N, P]
    truth_of = {"kind": expected_kind, "language": lambda r: r["language"].lower(),
                "family": lambda r: r["family"], "instrument": lambda r: r["instrument"]}
    out = {}
    for facet in (f for f in tagger.facets if f.name in truth_of):
        best = np.argmax(cosines[:, tagger.facet_slice(facet.name)], axis=1)
        pairs = [(facet.tags[b], truth_of[facet.name](r)) for b, r in zip(best, rows)]
        pairs = [(guess, truth) for guess, truth in pairs if truth in facet.tags]
        hits = sum(guess == truth for guess, truth in pairs)
        out[facet.name] = f"{hits}/{len(pairs)} ({hits / max(1, len(pairs)):.0%}, chance {1 / len(facet.tags):.0%})"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mini-clap")
    parser.add_argument("--temperature", type=float, nargs="+", default=[0.02])
    args = parser.parse_args()
    meta = read_metadata(Path(DEMO_DIR) / "metadata.csv")
    rows = [dict(row, path=path) for path, row in meta.items()]
    embedder = load_embedder(args.model)
    vectors = embedder.embed_audio([r["path"] for r in rows])
    for temp in args.temperature:
        tagger = Tagger(embedder, load_facets(), TagConfig(temperature=temp))
        print(args.model, f"T={temp}", evaluate(tagger, vectors, rows))


if __name__ == "__main__":
    main()
