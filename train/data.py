"""Training data for the mini models: log-mels + cached MiniLM caption vectors.

The corpus (`train.corpus`, `data/corpus/{train,test}/waves.npy + meta.jsonl`) is memory-
mapped. What the frozen parts would recompute is cached under `data/cache/`:

- `captions/*.npz`: MiniLM vectors (float32 [U, 384]) by caption text, through the same
  `app.embedders.mini.encode_minilm` used at inference; incremental and shardable
  (`python -m train.data --what captions --captions-shard i/n`);
- `mels/<key>/mel.npy` (optional, `cache_mels=True`): float16 dB log-mels of every clip.
  Without it, log-mels of each batch's crops are computed on the fly with the same
  `app.embedders.mel.LogMel` the shipped embedder uses (cheaper when a CPU run sees
  each clip only a few times).

Batches and augmentation: `train.batches`.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from app.embedders.mel import LogMel, MelConfig


# --- corpus -----------------------------------------------------------------------
def load_split(split_dir: str | Path) -> tuple[np.ndarray, list[dict]]:
    """(waves float16 memmap [N, samples], metas in row order) of one corpus split."""
    try:
        from train.corpus import load_split as corpus_load_split

        return corpus_load_split(split_dir)
    except ImportError:  # pragma: no cover - corpus package absent: read the files directly
        split_dir = Path(split_dir)
        waves = np.load(split_dir / "waves.npy", mmap_mode="r")
        with open(split_dir / "meta.jsonl", encoding="utf-8") as fh:
            metas = [json.loads(line) for line in fh if line.strip()]
        if len(metas) != waves.shape[0]:
            raise ValueError(f"{split_dir}: {waves.shape[0]} waves but {len(metas)} meta rows")
        return waves, metas


def check_corpus_rate(corpus_dir: str | Path, model_rate: int) -> None:
    """Refuse a corpus rendered at another sample rate than the model's front end expects."""
    info = Path(corpus_dir) / "corpus.json"
    rate = json.loads(info.read_text()).get("sample_rate") if info.is_file() else None
    if rate is not None and int(rate) != int(model_rate):
        raise ValueError(f"{corpus_dir} is rendered at {rate} Hz but the model's log-mel front end expects "
                         f"{model_rate} Hz: re-render the corpus at {model_rate} Hz")


def corpus_summary(corpus_dir: str | Path) -> dict:
    """What a model card needs to know about the corpus: its corpus.json minus the bulky config."""
    info = Path(corpus_dir) / "corpus.json"
    if not info.is_file():
        return {"path": str(corpus_dir)}
    summary = json.loads(info.read_text())
    summary.pop("config", None)
    return {"path": str(corpus_dir), **summary}


def select_captions(meta: dict, max_captions: int = 0) -> list[str]:
    """The captions of a clip used for training (all, or at most `max_captions`).

    Deterministic per clip id: always the first two (the corpus puts the bare label first
    and the manifest's caption second), then a seeded random choice of the rest. Bounding
    the count bounds the one-off MiniLM cost of the cache on a small CPU.
    """
    caps = list(meta["captions"])
    if max_captions <= 0 or len(caps) <= max_captions:
        return caps
    seed = int(hashlib.sha1(str(meta.get("id", "")).encode()).hexdigest()[:8], 16)
    rest = np.random.default_rng(seed).permutation(np.arange(2, len(caps)))[: max(0, max_captions - 2)]
    return caps[:2] + [caps[i] for i in sorted(rest)]


def class_key(meta: dict) -> str:
    """Clips sharing this key count as positives of each other (multi-positive InfoNCE)."""
    return str(meta.get("class_key") or meta.get("label") or meta.get("id"))


