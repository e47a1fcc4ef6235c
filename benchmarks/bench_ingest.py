"""Benchmark the ingest worker end to end, then text-query latency over what it indexed.

    python -m benchmarks.bench_ingest                      # 100 files, mini-clap if shipped, else tiny CLAP
    python -m benchmarks.bench_ingest --n 500 --model clap-htsat-unfused --precision bf16

Files are synthetic 5 s clips (a few partials + noise, seeded, so every file has distinct
content) at mixed sample rates (16 / 22.05 / 44.1 kHz, some stereo), so decoding and
resampling are part of the measurement. Reports clips/s for the first run (decode +
embed + upsert + optimize), files/s for a re-run (hash + existence check only), and p50 /
p95 latency of `search_text` (text embedding + ANN search) and of the store search alone.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
QUERIES = ["a dog barking", "piano melody in a minor key", "a woman speaking french", "white noise",
           "an electric guitar solo", "drums and bass", "a sad slow violin", "birds singing at dawn"]
RATES = (16_000, 22_050, 44_100)


def write_clips(folder: Path, n: int, seconds: float, seed: int = 0) -> None:
    """n distinct synthetic clips as 16-bit WAV files."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        rate = RATES[i % len(RATES)]
        t = np.arange(int(seconds * rate)) / rate
        freqs = rng.uniform(80, 4000, size=3)
        wave = sum(np.sin(2 * np.pi * f * t) * rng.uniform(0.1, 0.3) for f in freqs)
        wave = wave + rng.uniform(0.0, 0.1) * rng.standard_normal(len(t))
        wave = np.clip(wave, -1, 1).astype(np.float32)
        data = np.stack([wave, wave[::-1]], 1) if i % 4 == 0 else wave  # a quarter are stereo
        sf.write(folder / f"clip_{i:05d}.wav", data, rate, subtype="PCM_16")


def pick_model(name: str | None, workdir: Path) -> str:
    """--model, else the shipped mini-clap, else a tiny random CLAP saved to `workdir`."""
    if name:
        return name
    if (REPO / "models" / "mini-clap" / "config.json").is_file():
        return "mini-clap"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from tests.conftest import build_tiny_clap

    return str(build_tiny_clap(workdir / "tiny-clap"))


def percentiles(values_ms: list[float]) -> str:
    arr = np.asarray(values_ms)
    return f"p50 {np.percentile(arr, 50):.2f} ms, p95 {np.percentile(arr, 95):.2f} ms"


def bench_queries(store, embedder, n_queries: int) -> None:
    """End-to-end `search_text` latency and store-only latency (text vectors precomputed)."""
    from app.collections import collection_of
    from app.search import search_text

    texts = [QUERIES[i % len(QUERIES)] + f" {i}" for i in range(n_queries)]  # defeat any caching
    search_text(store, embedder, texts[0], k=10)  # warm-up
    full = []
    for text in texts:
        start = time.perf_counter()
        search_text(store, embedder, text, k=10)
        full.append((time.perf_counter() - start) * 1e3)
    vectors = embedder.embed_text(texts)
    name = collection_of(embedder, "audio")
    ann = []
    for vector in vectors:
        start = time.perf_counter()
        store.search(name, vector, 10)
        ann.append((time.perf_counter() - start) * 1e3)
    print(f"search_text (embed text + ANN), {n_queries} queries: {percentiles(full)}")
    print(f"store.search alone (k=10):       {percentiles(ann)}")


def bench_stages(folder: Path, embedder, batch_size: int, limit: int = 32) -> None:
    """Per-clip cost of each stage alone, one thread: explains what the decode threads hide."""
    from app.audio import load_audio, resample
    from app.indexing import file_sha256, scan_audio_files

    paths = scan_audio_files([folder])[:limit]
    start = time.perf_counter()
    for path in paths:
        file_sha256(path)
    hashed = time.perf_counter()
    waves = []
    for path in paths:
        audio = load_audio(path)
        waves.append(resample(audio.samples, audio.sample_rate, embedder.sample_rate))
    decoded = time.perf_counter()
    for i in range(0, len(waves), batch_size):
        embedder.embed_audio(waves[i:i + batch_size])
    embedded = time.perf_counter()
    per = lambda a, b: (b - a) * 1e3 / len(paths)  # noqa: E731
    print(f"stages per clip (1 thread, {len(paths)} clips): hash {per(start, hashed):.2f} ms, "
          f"decode+resample {per(hashed, decoded):.1f} ms, embed {per(decoded, embedded):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="number of synthetic files")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--model", default=None)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch intra-op threads (1: decode threads get the other core; see docs/ingest.md)")
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    import torch

    from app.embedders import load_embedder
    from app.indexing import IngestConfig, ingest_paths
    from app.store import open_store

    torch.set_num_threads(args.threads)
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        write_clips(workdir / "clips", args.n, args.seconds)
        embedder = load_embedder(pick_model(args.model, workdir), args.precision)
        print(f"model {embedder.name} ({embedder.dim}-d, {embedder.sample_rate} Hz, {args.precision}), "
              f"{args.n} x {args.seconds:g} s files, batch {args.batch_size}, {args.workers} decode threads, "
              f"{args.threads} torch threads, {os.cpu_count()} CPUs")
        config = IngestConfig(batch_size=args.batch_size, workers=args.workers)
        with open_store(store_dir=workdir / "store") as store:
            report = ingest_paths([workdir / "clips"], [embedder], store, config)
            print(f"first run:  {report.summary_line()} in {report.seconds:.1f} s -> "
                  f"{report.indexed / report.seconds:.1f} clips/s")
            again = ingest_paths([workdir / "clips"], [embedder], store, config)
            print(f"re-run:     {again.summary_line()} in {again.seconds:.2f} s -> "
                  f"{args.n / again.seconds:.0f} files/s (hash + existence check)")
            bench_queries(store, embedder, args.queries)
        bench_stages(workdir / "clips", embedder, args.batch_size)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
