"""Library operations over a stored library: search latency per mode, facet counts, re-tagging.

    python -m benchmarks.bench_library --store /work/data/lib/store --model mini-clap [--queries 30]

Search p50/p95 is measured in-process (what the server spends per request, minus HTTP),
with a query-text embedding each time, over a fixed list of queries; a first warm-up
query is not counted.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from app.embedders.registry import load_embedder
from app.library.query import MODES, Filters, search_library
from app.library.tags import Tagger, facet_counts, retag_collection
from app.store import collection_name, model_slug, open_store

QUERIES = ("snare drum", "warm piano chords", "a woman speaking", "white noise", "church organ", "siren",
           "acoustic guitar", "kick", "violin melody", "thunder and rain")


def _ms(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(samples, 50)) * 1e3, 1),
            "p95_ms": round(float(np.percentile(samples, 95)) * 1e3, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--model", default="mini-clap")
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--retag", action="store_true", help="also time `python -m ingest tags` (rewrites payloads)")
    args = parser.parse_args()
    embedder = load_embedder(args.model)
    name = collection_name(model_slug(args.model), "audio")
    out: dict[str, object] = {"model": args.model}
    with open_store(store_dir=args.store) as store:
        out["points"] = store.count(name)
        search_library(store, embedder, "warm-up", "vector", 10)
        for mode in MODES:
            for label, filters in (("", Filters()), ("+folder+duration", Filters(folder="instrumental",
                                                                                  max_duration=4.9))):
                times = []
                for i in range(args.queries):
                    start = time.perf_counter()
                    search_library(store, embedder, QUERIES[i % len(QUERIES)], mode, 20, filters)
                    times.append(time.perf_counter() - start)
                out[f"search {mode}{label}"] = _ms(times)
        start = time.perf_counter()
        counts = facet_counts(store, name)
        out["facet_counts_s"] = round(time.perf_counter() - start, 2)
        out["top_tags"] = {f: c[:5] for f, c in counts.items()}
        if args.retag:
            start = time.perf_counter()
            n = retag_collection(store, name, Tagger(embedder))
            out["retag"] = {"points": n, "seconds": round(time.perf_counter() - start, 1)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