# --- feature cache --------------------------------------------------------------------
@dataclass
class SplitFeatures:
    """Everything training needs about one split (waves and cached mels memory-mapped)."""

    waves: np.ndarray  # float16 [N, samples] at mel_cfg.sample_rate
    mels: np.ndarray | None  # float16 [N, M, F] dB when cached, else computed on the fly
    mel_cfg: MelConfig
    caption_texts: list[list[str]]  # per clip, the captions selected for training
    caption_ids: list[list[int]]  # per clip, ids into CaptionBank (only captions with vectors)
    class_ids: np.ndarray  # int64 [N]
    labels: list[str]
    categories: list[str]
    groups: list[str]
    class_keys: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.caption_ids)

    @property
    def n_frames(self) -> int:
        return self.mel_cfg.frames(self.waves.shape[1])

    def mel_crops(self, rows: np.ndarray, starts: np.ndarray, frames: int) -> torch.Tensor:
        """dB log-mels [B, M, frames] of rows, each from frame `starts[i]` (cache or on the fly)."""
        rows = np.asarray(rows)
        if self.mels is not None:
            x = np.empty((len(rows), self.mels.shape[1], frames), dtype=np.float32)
            for j in np.argsort(rows):  # sorted reads are kinder to the memmap
                x[j] = self.mels[rows[j], :, starts[j] : starts[j] + frames]
            return torch.from_numpy(x)
        hop = self.mel_cfg.hop
        length = (frames - 1) * hop
        w = np.empty((len(rows), length), dtype=np.float32)
        for j in np.argsort(rows):
            s = int(starts[j]) * hop
            chunk = self.waves[rows[j], s : s + length]
            w[j, : len(chunk)] = chunk
            w[j, len(chunk) :] = 0.0
        with torch.no_grad():
            return _logmel(self.mel_cfg)(torch.from_numpy(w))

    def full_mels(self, rows: np.ndarray, batch: int = 64):
        """Yield un-augmented full-length mels of `rows` in chunks of `batch` (evaluation)."""
        rows = np.asarray(rows)
        for s in range(0, len(rows), batch):
            part = rows[s : s + batch]
            yield self.mel_crops(part, np.zeros(len(part), dtype=np.int64), self.n_frames)


_LOGMEL: dict[MelConfig, LogMel] = {}


def _logmel(cfg: MelConfig) -> LogMel:
    if cfg not in _LOGMEL:
        _LOGMEL[cfg] = LogMel(cfg)
    return _LOGMEL[cfg]


@dataclass
class CaptionBank:
    texts: list[str]
    vectors: np.ndarray  # float32 [U, 384], L2-normalised MiniLM


def split_key(split_dir: Path, mel_cfg: MelConfig) -> str:
    """Changes when one split's files or the mel settings change."""
    h = hashlib.sha1(json.dumps(mel_cfg.to_dict(), sort_keys=True).encode())
    h.update(str(split_dir.resolve()).encode())
    for name in ("waves.npy", "meta.jsonl"):
        p = split_dir / name
        if p.exists():
            st = p.stat()
            h.update(f"{name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:12]


def compute_mels(waves: np.ndarray, mel_cfg: MelConfig, out_path: Path, batch: int = 64,
                 progress: bool = True) -> np.ndarray:
    """dB log-mels of every row of `waves`, written as a float16 .npy (memory-mapped)."""
    n, samples = waves.shape
    frames = mel_cfg.frames(samples)
    tmp = out_path.with_name(out_path.stem + f".tmp{os.getpid()}.npy")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float16, shape=(n, mel_cfg.n_mels, frames))
    mel = LogMel(mel_cfg)
    it = range(0, n, batch)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc=f"log-mel {out_path.parent.name}", unit="batch", mininterval=10.0)
    with torch.inference_mode():
        for s in it:
            x = torch.from_numpy(np.asarray(waves[s : s + batch], dtype=np.float32))
            out[s : s + batch] = mel(x).numpy().astype(np.float16)
    out.flush()
    del out
    tmp.replace(out_path)
    return np.load(out_path, mmap_mode="r")


def split_mels(split_dir: Path, cache_root: Path, mel_cfg: MelConfig, progress: bool = True) -> np.ndarray:
    """The cached log-mels of one split (computed once; concurrent callers wait for the first)."""
    waves, metas = load_split(split_dir)
    d = Path(cache_root) / "mels" / split_key(split_dir, mel_cfg)
    d.mkdir(parents=True, exist_ok=True)
    path = d / "mel.npy"
    lock = d / ".building"
    _wait_for_other_builder(lock)
    if path.exists():
        return np.load(path, mmap_mode="r")
    lock.write_text(str(time.time()))
    try:
        t0 = time.time()
        mels = compute_mels(waves, mel_cfg, path, progress=progress)
        (d / "source.json").write_text(json.dumps({"split_dir": str(split_dir), "rows": len(metas),
                                                    "mel": mel_cfg.to_dict()}))
        print(f"[cache] {split_dir}: {len(metas)} log-mels in {time.time() - t0:.0f} s -> {path}", flush=True)
        return mels
    finally:
        lock.unlink(missing_ok=True)


