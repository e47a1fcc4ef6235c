"""Bulk indexing: scan -> content hash -> decode in threads -> batch embed -> upsert.

Used by `python -m ingest`, the UI's "add folder" action and the demo/vocab bootstrap.

Resume and dedup: a point's id is the sha256 of the file's bytes, so a re-run (or a
run after `kill -9`) finds what is stored with one `existing_ids` call per model and
embeds only the rest. Each batch is upserted as soon as it is embedded, so a crash
loses at most the batch in flight. Identical content at two paths is indexed once:
the first path in sorted order is stored, later copies are counted as skipped and
listed in `IngestReport.duplicates`.
"""
from __future__ import annotations

import re
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from app.audio import AudioError, load_audio_rates
from app.collections import Kind, collection_of
from app.embedders.base import Embedder
from app.library.tags import tag_payloads
# Re-exported: callers import the scanning and id functions from app.indexing.
from app.scan import file_sha256, in_shard, real_path, scan_audio_files, scan_roots, text_id  # noqa: F401
from app.store import VectorStore

Progress = Callable[[int, int, str], None]
ShouldStop = Callable[[], bool]
ID_CHUNK = 1024  # ids per existing_ids call: bounds request size on a server


@dataclass(frozen=True)
class IngestConfig:
    """How a bulk ingest runs. `shard=(i, n)` keeps files whose sha256 mod n == i."""

    batch_size: int = 16
    workers: int = 2
    set_name: str = "library"
    shard: tuple[int, int] | None = None
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.workers < 1:
            raise ValueError("batch_size and workers must be at least 1")
        if not str(self.set_name).strip():
            raise ValueError("set_name must not be empty")
        if self.shard is not None and not (self.shard[1] >= 1 and 0 <= self.shard[0] < self.shard[1]):
            raise ValueError(f"shard must be i/N with 0 <= i < N, got {self.shard[0]}/{self.shard[1]}")


@dataclass
class IngestReport:
    """Outcome of one run; `failed` holds (path, reason) for files that could not be indexed."""

    indexed: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (copy, path that was kept)
    stopped: bool = False  # should_stop() ended the run early
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (path, what): indexed, but cropped/silent

    def summary_line(self) -> str:
        """The line the CLI prints last: `indexed=N skipped=N failed=N`."""
        return f"indexed={self.indexed} skipped={self.skipped} failed={len(self.failed)}"


@dataclass
class _Item:
    path: Path
    root: Path  # the scanned folder it was found under (folder tags are relative to it)
    sha: str
    models: list[int] = field(default_factory=list)  # indexes of embedders still lacking it


@dataclass
class _Decoded:
    waves: dict[int, np.ndarray] = field(default_factory=dict)  # target rate -> mono wave
    info: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)  # stored anyway (cropped, silent)


# --- hashing (scanning and content ids: app/scan.py) ---------------------------
def _hash_all(files: list[tuple[Path, Path]], config: IngestConfig, report: IngestReport,
              pool: ThreadPoolExecutor, progress: Progress | None) -> list[_Item]:
    """Hash in the pool (hashlib releases the GIL); apply the shard; fold duplicates."""
    def safe_hash(found: tuple[Path, Path]) -> str:
        try:
            return file_sha256(real_path(*found))
        except OSError as exc:
            return "!" + (exc.strerror or str(exc))

    items: list[_Item] = []
    first_path: dict[str, Path] = {}
    for n, ((path, root), sha) in enumerate(zip(files, pool.map(safe_hash, files)), 1):
        if progress and (n % 64 == 0 or n == len(files)):
            progress(n, len(files), f"hash: {path}")
        if sha.startswith("!"):
            if config.shard is None or config.shard[0] == 0:  # report unhashable files once
                report.failed.append((str(path), f"cannot read the file: {sha[1:]}"))
            continue
        if not in_shard(sha, config.shard):
            continue
        if sha in first_path:
            report.duplicates.append((str(path), str(first_path[sha])))
            report.skipped += 1
            continue
        first_path[sha] = path
        items.append(_Item(path, root, sha))
    return items


