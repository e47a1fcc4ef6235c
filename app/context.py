"""The state of one running app: settings, the store, embedders, reference data, stop signals.

Nothing here imports gradio, torch or transformers at import time: the store opens and
models load on the first request that needs them, so `python -m app` starts in seconds.
The demo/vocabulary bootstrap is an explicit step (`ensure_bootstrapped`), which the app
starts in the background at start-up and handlers that need the demo set call again (cheap
once done). The path guard (`check_readable`, `check_ingest_folder`) is the one place that
decides which server-side files a browser user may read or index.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from app.audio import Audio, load_audio
from app.references import ReferenceData
from app.settings import DEMO_DIR, VOCAB_DIR, Settings

if TYPE_CHECKING:
    from app.embedders import Embedder
    from app.store import VectorStore

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
Progress = Callable[[int, int, str], None]


def upload_dir() -> Path:
    """Where gradio stores uploads (the same rule gradio uses, without importing it)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()


class StopSignals:
    """One stop flag per running job, keyed by whoever started it (a browser session).

    A Stop click sets only that session's flag, and a job starting in another session
    never clears it: one user can neither stop nor un-stop another user's ingest.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, threading.Event] = {}

    def start(self, key: str) -> threading.Event:
        """A fresh flag for a job that `key` starts now (replaces that key's finished one)."""
        event = threading.Event()
        with self._lock:
            self._events[key] = event
        return event

    def stop(self, key: str) -> bool:
        """Ask `key`'s running job to stop; False when that key has none."""
        with self._lock:
            event = self._events.get(key)
        if event is None:
            return False
        event.set()
        return True

    def finish(self, key: str, event: threading.Event) -> None:
        """Forget `key`'s flag once its job is over (unless a newer job replaced it)."""
        with self._lock:
            if self._events.get(key) is event:
                del self._events[key]


class AppContext:
    """Shared, thread-safe state of one running app."""

    def __init__(self, settings: Settings | None = None, bootstrap: bool = True,
                 demo_dir: Path | None = None, vocab_dir: Path | None = None) -> None:
        self.settings = settings or Settings()
        self.demo_dir = Path(demo_dir or DEMO_DIR)  # overridable for tests and custom demos
        self.vocab_dir = Path(vocab_dir or VOCAB_DIR)
        self.bootstrap = bootstrap  # False: never auto-index vocab/demo (tests, huge stores)
        self._lock = threading.RLock()
        self._store: VectorStore | None = None
        self._embedders: dict[str, Embedder] = {}
        self._prepared: set[str] = set()
        self._prep_locks: dict[str, threading.Lock] = {}
        self.references = ReferenceData(lambda: self.store, self.demo_dir, self.vocab_dir)
        self.stops = StopSignals()  # per-session Stop buttons of long jobs (Library ingest)

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

    def check_readable(self, path: str | Path, uploads: bool = True) -> Path:
        """Resolve `path` and check a browser user may read it; raise ValueError otherwise.

        Allowed: uploads (unless `uploads=False`), the demo set, the library roots — or
        anything in open-library mode. `..` and symlinks are resolved before the check, so
        neither can leave a root.
        """
        resolved = self._resolve(path)
        roots = [*([upload_dir()] if uploads else []), self.demo_dir.resolve(), *self.library_roots()]
        if not self.open_library and not any(resolved.is_relative_to(root) for root in roots):
            raise ValueError(f"{path}: outside the folders this server may read "
                             f"({'uploads, ' if uploads else ''}the demo set and --library-root folders)")
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

        return list(dict.fromkeys([*self.settings.models, *available_models()]))

    @property
    def default_model(self) -> str:
        """The model every tab starts with."""
        return self.model_choices()[0]

    def check_model(self, name: str) -> str:
        """`name` if this server offers it, else UnknownModelError — without touching the disk.

        Offered: the registered names and the `--model` values the operator configured.
        Anything else (a folder path, a 10,000-character string) is refused by name, so an
        API caller can neither load an arbitrary directory nor learn whether one exists.
        """
        from app.embedders import UnknownModelError

        key = str(name or "").strip()
        if not key:
            raise ValueError("choose a model")
        choices = self.model_choices()
        if key not in choices:
            shown = key if len(key) <= 80 else key[:77] + "..."
            offered = ", ".join(choices[:12]) + (f" and {len(choices) - 12} more (see /models)" if len(choices) > 12 else "")
            raise UnknownModelError(f"unknown model {shown!r}: this server offers {offered}")
        return key

    def embedder(self, name: str, progress: Progress | None = None) -> Embedder:
        """The embedder for `name`, loaded once per app (no store access, no indexing)."""
        with self._lock:
            cached = self._embedders.get(str(name or "").strip())
        if cached is not None:
            return cached
        name = self.check_model(name)
        from app.embedders import load_embedder

        if progress:
            progress(0, 1, f"loading {name} (the first use of a model takes a while)")
        emb = load_embedder(name, self.settings.precision)
        with self._lock:
            return self._embedders.setdefault(name, emb)

    def loaded_embedders(self) -> list[Embedder]:
        """Embedders this app has loaded so far."""
        with self._lock:
            return list(dict.fromkeys(self._embedders.values()))

    def ensure_bootstrapped(self, name: str, progress: Progress | None = None) -> Embedder:
        """The embedder for `name`, with the built-in vocabulary and demo set indexed for it.

        Cheap after the first time. If the store is down the embedder is still returned (pair
        analysis works without it) and the bootstrap is retried on the next call.
        """
        emb = self.embedder(name, progress)
        if self.bootstrap and emb.name not in self._prepared:
            self._prepare(emb, progress)
        return emb

    def bootstrap_in_background(self) -> threading.Thread:
        """Bootstrap every configured model in a daemon thread, so the first request is fast."""
        def run() -> None:
            for name in self.settings.models:
                try:
                    self.ensure_bootstrapped(name)
                except Exception as exc:  # a missing model must not end the app; requests report it
                    log.warning("start-up bootstrap of %s failed: %s", name, exc)

        thread = threading.Thread(target=run, name="aeb-bootstrap", daemon=True)
        thread.start()
        return thread

    def _prepare(self, emb: Embedder, progress: Progress | None) -> None:
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
    def store(self) -> VectorStore:
        """The vector store, opened on first use (raises StoreUnavailable if it cannot be)."""
        with self._lock:
            if self._store is None:
                self._store = self.settings.open_store()
            return self._store

    def store_if_open(self) -> VectorStore | None:
        """The store if something already opened it, else None (Status must not open it)."""
        return self._store

    def close(self) -> None:
        """Release the store (files, locks, connections)."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    # --- audio and reference data ----------------------------------------------
    def load_clip(self, path: str | Path, emb: Embedder) -> Audio:
        """Decode one uploaded/recorded file at the model's rate (AudioError on bad input)."""
        if not path:
            raise ValueError("upload or record an audio clip first")
        return load_audio(path, emb.sample_rate)


__all__ = ["AppContext", "StopSignals", "upload_dir"]
