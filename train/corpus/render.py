"""Split rendering: shards of clip indices rendered in worker processes straight into one
float16 memmap, metadata written in row order, plus FLAC files and manifest.csv for TEST."""
from __future__ import annotations

import csv
import json
import multiprocessing as mp
import os
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .config import CorpusConfig
from .recipes import render_clip
from .soundfonts import available_soundfonts, split_soundfonts

WAVES, META, MANIFEST, AUDIO_DIR = "waves.npy", "meta.jsonl", "manifest.csv", "audio"
MANIFEST_CAPTION_INDEX = 1  # first descriptive caption (index 0 is often the bare label)


def _render_shard(task: tuple) -> list[dict]:
    """Worker: render rows [start, end) into the shared memmap; return their metadata."""
    waves_path, split, seed, start, end, cfg, audio_dir = task
    waves = np.load(waves_path, mmap_mode="r+")
    metas = []
    for i in range(start, end):
        audio, meta = render_clip(seed, split, i, cfg)
        waves[i] = audio.astype(np.float16)
        if audio_dir:
            import soundfile as sf
            sf.write(Path(audio_dir) / f"{meta['id']}.flac", audio, cfg.clip.sample_rate, subtype="PCM_16")
        metas.append(meta)
    waves.flush()
    del waves
    return metas


def _worker_init() -> None:
    # One BLAS/FFT thread per worker: the pool already uses every core.
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def _write_manifest(split_dir: Path, metas: list[dict]) -> None:
    with open(split_dir / MANIFEST, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "label", "caption", "group"])
        for m in metas:
            caption = m["captions"][min(MANIFEST_CAPTION_INDEX, len(m["captions"]) - 1)]
            writer.writerow([f"{AUDIO_DIR}/{m['id']}.flac", m["label"], caption, m["group"]])


def _stats(metas: list[dict], seconds: float) -> dict:
    return {"rows": len(metas), "render_seconds": round(seconds, 1),
            "categories": dict(Counter(m["category"] for m in metas).most_common()),
            "groups": dict(Counter(m["group"] for m in metas).most_common()),
            "labels": len({m["label"] for m in metas}), "class_keys": len({m["class_key"] for m in metas}),
            "sources": dict(Counter(m["labels"].get("soundfont", m["source"].split(":")[0])
                                    for m in metas).most_common()),
            "real_recordings": sum(m["labels"].get("recorded") == "yes" for m in metas),
            "real_by_category": dict(Counter(m["category"] for m in metas
                                             if m["labels"].get("recorded") == "yes").most_common()),
            "packages": dict(Counter(p.split(":")[0] for m in metas for p in m["source"].split("|")
                                     if m["labels"].get("recorded") == "yes").most_common())}


def render_split(out_dir: Path, split: str, n: int, seed: int, workers: int, cfg: CorpusConfig,
                 write_audio: bool = False) -> dict:
    """Render one split into out_dir/split; returns summary stats."""
    split_dir = Path(out_dir) / split
    split_dir.mkdir(parents=True, exist_ok=True)
    waves_path = split_dir / WAVES
    np.lib.format.open_memmap(waves_path, mode="w+", dtype=np.float16, shape=(n, cfg.clip.n_samples)).flush()
    audio_dir = None
    if write_audio:
        audio_dir = split_dir / AUDIO_DIR
        audio_dir.mkdir(exist_ok=True)
    tasks = [(str(waves_path), split, seed, s, min(s + cfg.shard_size, n), cfg, audio_dir and str(audio_dir))
             for s in range(0, n, cfg.shard_size)]
    t0, metas = time.time(), []
    with open(split_dir / META, "w", encoding="utf-8") as fh:
        if workers <= 1:
            results = map(_render_shard, tasks)
            _write_all(fh, results, metas, n, split)
        else:
            with mp.get_context("fork").Pool(workers, initializer=_worker_init) as pool:
                _write_all(fh, pool.imap(_render_shard, tasks), metas, n, split)
    if write_audio:
        _write_manifest(split_dir, metas)
    stats = _stats(metas, time.time() - t0)
    (split_dir / "stats.json").write_text(json.dumps(stats, indent=1))
    return stats


def _write_all(fh, results, metas: list[dict], n: int, split: str) -> None:
    """Append shard metadata in row order as shards finish (imap keeps order)."""
    for shard in results:
        for m in shard:
            fh.write(json.dumps(m, ensure_ascii=False) + "\n")
        metas += shard
        fh.flush()
        print(f"[corpus] {split}: {len(metas)}/{n}", flush=True)


def render_corpus(out_dir: str | Path, n_train: int = 40_000, n_test: int = 3_000, seed: int = 0,
                  workers: int = 2, cfg: CorpusConfig | None = None) -> dict:
    """Render TRAIN and held-out TEST splits; writes corpus.json describing the run."""
    cfg = cfg or CorpusConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    held, allowed = cfg.split.held_out_soundfont, cfg.split.soundfonts
    summary = {"seed": seed, "sample_rate": cfg.clip.sample_rate, "seconds": cfg.clip.seconds,
               "soundfonts": {s: [f.name for f in split_soundfonts(s, held, allowed)] for s in ("train", "test")},
               "all_soundfonts": [f.name for f in available_soundfonts()], "config": asdict(cfg)}
    if cfg.real.root:
        from .provenance import write_sources
        summary["real"] = write_sources(cfg.real.root, out)
    summary["train"] = render_split(out, "train", n_train, seed, workers, cfg)
    summary["test"] = render_split(out, "test", n_test, seed, workers, cfg, write_audio=True)
    (out / "corpus.json").write_text(json.dumps(summary, indent=1, default=str))
    return summary


def load_split(split_dir: str | Path) -> tuple[np.ndarray, list[dict]]:
    """(waves memmap float16 [N, samples], list of meta dicts in row order)."""
    split_dir = Path(split_dir)
    waves = np.load(split_dir / WAVES, mmap_mode="r")
    with open(split_dir / META, encoding="utf-8") as fh:
        metas = [json.loads(line) for line in fh if line.strip()]
    if len(metas) != waves.shape[0]:
        raise ValueError(f"{split_dir}: {waves.shape[0]} waves but {len(metas)} meta rows")
    return waves, metas
