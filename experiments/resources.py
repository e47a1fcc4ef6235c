"""Experiment 4: resources — the curves, not single numbers.

Per model: load time and peak memory (measured in a fresh child process, so one model's
allocations do not hide another's), embedding time vs clip length and vs batch size, text
throughput. Per embedding width: projection time vs N (PCA / t-SNE / UMAP, app.analysis)
and, in the embedded Qdrant store (app.store), size on disk, build time and query latency
vs the number of stored vectors (synthetic clustered unit vectors; recall@10 against exact
search). All timings are wall-clock on this machine; see `machine` in the rows.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from app.embedders.base import l2_normalize
from experiments.charts import Chart, series_by
from experiments.reading import models_of, num, one, per_model, pick

NAME = "resources"
TITLE = "Resources"
QUESTION = ("What does each model cost: load time, memory, embedding time vs clip length and batch size, text "
            "throughput; and how do projections and the embedded store scale with N?")
USES_SET = False
LENGTHS_S = (1.0, 5.0, 10.0, 30.0)
BATCHES = (1, 4, 16, 32)
QUERIES = 200
REPEATS = 3
PROBE_TIMEOUT_S = 300
TABLE_COLUMNS = ("model", "measure", "x", "seconds", "per_item_ms", "value", "unit", "note")


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, torch threads {_torch_threads()}"


def _torch_threads() -> int:
    try:
        import torch

        return torch.get_num_threads()
    except ImportError:  # pragma: no cover
        return 0


def run(session) -> list[dict]:
    rows: list[dict] = []
    dims: dict[int, str] = {}
    for model in session.steps(session.models, "resources: models"):
        emb = session.embedder(model)
        dims.setdefault(emb.dim, model)
        rows += load_rows(model, injected=session.injected(model))
        rows += speed_rows(session, model)
    for dim, model in dims.items():
        rows += projection_rows(session, model, dim)
        rows += store_rows(session, model, dim)
    for r in rows:
        r.setdefault("machine", machine())
    return rows


def load_rows(model: str, injected: bool = False) -> list[dict]:
    """Load time and peak RSS of a fresh process that loads the model and embeds 16 x 10 s."""
    if injected:
        return [{"model": model, "measure": "load", "note": "built in-process (not a registry model): not measured"}]
    code = ("import json,resource,sys,time;t=time.perf_counter();from app.embedders import load_embedder;"
            "import numpy as np;e=load_embedder(sys.argv[1]);load=time.perf_counter()-t;"
            "r1=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
            "e.embed_audio([np.zeros(e.sample_rate*10,np.float32)+1e-3]*16);e.embed_text(['a dog barking']*16);"
            "r2=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
            "print(json.dumps({'load_s':load,'rss_load_mb':r1/1024,'rss_peak_mb':r2/1024}))")
    repo = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": repo + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        proc = subprocess.run([sys.executable, "-c", code, model], capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT_S, cwd=repo, env=env)
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, json.JSONDecodeError, IndexError) as exc:
        return [{"model": model, "measure": "load", "note": f"child process failed: {type(exc).__name__}"}]
    return [{"model": model, "measure": "load time", "seconds": out["load_s"], "unit": "s",
             "note": "import + weights, fresh process"},
            {"model": model, "measure": "memory after load", "value": out["rss_load_mb"], "unit": "MB RSS"},
            {"model": model, "measure": "peak memory (16 x 10 s + 16 texts)", "value": out["rss_peak_mb"],
             "unit": "MB RSS"}]


def _timed(fn, repeats: int = REPEATS) -> float:
    best = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best.append(time.perf_counter() - start)
    return float(np.median(best))


def speed_rows(session, model: str) -> list[dict]:
    emb = session.embedder(model)
    rng = np.random.default_rng(0)
    clip = lambda s: (0.1 * rng.standard_normal(int(s * emb.sample_rate))).astype(np.float32)  # noqa: E731
    emb.embed_audio([clip(1.0)])  # warm-up (first call allocates)
    rows = []
    for seconds in LENGTHS_S:
        session.check()
        wave = clip(seconds)
        t = _timed(lambda: emb.embed_audio([wave]))
        rows.append({"model": model, "measure": "embed time vs clip length", "x": seconds, "seconds": t,
                     "per_item_ms": 1e3 * t, "value": seconds / t, "unit": "x real time"})
    for batch in BATCHES:
        session.check()
        waves = [clip(5.0) for _ in range(batch)]
        t = _timed(lambda: emb.embed_audio(waves))
        rows.append({"model": model, "measure": "embed time vs batch (5 s clips)", "x": batch, "seconds": t,
                     "per_item_ms": 1e3 * t / batch, "value": batch / t, "unit": "clips/s"})
    texts = [f"a recording of sound number {i} in a small room" for i in range(256)]
    emb.embed_text(texts[:4])
    t = _timed(lambda: emb.embed_text(texts), 1)
    rows.append({"model": model, "measure": "text throughput", "x": len(texts), "seconds": t,
                 "per_item_ms": 1e3 * t / len(texts), "value": len(texts) / t, "unit": "texts/s"})
    return rows


def clustered(n: int, dim: int, seed: int = 0, clusters: int = 1000) -> np.ndarray:
    """[n, dim] unit vectors around `clusters` random centres, cosine ~0.7 to their centre
    (more like embeddings than uniform noise, without exact near-duplicates)."""
    rng = np.random.default_rng(seed)
    centres = l2_normalize(rng.standard_normal((clusters, dim)))
    out = np.empty((n, dim), np.float32)
    for start in range(0, n, 50_000):
        m = min(50_000, n - start)
        noise = rng.standard_normal((m, dim)) / np.sqrt(dim)  # unit-norm on average
        out[start:start + m] = l2_normalize(centres[rng.integers(0, clusters, m)] + noise)
    return out


def projection_rows(session, model: str, dim: int) -> list[dict]:
    from app.analysis.projections import project

    rows = []
    warm = clustered(40, dim, 9)
    methods = session.config.projection_methods
    for method in methods:  # the first UMAP call JIT-compiles (numba); time it apart
        start = time.perf_counter()
        project(warm, method)
        rows.append({"model": model, "measure": f"projection first call ({method})", "x": 40,
                     "seconds": time.perf_counter() - start, "unit": "s", "note": f"dim {dim}; includes JIT/imports"})
    for n in session.config.projection_sizes:
        x = clustered(n, dim, 1)
        for method in methods:
            session.check()
            start = time.perf_counter()
            project(x, method)
            rows.append({"model": model, "measure": f"projection time ({method})", "method": method, "x": n,
                         "seconds": time.perf_counter() - start, "unit": "s", "note": f"dim {dim}"})
    return rows


def store_rows(session, model: str, dim: int) -> list[dict]:
    """Build an embedded store of each size (fresh temp dir), measure it, delete it."""
    from app.store import open_store

    rows = []
    for n in sorted(session.config.store_sizes):
        session.check()
        vectors = clustered(n, dim, 2)
        queries = clustered(QUERIES, dim, 3)
        with tempfile.TemporaryDirectory(prefix="aeb-exp-store-") as tmp:
            store = open_store(store_dir=tmp)
            try:
                start = time.perf_counter()
                store.ensure_collection("bench", dim)
                for s in range(0, n, 20_000):
                    ids = [str(i) for i in range(s, min(n, s + 20_000))]
                    store.upsert("bench", ids, vectors[s:s + len(ids)], [{"set": "bench"}] * len(ids))
                upsert_s = time.perf_counter() - start
                start = time.perf_counter()
                store.optimize("bench")
                optimize_s = time.perf_counter() - start
                lat, recall = _query(store, vectors, queries)
            finally:
                store.close()
            size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file()) / 2 ** 20
        base = {"model": model, "x": n, "note": f"dim {dim}, int8 HNSW + float32 rescoring"}
        rows += [{**base, "measure": "store size on disk", "value": size, "unit": "MB"},
                 {**base, "measure": "store upsert time", "seconds": upsert_s, "unit": "s"},
                 {**base, "measure": "store index build (optimize)", "seconds": optimize_s, "unit": "s"},
                 {**base, "measure": "query latency p50", "per_item_ms": float(np.median(lat)), "unit": "ms"},
                 {**base, "measure": "query latency p95", "per_item_ms": float(np.quantile(lat, 0.95)), "unit": "ms"},
                 {**base, "measure": "recall@10 vs exact", "value": recall, "unit": "fraction"}]
    return rows


def _query(store, vectors: np.ndarray, queries: np.ndarray) -> tuple[list[float], float]:
    lat, hits = [], []
    for q in queries:
        start = time.perf_counter()
        found = store.search("bench", q, 10)
        lat.append(1e3 * (time.perf_counter() - start))
        hits.append({h.id for h in found})
    exact = _exact_top10(vectors, queries[:50])
    recall = float(np.mean([len(h & e) / 10 for h, e in zip(hits[:50], exact)]))
    return lat, recall


def _exact_top10(vectors: np.ndarray, queries: np.ndarray) -> list[set[str]]:
    best = np.full((len(queries), 0), -np.inf)
    best_idx = np.zeros((len(queries), 0), np.int64)
    for s in range(0, len(vectors), 100_000):  # chunked: 1M x D never becomes one score matrix
        scores = queries @ vectors[s:s + 100_000].T
        allv = np.concatenate([best, scores], 1)
        alli = np.concatenate([best_idx, np.arange(s, s + scores.shape[1])[None].repeat(len(queries), 0)], 1)
        top = np.argpartition(-allv, 10, axis=1)[:, :10]
        best, best_idx = np.take_along_axis(allv, top, 1), np.take_along_axis(alli, top, 1)
    return [{str(i) for i in row} for row in best_idx]


def charts(rows: list[dict]) -> list[Chart]:
    proj = [r for r in rows if r["measure"].startswith("projection time")]
    return [Chart("embed-length", "embedding time vs clip length", "line", "clip length (s)", "seconds",
                  series_by(rows, "model", "x", "seconds", where={"measure": "embed time vs clip length"}), log_x=True),
            Chart("embed-batch", "time per clip vs batch size (5 s clips)", "line", "batch size", "ms per clip",
                  series_by(rows, "model", "x", "per_item_ms", where={"measure": "embed time vs batch (5 s clips)"}),
                  log_x=True),
            Chart("projection", "projection time vs N", "line", "N points", "seconds",
                  series_by(proj, "measure", "x", "seconds"), log_x=True, log_y=True),
            Chart("store-latency", "embedded store: query latency vs stored vectors", "line", "vectors", "ms",
                  series_by([r for r in rows if r["measure"].startswith("query latency")], "measure", "x",
                            "per_item_ms"), log_x=True),
            Chart("store-size", "embedded store: size on disk vs stored vectors", "line", "vectors", "MB",
                  series_by(rows, "note", "x", "value", where={"measure": "store size on disk"}), log_x=True,
                  log_y=True)]


def readings(rows: list[dict]) -> list[str]:
    models = models_of(rows)
    if not models:
        return []
    get = lambda m, measure, key, x=None: (one(rows, model=m, measure=measure, **({"x": x} if x is not None else {})) or {}).get(key)  # noqa: E731
    where = next((r["machine"] for r in rows if r.get("machine")), "this machine")
    out = [f"Measured on {where} (wall clock; other work on the machine adds noise).",
           f"Load time (fresh process): {per_model(models, lambda m: get(m, 'load time', 'seconds'), lambda v: num(v, 1) + ' s', False)}; "
           f"peak memory: {per_model(models, lambda m: get(m, 'peak memory (16 x 10 s + 16 texts)', 'value'), lambda v: num(v, 0) + ' MB', False)}.",
           f"Embedding a 10 s clip runs at {per_model(models, lambda m: get(m, 'embed time vs clip length', 'value', 10.0), lambda v: num(v, 0) + 'x real time')}; "
           f"batching 32 clips gives {per_model(models, lambda m: get(m, 'embed time vs batch (5 s clips)', 'value', 32), lambda v: num(v, 0) + ' clips/s')} "
           f"vs {per_model(models, lambda m: get(m, 'embed time vs batch (5 s clips)', 'value', 1), lambda v: num(v, 0) + ' clips/s')} one at a time; "
           f"text: {per_model(models, lambda m: get(m, 'text throughput', 'value'), lambda v: num(v, 0) + ' texts/s')}."]
    sizes = sorted({r["x"] for r in rows if r["measure"] == "store size on disk"})
    if sizes:
        lo, hi = sizes[0], sizes[-1]
        m = next(r["model"] for r in rows if r["measure"] == "store size on disk")
        p50 = lambda n: get(m, "query latency p50", "per_item_ms", n)  # noqa: E731
        out.append(f"Embedded store from {lo:,} to {hi:,} vectors: query p50 {num(p50(lo))} -> {num(p50(hi))} ms, "
                   f"size {num(get(m, 'store size on disk', 'value', lo), 1)} -> {num(get(m, 'store size on disk', 'value', hi), 1)} MB, "
                   f"index build {num(get(m, 'store index build (optimize)', 'seconds', hi), 1)} s at {hi:,}, "
                   f"recall@10 {num(get(m, 'recall@10 vs exact', 'value', hi), 3)} against exact search (the synthetic "
                   "clusters make a clip's nearest neighbours almost tied, a hard case for HNSW; "
                   "docs/benchmarks.md measures recall on more separated data).")
    proj = pick(rows, measure="projection time (tsne)")
    if proj:
        big = max(proj, key=lambda r: r["x"])
        pca = one(rows, measure="projection time (pca)", x=big["x"]) or {}
        umap = one(rows, measure="projection time (umap)", x=big["x"]) or {}
        out.append(f"At N = {big['x']:,}: PCA {num(pca.get('seconds'), 3)} s, t-SNE {num(big['seconds'], 1)} s, "
                   f"UMAP {num(umap.get('seconds'), 1)} s (after a first-call cost of "
                   f"{num((one(rows, measure='projection first call (umap)') or {}).get('seconds'), 1)} s).")
    return out