class CaptionStore:
    """MiniLM vectors by caption text, kept as .npz shards under `cache_root/captions/`.

    Incremental: only texts not yet stored are embedded, so splits share work and several
    processes can fill shards in parallel (`python -m train.data --captions-shard i/n`).
    """

    def __init__(self, cache_root: str | Path) -> None:
        self.dir = Path(cache_root) / "captions"
        self.dir.mkdir(parents=True, exist_ok=True)

    def load(self) -> dict[str, np.ndarray]:
        known: dict[str, np.ndarray] = {}
        for f in sorted(self.dir.glob("*.npz")):
            with np.load(f, allow_pickle=False) as z:
                for t, v in zip(z["texts"].tolist(), z["vectors"]):
                    known[t] = v
        return known

    def add(self, texts: list[str], progress: bool = True, chunk: int = 2048, tag: str = "") -> None:
        """Embed `texts` (those not stored yet) with MiniLM, saving a shard per chunk."""
        from app.embedders.mini import encode_minilm

        known = self.load()
        todo = sorted({t for t in texts if t not in known})
        if not todo:
            return
        t0 = time.time()
        for s in range(0, len(todo), chunk):
            part = todo[s : s + chunk]
            vec = encode_minilm(part, batch_size=128)
            name = hashlib.sha1("\n".join(part).encode()).hexdigest()[:16]
            tmp = self.dir / f".{name}.tmp.npz"
            np.savez(tmp, texts=np.array(part), vectors=vec.astype(np.float32))
            tmp.replace(self.dir / f"{tag}{name}.npz")
            if progress:
                done = min(s + chunk, len(todo))
                rate = done / max(time.time() - t0, 1e-9)
                print(f"[captions] {done}/{len(todo)} embedded ({rate:.0f}/s)", flush=True)


def build_cache(corpus_dir: str | Path, cache_root: str | Path = "data/cache", mel_cfg: MelConfig = MelConfig(),
                splits: Sequence[str] = ("train", "test"), progress: bool = True, max_captions: int = 0,
                cache_mels: bool = False, all_captions: bool = True,
                ) -> tuple[dict[str, SplitFeatures], CaptionBank, Path]:
    """Load the corpus with its cached features. Returns (splits, caption bank, cache root).

    - `cache_mels`: compute (once) and memory-map the log-mels of every clip; otherwise
      mels are computed on the fly from the waveform crops (cheaper when a run sees each
      clip only a few times).
    - `max_captions` > 0 keeps at most that many captions per clip (`select_captions`).
    - `all_captions`: embed every selected caption now; otherwise only the essential ones
      (the first caption of each clip, the manifest caption of TEST clips) and use whatever
      else the caption store already holds; `refresh_captions` picks up more later (e.g.
      from `python -m train.data --what captions` running alongside).
    """
    corpus_dir, cache_root = Path(corpus_dir), Path(cache_root)
    feats: dict[str, SplitFeatures] = {}
    metas_by_split: dict[str, list[dict]] = {}
    for split in splits:
        if not (corpus_dir / split / "meta.jsonl").exists():
            continue
        waves, metas = load_split(corpus_dir / split)
        metas_by_split[split] = metas
        mels = split_mels(corpus_dir / split, cache_root, mel_cfg, progress) if cache_mels else None
        feats[split] = SplitFeatures(
            waves=waves, mels=mels, mel_cfg=mel_cfg,
            caption_texts=[select_captions(m, max_captions) for m in metas], caption_ids=[],
            class_ids=np.zeros(len(metas), dtype=np.int64),
            labels=[str(m.get("label", "")) for m in metas],
            categories=[str(m.get("category", "")) for m in metas],
            groups=[str(m.get("group", "")) for m in metas],
            class_keys=[class_key(m) for m in metas],
        )
    keys = sorted({k for f in feats.values() for k in f.class_keys})
    key_id = {k: i for i, k in enumerate(keys)}
    for f in feats.values():
        f.class_ids = np.array([key_id[k] for k in f.class_keys], dtype=np.int64)
    store = CaptionStore(cache_root)
    if all_captions:
        store.add([c for f in feats.values() for cs in f.caption_texts for c in cs], progress=progress)
    else:
        essential = [cs[0] for f in feats.values() for cs in f.caption_texts]
        if "test" in feats:
            essential += [cs[min(1, len(cs) - 1)] for cs in feats["test"].caption_texts]
        store.add(essential, progress=progress)
    bank = refresh_captions(feats, store)
    return feats, bank, cache_root


def refresh_captions(feats: dict[str, SplitFeatures], store: "CaptionStore") -> CaptionBank:
    """Rebuild the caption bank from the store; each clip keeps the captions that have vectors."""
    known = store.load()
    texts = sorted({c for f in feats.values() for cs in f.caption_texts for c in cs if c in known})
    text_id = {t: i for i, t in enumerate(texts)}
    for f in feats.values():
        f.caption_ids = [[text_id[c] for c in cs if c in text_id] for cs in f.caption_texts]
        missing = sum(1 for ids in f.caption_ids if not ids)
        if missing:
            raise ValueError(f"{missing} clips have no embedded caption")
    vectors = np.stack([known[t] for t in texts]).astype(np.float32) if texts else np.zeros((0, 384), np.float32)
    return CaptionBank(texts, vectors)


