"""Reference embeddings that maps and rankings are drawn against: the demo set and the vocabulary.

Read from the store, where the bootstrap (`AppContext.ensure_bootstrapped`) put them; computed
directly only when the store lacks them (store down, bootstrap off), and cached per model.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from app.collections import collection_of
from app.settings import DEMO_SET, VOCAB_SET

if TYPE_CHECKING:
    from app.embedders import Embedder
    from app.store import VectorStore

MAP_CAPTIONS = 150  # captions drawn in the reference maps: enough for context, not clutter


@dataclass(frozen=True)
class Reference:
    """Embeddings a map or a ranking is drawn against, for one model."""

    vectors: np.ndarray  # [N, D] unit rows
    keys: list[str]  # audio: file path; text: the caption itself
    labels: list[str]  # hover text
    groups: list[str]  # demo category (audio) or "caption"


class ReferenceData:
    """The demo set and vocabulary of one app, with their vectors per model (thread-safe cache)."""

    def __init__(self, store: Callable[[], "VectorStore"], demo_dir: Path, vocab_dir: Path) -> None:
        self._store = store  # opens the store lazily (raises StoreUnavailable if it cannot)
        self.demo_dir = Path(demo_dir)
        self.vocab_dir = Path(vocab_dir)
        self._lock = threading.Lock()
        self._demo: dict[str, Reference] = {}
        self._captions: dict[str, Reference] = {}

    def demo_rows(self) -> dict[str, dict[str, str]]:
        """metadata.csv of the demo set: {absolute path: fields}; empty if not rendered yet."""
        meta = self.demo_dir / "metadata.csv"
        if not meta.is_file():
            return {}
        from app.bootstrap import read_metadata

        return {p: row for p, row in read_metadata(meta).items() if Path(p).is_file()}

    def demo_examples(self, limit: int = 8) -> list[dict[str, str]]:
        """A few demo clips spread over the categories (round-robin), with their captions."""
        by_category: dict[str, list[dict[str, str]]] = {}
        for path, row in sorted(self.demo_rows().items()):
            by_category.setdefault(row.get("category", ""), []).append({"path": path, **row})
        out: list[dict[str, str]] = []
        queues = [iter(rows) for rows in by_category.values()]
        while queues and len(out) < limit:
            for queue in list(queues):
                row = next(queue, None)
                if row is None:
                    queues.remove(queue)
                elif len(out) < limit:
                    out.append(row)
        return out

    def demo_reference(self, emb: "Embedder") -> Reference:
        """Demo-set audio embeddings for `emb` (from the store; computed directly if it is down)."""
        with self._lock:
            cached = self._demo.get(emb.name)
        if cached is not None:
            return cached
        ref = self._demo_from_store(emb) or self._demo_computed(emb)
        if len(ref.keys):
            with self._lock:
                self._demo[emb.name] = ref
        return ref

    def _vectors_from_store(self, emb: "Embedder", kind: str, set_name: str) -> list[tuple[dict, np.ndarray]]:
        """(payload, vector) of every point of one reserved set; [] if the store lacks it or is down."""
        from app.store import StoreUnavailable

        try:
            store = self._store()
            name = collection_of(emb, kind)
            if not store.has_collection(name):
                return []
            return [(h.payload, v) for h, v in store.scroll(name, set_name=set_name, with_vectors=True)]
        except StoreUnavailable:
            return []

    def _demo_from_store(self, emb: "Embedder") -> Reference | None:
        points = sorted(self._vectors_from_store(emb, "audio", DEMO_SET), key=lambda p: str(p[0].get("path", "")))
        if not points:
            return None
        return Reference(np.stack([v for _, v in points]).astype(np.float32),
                         [str(p.get("path", "")) for p, _ in points],
                         [str(p.get("caption") or p.get("name", "")) for p, _ in points],
                         [str(p.get("category", "")) or "demo" for p, _ in points])

    def _demo_computed(self, emb: "Embedder") -> Reference:
        rows = self.demo_rows()
        paths = sorted(rows)
        vectors = emb.embed_audio(paths) if paths else np.zeros((0, emb.dim), np.float32)
        return Reference(vectors, paths, [rows[p].get("caption") or Path(p).name for p in paths],
                         [rows[p].get("category") or "demo" for p in paths])

    def caption_reference(self, emb: "Embedder") -> Reference:
        """Every built-in vocabulary caption with its vector for `emb`, in captions.txt order (cached).

        Vectors come from the caption collection, where the bootstrap stored them; only lines
        the store lacks (store down, bootstrap off) are embedded here. None for an audio-only model.
        """
        from app.embedders.base import supports_text

        if not supports_text(emb):
            return Reference(np.zeros((0, emb.dim), np.float32), [], [], [])
        with self._lock:
            cached = self._captions.get(emb.name)
        if cached is not None:
            return cached
        path = self.vocab_dir / "captions.txt"
        texts: list[str] = []
        if path.is_file():
            from app.bootstrap import read_lines

            texts = list(dict.fromkeys(read_lines(path)))
        stored = {str(p.get("text", "")): v for p, v in self._vectors_from_store(emb, "captions", VOCAB_SET)}
        missing = [t for t in texts if t not in stored]
        if missing:
            stored.update(zip(missing, emb.embed_text(missing)))
        vectors = (np.stack([stored[t] for t in texts]).astype(np.float32) if texts
                   else np.zeros((0, emb.dim), np.float32))  # [C, D], captions.txt order
        ref = Reference(vectors, texts, texts, ["caption"] * len(texts))
        with self._lock:
            self._captions[emb.name] = ref
        return ref

    def map_reference(self, emb: "Embedder") -> Reference:
        """Demo audio + an evenly spaced subset of captions: the points a pair map is fitted on."""
        demo, caps = self.demo_reference(emb), self.caption_reference(emb)
        step = max(1, len(caps.keys) // MAP_CAPTIONS)
        idx = list(range(0, len(caps.keys), step))[:MAP_CAPTIONS]
        vectors = np.concatenate([demo.vectors, caps.vectors[idx]], axis=0) if idx else demo.vectors
        return Reference(vectors, demo.keys + [caps.keys[i] for i in idx],
                         demo.labels + [caps.labels[i] for i in idx], demo.groups + ["caption"] * len(idx))