def _mark_missing(items: list[_Item], names: list[str], store) -> list[_Item]:
    """Record which models lack each item; return the items some model still needs."""
    for m, name in enumerate(names):
        have = stored_ids(store, name, [it.sha for it in items])
        for it in items:
            if it.sha not in have:
                it.models.append(m)
    return [it for it in items if it.models]


def stored_ids(store: VectorStore, name: str, ids: list[str]) -> set[str]:
    """store.existing_ids in chunks, so a 100k-file library is not one giant request."""
    have: set[str] = set()
    for start in range(0, len(ids), ID_CHUNK):
        have |= store.existing_ids(name, ids[start:start + ID_CHUNK])
    return have


# --- decoding, embedding, storing ---------------------------------------------
def _decode(item: _Item, rates: Sequence[int]) -> _Decoded:
    """Decode once, streaming into one resampler per rate a model needs (= load_audio(path, rate))."""
    try:
        real = real_path(item.path, item.root)
        clips = load_audio_rates(real, rates)
        waves = {rate: clip.samples for rate, clip in clips.items()}
        audio = clips[rates[0]]
    except AudioError as exc:  # the message starts with the path; the report pairs them anyway
        return _Decoded(error=str(exc).removeprefix(f"{real}: "))
    except OSError as exc:
        return _Decoded(error=f"cannot read the file: {exc.strerror or exc}")
    except Exception as exc:  # a decoder bug must not end a 100k-file run
        return _Decoded(error=f"{type(exc).__name__}: {exc}")
    info = {"duration": round(audio.duration, 3), "sample_rate": audio.source_rate,
            "channels": audio.source_channels}
    return _Decoded(waves, info, warnings=list(audio.warnings))


def _embed_each(embedder, waves: list[np.ndarray]) -> list[np.ndarray | str]:
    """Embed a batch; if it fails, retry one by one so one bad clip fails alone."""
    try:
        return list(embedder.embed_audio(waves))
    except Exception:
        out: list[np.ndarray | str] = []
        for wave in waves:
            try:
                out.append(embedder.embed_audio([wave])[0])
            except Exception as exc:
                out.append(f"embedding with {embedder.name} failed: {type(exc).__name__}: {exc}")
        return out


