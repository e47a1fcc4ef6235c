"""The built-in caption/tag vocabulary and demo set, indexed for a model on its first use.

Both go through the same collections and worker as user data (`app.indexing`), in
the reserved sets "vocab" and "demo"; a count check makes every later call cheap.
"""
from __future__ import annotations

import csv
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from app.embedders.base import Embedder, require_text, supports_text
from app.indexing import (IngestConfig, Progress, collection_for, ingest_paths, scan_audio_files, stored_ids,
                          text_id)
from app.settings import DEMO_DIR, DEMO_SET, VOCAB_DIR, VOCAB_SET
from app.store import VectorStore

_BOOTSTRAP_LOCK = threading.Lock()  # the UI may ask for the vocab from several events at once


def read_lines(path: str | Path) -> list[str]:
    """Non-empty, non-comment (#) lines of a UTF-8 text file, stripped, in order."""
    text = Path(path).read_text(encoding="utf-8")
    return [s for s in (line.strip() for line in text.splitlines()) if s and not s.startswith("#")]


def ingest_captions(lines: Iterable[str], embedder: Embedder, store: VectorStore, set_name: str = VOCAB_SET,
                    kind: str = "caption", batch_size: int = 64) -> int:
    """Embed text lines into the caption collection; returns how many were new."""
    if kind not in ("caption", "tag"):
        raise ValueError(f"kind must be 'caption' or 'tag', not {kind!r}")
    require_text(embedder)
    texts = list(dict.fromkeys(s.strip() for s in lines if s and s.strip()))
    name = collection_for(store, embedder, "captions")
    ids = [text_id(t) for t in texts]
    have = stored_ids(store, name, ids)
    todo = [(i, t) for i, t in zip(ids, texts) if i not in have]
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for start in range(0, len(todo), batch_size):
        chunk = todo[start:start + batch_size]
        vectors = embedder.embed_text([t for _, t in chunk])
        store.upsert(name, [i for i, _ in chunk], vectors,
                     [{"text": t, "kind": kind, "set": set_name, "added_at": now} for _, t in chunk])
    if todo:
        store.optimize(name)
        store.flush()
    return len(todo)


def ensure_vocab(embedder: Embedder, store: VectorStore, vocab_dir: str | Path | None = None) -> int:
    """Ingest the built-in captions.txt / tags.txt for this model once; cheap afterwards.

    An audio-only model has no text tower: nothing to index, returns 0.
    """
    if not supports_text(embedder):
        return 0
    vocab_dir = Path(vocab_dir or VOCAB_DIR)  # looked up at call time so tests can point elsewhere
    sources = [(vocab_dir / "captions.txt", "caption"), (vocab_dir / "tags.txt", "tag")]
    lines = {kind: read_lines(path) for path, kind in sources if path.is_file()}
    unique = {t for texts in lines.values() for t in texts}
    with _BOOTSTRAP_LOCK:
        name = collection_for(store, embedder, "captions")
        if not unique or store.count(name, set_name=VOCAB_SET) >= len(unique):
            return 0
        return sum(ingest_captions(texts, embedder, store, VOCAB_SET, kind) for kind, texts in lines.items())


def read_metadata(csv_path: str | Path) -> dict[str, dict[str, str]]:
    """metadata.csv (path,category,...,tags) -> {absolute path: fields}; paths relative to its folder."""
    csv_path = Path(csv_path)
    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        rel = (row.pop("path", "") or "").strip()
        if rel:
            out[str((csv_path.parent / rel).resolve())] = {k: (v or "").strip() for k, v in row.items() if k}
    return out


def ensure_demo_set(embedder: Embedder, store: VectorStore, demo_dir: str | Path | None = None,
                    progress: Progress | None = None) -> int:
    """Ingest sample_data/demo (with metadata.csv fields) into set "demo" once; returns files added."""
    demo_dir = Path(demo_dir or DEMO_DIR)
    meta_file = demo_dir / "metadata.csv"
    if not demo_dir.is_dir():
        return 0
    metadata = read_metadata(meta_file) if meta_file.is_file() else {}
    paths = [p for p in metadata if Path(p).is_file()] or [demo_dir]
    expected = len(paths) if metadata else len(scan_audio_files([demo_dir]))
    with _BOOTSTRAP_LOCK:
        name = collection_for(store, embedder)
        if expected == 0 or store.count(name, set_name=DEMO_SET) >= expected:
            return 0
        report = ingest_paths(paths, [embedder], store, IngestConfig(set_name=DEMO_SET),
                              progress=progress, metadata=metadata)
    return report.indexed