def _wait_for_other_builder(lock: Path, timeout: float = 3600.0) -> None:
    """Two trainings started together: the second waits for the first to finish the cache."""
    t0 = time.time()
    while lock.exists() and time.time() - t0 < timeout:
        try:
            if time.time() - float(lock.read_text() or 0) > timeout:
                break  # stale lock from a killed run
        except (OSError, ValueError):
            break
        time.sleep(2.0)


def split_validation(feats: SplitFeatures, fraction: float = 0.04, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train_rows, val_rows): a small random validation slice of the training split."""
    rng = np.random.default_rng(seed + 991)
    n = len(feats)
    perm = rng.permutation(n)
    n_val = max(1, int(round(n * fraction))) if n > 10 else 0
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


# --- a tiny fake corpus in the real on-disk format (tests, dry runs) ---------------------
FAKE_CLASSES = {
    "sine tone": "a pure sine tone", "square wave": "a buzzy square wave", "white noise": "white noise hiss",
    "clicks": "a series of sharp clicks", "chirp": "a rising chirp sweep", "low hum": "a low electrical hum",
}


def write_fake_corpus(out_dir: str | Path, n_train: int = 96, n_test: int = 24, seconds: float = 4.0,
                      sample_rate: int = 16000, seed: int = 0) -> Path:
    """Write `out/{train,test}/waves.npy + meta.jsonl` (+ test manifest) with simple classes."""
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    n_samples = int(seconds * sample_rate)
    t = np.arange(n_samples) / sample_rate
    labels = list(FAKE_CLASSES)
    for split, n in (("train", n_train), ("test", n_test)):
        d = out / split
        d.mkdir(parents=True, exist_ok=True)
        waves = np.zeros((n, n_samples), dtype=np.float16)
        metas = []
        for i in range(n):
            label = labels[i % len(labels)]
            f = rng.uniform(200, 2000)
            if label == "sine tone":
                x = np.sin(2 * np.pi * f * t)
            elif label == "square wave":
                x = np.sign(np.sin(2 * np.pi * f / 4 * t))
            elif label == "white noise":
                x = rng.standard_normal(n_samples)
            elif label == "clicks":
                x = np.zeros(n_samples)
                x[:: int(sample_rate / rng.uniform(3, 12))] = 1.0
            elif label == "chirp":
                x = np.sin(2 * np.pi * (200 * t + rng.uniform(200, 800) * t**2))
            else:
                x = np.sin(2 * np.pi * rng.uniform(50, 70) * t) + 0.3 * np.sin(2 * np.pi * 120 * t)
            x = x + 0.01 * rng.standard_normal(n_samples)
            x = 0.5 * x / (np.abs(x).max() + 1e-9) * 10 ** (rng.uniform(-20, 0) / 20)
            waves[i] = x.astype(np.float16)
            caps = [label, FAKE_CLASSES[label], f"the sound of {label}", f"a recording of {label}",
                    f"{label}, synthetic"]
            metas.append({"id": f"{split}-{i:06d}", "category": "synthetic", "labels": {"kind": label},
                          "label": label, "group": "synthetic", "captions": caps, "source": "fake",
                          "class_key": f"synthetic/{label}"})
        np.save(d / "waves.npy", waves)
        with open(d / "meta.jsonl", "w", encoding="utf-8") as fh:
            for m in metas:
                fh.write(json.dumps(m) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    """Pre-build the feature cache (optionally in parallel pieces) before training."""
    p = argparse.ArgumentParser(prog="python -m train.data", description=main.__doc__)
    p.add_argument("--corpus", default="data/corpus")
    p.add_argument("--cache", default="data/cache")
    p.add_argument("--split", action="append", help="split(s) to cache (default: train and test)")
    p.add_argument("--what", choices=("all", "mels", "captions"), default="all")
    p.add_argument("--captions-shard", default="0/1", help="i/n: embed every n-th missing caption from i")
    p.add_argument("--max-captions", type=int, default=0, help="captions per clip to embed (0: all)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    corpus = Path(args.corpus)
    splits = args.split or ["train", "test"]
    if args.what in ("all", "mels"):
        for split in splits:
            split_mels(corpus / split, Path(args.cache), MelConfig())
    if args.what in ("all", "captions"):
        i, n = (int(v) for v in args.captions_shard.split("/"))
        texts = sorted({c for split in splits for m in load_split(corpus / split)[1]
                        for c in select_captions(m, args.max_captions)})
        store = CaptionStore(args.cache)
        known = store.load()
        todo = [t for t in texts if t not in known][i::n]
        store.add(todo, tag=f"s{i}of{n}-")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