def _store_batch(batch: list[tuple[_Item, _Decoded]], embedders: Sequence, names: list[str], store,
                 config: IngestConfig, metadata: Mapping[str, Mapping[str, Any]], report: IngestReport) -> None:
    """Embed one batch with every model that needs it and upsert at once (crash-safe unit)."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    errors: dict[str, str] = {}
    stored: set[str] = set()
    for m, (embedder, name) in enumerate(zip(embedders, names)):
        members = [(it, dec) for it, dec in batch if m in it.models]
        if not members:
            continue
        vectors = _embed_each(embedder, [dec.waves[embedder.sample_rate] for _, dec in members])
        keep = [(it, dec, vec) for (it, dec), vec in zip(members, vectors) if not isinstance(vec, str)]
        errors.update({it.sha: vec for (it, _), vec in zip(members, vectors) if isinstance(vec, str)})
        if keep:
            vecs = np.stack([v for _, _, v in keep])
            payloads = [_payload(it, dec, config, metadata.get(str(it.path), {}), now) for it, dec, _ in keep]
            store.upsert(name, [it.sha for it, _, _ in keep], vecs, tag_payloads(embedder, vecs, payloads))
            stored.update(it.sha for it, _, _ in keep)
    for it, _ in batch:
        if it.sha in stored:
            report.indexed += 1
        else:
            report.failed.append((str(it.path), errors.get(it.sha, "not embedded")))


def _payload(item: _Item, dec: _Decoded, config: IngestConfig, extra: Mapping[str, Any], now: str) -> dict:
    payload = {"path": str(item.path), "name": item.path.name, "sha256": item.sha, **dec.info,
               "set": config.set_name, "tags": _tags(item, config.tags, extra.get("tags")), "added_at": now}
    for key, value in extra.items():  # metadata adds fields; it never overrides the core ones
        if key not in payload and key != "tags" and value not in (None, ""):
            payload[key] = value
    return payload


_WORD = re.compile(r"[^\W\d_]{2,}")  # letters only, 2+ long: "Tone440_loud" -> tone, loud


def _tags(item: _Item, extra: Iterable[str], meta_tags: Any) -> list[str]:
    """Folder names below the scan root + configured tags + metadata tags + file-stem words."""
    folders = item.path.parent.relative_to(item.root).parts if item.path.is_relative_to(item.root) else ()
    meta = re.split(r"[;,|]", meta_tags) if isinstance(meta_tags, str) else list(meta_tags or [])
    words = [*folders, *extra, *meta, *_WORD.findall(item.path.stem.lower())]
    return list(dict.fromkeys(w.strip().lower() for w in words if w and w.strip()))


def _pipeline(items: list[_Item], embedders: Sequence, names: list[str], store, config: IngestConfig,
              metadata: Mapping, report: IngestReport, pool: ThreadPoolExecutor, total: int,
              progress: Progress | None, should_stop: ShouldStop | None) -> None:
    """Decode ahead in the pool while the main thread embeds and upserts full batches."""
    pending: deque = deque()
    feed = iter(items)
    lookahead = config.batch_size + 2 * config.workers  # bounds decoded audio held in memory

    def fill() -> None:
        while len(pending) < lookahead and (it := next(feed, None)) is not None:
            rates = sorted({embedders[m].sample_rate for m in it.models})
            pending.append((it, pool.submit(_decode, it, rates)))

    def done() -> int:
        return report.indexed + report.skipped + len(report.failed)

    batch: list[tuple[_Item, _Decoded]] = []
    fill()
    while pending:
        if should_stop is not None and should_stop():
            report.stopped = True
            for _, future in pending:
                future.cancel()
            return
        item, future = pending.popleft()
        fill()
        decoded = future.result()
        if decoded.error is not None:
            report.failed.append((str(item.path), decoded.error))
            if progress:
                progress(done(), total, f"fail: {item.path}: {decoded.error}")
        else:
            report.warnings.extend((str(item.path), w) for w in decoded.warnings)
            batch.append((item, decoded))
        if len(batch) >= config.batch_size or (batch and not pending):
            _store_batch(batch, embedders, names, store, config, metadata, report)
            if progress:
                progress(done(), total, f"stored: {len(batch)} files")
            batch = []


def ingest_paths(paths: Iterable[str | Path], embedders: Sequence[Embedder], store: VectorStore,
                 config: IngestConfig = IngestConfig(), progress: Progress | None = None,
                 should_stop: ShouldStop | None = None,
                 metadata: Mapping[str, Mapping[str, Any]] | None = None) -> IngestReport:
    """Index every audio file under `paths` into each embedder's `<slug>__audio` collection.

    `progress(done, total, message)` is called as work advances (message starts with
    "hash:", "skip:", "fail:" or "stored:"); `should_stop()` is polled between files.
    `metadata` maps an absolute path to extra payload fields. Builds the HNSW index
    (`store.optimize`) at the end when anything was written.
    """
    if not embedders:
        raise ValueError("at least one embedder is needed")
    start = time.perf_counter()
    report = IngestReport()
    names = [collection_for(store, e) for e in embedders]
    files, refused = scan_roots(paths)
    if config.shard is None or config.shard[0] == 0:  # every shard scans: report refusals once
        report.failed.extend(refused)
    with ThreadPoolExecutor(config.workers, thread_name_prefix="ingest") as pool:
        items = _hash_all(files, config, report, pool, progress)
        todo = _mark_missing(items, names, store)
        report.skipped += len(items) - len(todo)
        total = len(items) + len(report.duplicates) + len(report.failed)
        if progress:
            progress(total - len(todo), total, f"skip: {report.skipped} already indexed")
        _pipeline(todo, embedders, names, store, config, metadata or {}, report, pool, total, progress, should_stop)
    if report.indexed:
        for name in names:
            store.optimize(name)  # Edge has no background optimiser: build HNSW after bulk writes
    store.flush()
    report.seconds = time.perf_counter() - start
    return report


def collection_for(store: VectorStore, embedder: Embedder, kind: Kind = "audio") -> str:
    """Name of the embedder's `audio` or `captions` collection, created if missing."""
    name = collection_of(embedder, kind)
    store.ensure_collection(name, embedder.dim)
    return name
