"""What every UI tab shares: settings, the store, embedders and reference data — all lazy.

Nothing here imports gradio, torch or transformers at import time: the store opens and
models load on the first request that needs them, so `python -m app` starts in seconds.
The path guard (`check_readable`, `check_ingest_folder`) is the one place that decides
which server-side files a browser user may read or index.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from app.audio import Audio, load_audio
from app.settings import DEMO_DIR, DEMO_SET, VOCAB_DIR, VOCAB_SET, Settings

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAP_CAPTIONS = 150  # captions drawn in the reference maps: enough for context, not clutter
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Reference:
    """Embeddings a map or a ranking is drawn against, for one model."""

    vectors: np.ndarray  # [N, D] unit rows
    keys: list[str]  # audio: file path; text: the caption itself
    labels: list[str]  # hover text
    groups: list[str]  # demo category (audio) or "caption"


def upload_dir() -> Path:
    """Where gradio stores uploads (the same rule gradio uses, without importing it)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()


class AppContext:
    """Shared, thread-safe state of one running app."""

    def __init__(self, settings: Settings | None = None, bootstrap: bool = True,
                 demo_dir: Path | None = None, vocab_dir: Path | None = None) -> None:
        self.settings = settings or Settings()
        self.demo_dir = Path(demo_dir or DEMO_DIR)  # overridable for tests and custom demos
        self.vocab_dir = Path(vocab_dir or VOCAB_DIR)
        self.bootstrap = bootstrap  # False: never auto-index vocab/demo (tests, huge stores)
        self._lock = threading.RLock()
        self._store = None
        self._prepared: set[str] = set()
        self._prep_locks: dict[str, threading.Lock] = {}
        self._demo: dict[str, Reference] = {}
        self._captions: dict[str, Reference] = {}
        self.ingest_stop = threading.Event()  # set by the Library tab's Stop button

    # --- access policy ---------------------------------------------------------
    @property
    def local_only(self) -> bool:
        """Served on loopback without a share link: only this machine's user can reach it."""
        return not self.settings.share and self.settings.host in LOOPBACK_HOSTS

    @property
    def open_library(self) -> bool:
        """Any folder may be read/ingested: local-only and no --library-root given.

        A public link or a non-loopback host always restricts to the library roots.
        """
        return self.local_only and not self.settings.library_roots

    def library_roots(self) -> list[Path]:
        """Configured library roots, resolved (symlinks followed, so links cannot escape)."""
        return [Path(r).expanduser().resolve() for r in self.settings.library_roots]

    def allowed_paths(self) -> list[str]:
        """Folders gradio may serve files from (playback of demo and library results)."""
        return [str(self.demo_dir), *[str(r) for r in self.library_roots()]]

    def check_readable(self, path: str | Path) -> Path:
        """Resolve `path` and check a browser user may read it; raise ValueError otherwise.

        Allowed: uploads, the demo set, the library roots — or anything in open-library mode.
        `..` and symlinks are resolved before the check, so neither can leave a root.
        """
        resolved = self._resolve(path)
        roots = [upload_dir(), self.demo_dir.resolve(), *self.library_roots()]
        if not self.open_library and not any(resolved.is_relative_to(root) for root in roots):
            raise ValueError(f"{path}: outside the folders this server may read "
                             "(uploads, the demo set and --library-root folders)")
        if not resolved.exists():
            raise ValueError(f"{path}: no such file or folder")
        return resolved

    def check_ingest_folder(self, path: str | Path) -> Path:
        """A folder the Library tab may index: under a library root, or any in open-library mode."""
        resolved = self._resolve(path)
        if not self.open_library:
            roots = self.library_roots()
            if not roots:
                raise ValueError("adding folders from the browser is off on a shared or network server: "
                                 "restart with --library-root DIR, or use `python -m ingest` on the server")
            if not any(resolved.is_relative_to(root) for root in roots):
                raise ValueError(f"{path}: not under a library root ({', '.join(map(str, roots))})")
        if not resolved.is_dir():
            raise ValueError(f"{path}: not an existing folder")
        return resolved

    @staticmethod
    def _resolve(path: str | Path) -> Path:
        raw = str(path or "").strip()
        if not raw or "\x00" in raw:
            raise ValueError("give a path")
        return Path(raw).expanduser().resolve()

    # --- models ----------------------------------------------------------------
    def model_choices(self) -> list[str]:
        """Configured models first, then the other registered ones."""
        from app.embedders import available_models

        ordered = list(dict.fromkeys([*self.settings.models, *available_models()]))
        return ordered

    @property
    def default_model(self) -> str:
        """The model every tab starts with."""
        return self.model_choices()[0]

    def embedder(self, name: str, progress: Progress | None = None, prepare: bool = True):
        """The cached embedder for `name`; on its first use, index the vocabulary and demo set.

        The bootstrap needs the store; if the store is down the embedder is still returned
        (pair analysis works without it) and the bootstrap is retried on the next call.
        """
        from app.embedders import load_embedder

        if not str(name or "").strip():
            raise ValueError("choose a model")
        choices = self.model_choices()
        if name not in choices:  # API callers must not make the server load arbitrary directories
            from app.embedders import UnknownModelError

            raise UnknownModelError(f"unknown model {str(name)[:80]!r}: this server offers {', '.join(choices)}")
        if progress:
            progress(0, 1, f"loading {name} (the first use of a model takes a while)")
        emb = load_embedder(name, self.settings.precision)
        if prepare and self.bootstrap and emb.name not in self._prepared:
            self._prepare(emb, progress)
        return emb

    def _prepare(self, emb, progress: Progress | None) -> None:
        with self._lock:
            lock = self._prep_locks.setdefault(emb.name, threading.Lock())
        with lock:  # one bootstrap per model, even when several tabs ask at once
            if emb.name in self._prepared:
                return
            from app.bootstrap import ensure_demo_set, ensure_vocab
            from app.store import StoreUnavailable

            try:
                store = self.store
                if progress:
                    progress(0, 1, f"indexing the built-in vocabulary for {emb.name} (first use only)")
                ensure_vocab(emb, store, self.vocab_dir)
                demo_progress = (lambda d, t, m: progress(d, t, f"demo set, first use: {m}")) if progress else None
                ensure_demo_set(emb, store, self.demo_dir, progress=demo_progress)
                self._prepared.add(emb.name)
            except StoreUnavailable as exc:
                log.warning("store unavailable, skipping vocab/demo bootstrap for %s: %s", emb.name, exc)

    # --- store -----------------------------------------------------------------
    @property
    def store(self):
        """The vector store, opened on first use (raises StoreUnavailable if it cannot be)."""
        with self._lock:
            if self._store is None:
                from app.store import open_store

                s = self.settings
                self._store = open_store(store_dir=None if s.qdrant_url else s.resolved_store_dir,
                                         qdrant_url=s.qdrant_url, api_key=s.qdrant_api_key)
            return self._store

    def store_if_open(self):
        """The store if something already opened it, else None (Status must not open it)."""
        return self._store

    def close(self) -> None:
        """Release the store (files, locks, connections)."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    # --- audio and reference data ----------------------------------------------
    def load_clip(self, path: str | Path, emb) -> Audio:
        """Decode one uploaded/recorded file at the model's rate (AudioError on bad input)."""
        if not path:
            raise ValueError("upload or record an audio clip first")
        return load_audio(path, emb.sample_rate)

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

    def demo_reference(self, emb) -> Reference:
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

    def _demo_from_store(self, emb) -> Reference | None:
        from app.store import StoreUnavailable, collection_name, model_slug

        try:
            store = self.store
            name = collection_name(model_slug(emb.name), "audio")
            if not store.has_collection(name):
                return None
            points = [(h.payload, v) for h, v in store.scroll(name, set_name=DEMO_SET, with_vectors=True)]
        except StoreUnavailable:
            return None
        if not points:
            return None
        points.sort(key=lambda p: str(p[0].get("path", "")))
        return Reference(np.stack([v for _, v in points]).astype(np.float32),
                         [str(p.get("path", "")) for p, _ in points],
                         [str(p.get("caption") or p.get("name", "")) for p, _ in points],
                         [str(p.get("category", "")) or "demo" for p, _ in points])

    def _demo_computed(self, emb) -> Reference:
        rows = self.demo_rows()
        paths = sorted(rows)
        vectors = emb.embed_audio(paths) if paths else np.zeros((0, emb.dim), np.float32)
        return Reference(vectors, paths, [rows[p].get("caption") or Path(p).name for p in paths],
                         [rows[p].get("category") or "demo" for p in paths])

    def caption_reference(self, emb) -> Reference:
        """All built-in vocabulary captions embedded by `emb` (cached; none for an audio-only model)."""
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
        vectors = emb.embed_text(texts) if texts else np.zeros((0, emb.dim), np.float32)
        ref = Reference(vectors, texts, texts, ["caption"] * len(texts))
        with self._lock:
            self._captions[emb.name] = ref
        return ref

    def map_reference(self, emb) -> Reference:
        """Demo audio + an evenly spaced subset of captions: the points a pair map is fitted on."""
        demo, caps = self.demo_reference(emb), self.caption_reference(emb)
        step = max(1, len(caps.keys) // MAP_CAPTIONS)
        idx = list(range(0, len(caps.keys), step))[:MAP_CAPTIONS]
        vectors = np.concatenate([demo.vectors, caps.vectors[idx]], axis=0) if idx else demo.vectors
        return Reference(vectors, demo.keys + [caps.keys[i] for i in idx],
                         demo.labels + [caps.labels[i] for i in idx], demo.groups + ["caption"] * len(idx))


__all__ = ["AppContext", "Reference", "upload_dir", "VOCAB_SET"]
