"""Command line for bulk ingest.

    python -m ingest PATH... --model M [--model M2] [--set NAME] [--store DIR | --qdrant-url URL]
                     [--batch-size N] [--workers N] [--shard i/N] [--tags a,b] [--precision bf16]
    python -m ingest --captions FILE.txt --model M [--kind caption|tag]

Exit codes: 0 the run completed (unreadable files are listed, not fatal); 2 a fatal
error (unknown model, store unreachable, bad arguments), reported as one `error: ...`
line on stderr; 130 stopped by Ctrl-C or SIGTERM after the batch in flight was stored.
The last line on stdout is always `indexed=N skipped=N failed=N` for a completed run.
"""
from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path
from typing import Iterator, Sequence

from app.settings import Settings, add_store_flags, store_flags

EXIT_OK, EXIT_FATAL, EXIT_STOPPED = 0, 2, 130


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one `error: ...` line (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(EXIT_FATAL)


def parse_shard(text: str) -> tuple[int, int]:
    """'i/N' -> (i, N) with 0 <= i < N."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard must look like i/N (e.g. 0/4), not {text!r}") from None
    if not (count >= 1 and 0 <= index < count):
        raise argparse.ArgumentTypeError(f"--shard {text}: need 0 <= i < N")
    return index, count


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for --help tests and docs)."""
    p = _Parser(prog="python -m ingest", description="Index audio files (or caption lines) into the vector store.")
    p.add_argument("paths", nargs="*", help="audio files or folders (scanned recursively)")
    p.add_argument("--model", action="append", required=True, help="registry name or model dir; repeat for several")
    p.add_argument("--models-file", type=Path, default=None, help="TOML file registering your own models (README)")
    p.add_argument("--set", dest="set_name", default=None, help="set name stored with each item (default: library)")
    p.add_argument("--captions", type=Path, help="text file, one caption per line: fill the caption collection")
    p.add_argument("--kind", choices=("caption", "tag"), default="caption", help="kind of the --captions lines")
    add_store_flags(p)
    p.add_argument("--api-key", default=None, help="Qdrant API key (default $QDRANT_API_KEY)")
    p.add_argument("--batch-size", type=int, default=16, help="clips per embedding batch (default 16)")
    p.add_argument("--workers", type=int, default=2, help="decoding threads (default 2)")
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    p.add_argument("--shard", type=parse_shard, default=None, help="i/N: only files whose sha256 mod N == i")
    p.add_argument("--tags", action="append", default=[], help="comma-separated tags added to every file")
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    p.add_argument("--no-vocab", action="store_true", help="do not add the built-in caption vocabulary")
    p.add_argument("-v", "--verbose", action="store_true", help="print a line per stored batch and failure")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    if not args.paths and args.captions is None:
        return _fatal("give audio files/folders to index, or --captions FILE")
    if args.batch_size < 1 or args.workers < 1:
        return _fatal("--batch-size and --workers must be at least 1")
    from app.embedders import ModelUnavailableError, UnknownModelError, load_embedder, resolve
    from app.store import StoreUnavailable

    store = None
    try:
        if args.models_file is not None:
            from app.embedders.models_file import use_models_file

            use_models_file(args.models_file)
        for name in args.model:  # cheap name check before opening anything
            _check_model_name(name, resolve, UnknownModelError)
        settings = Settings().with_flags(**store_flags(args), qdrant_api_key=args.api_key)
        settings.check_store()
        store = settings.open_store()
        store.list_collections()  # a server is only contacted on first use: fail here, in one line
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        embedders = [load_embedder(name, args.precision) for name in args.model]
        if args.captions is not None:
            return _run_captions(args, embedders, store)
        return _run_paths(args, embedders, store)
    except (UnknownModelError, ModelUnavailableError, StoreUnavailable, FileNotFoundError, ValueError) as exc:
        return _fatal(str(exc))
    finally:
        if store is not None:
            store.close()


def _check_model_name(name: str, resolve, unknown: type[Exception]) -> None:
    """resolve(name), with an OS refusal (e.g. a 10,000-character "path") as a clear unknown-model error."""
    try:
        resolve(name)
    except OSError as exc:
        shown = name if len(name) <= 80 else name[:77] + "..."
        raise unknown(f"unknown model {shown!r}: {exc.strerror or exc}") from None


def _fatal(message: str) -> int:
    first = (message.strip().splitlines() or ["unknown error"])[0]
    print(f"error: {first}", file=sys.stderr)
    return EXIT_FATAL


def _run_captions(args: argparse.Namespace, embedders: list, store) -> int:
    from app.bootstrap import ingest_captions, read_lines

    lines = list(dict.fromkeys(read_lines(args.captions)))
    added = [ingest_captions(lines, e, store, set_name=args.set_name or "captions", kind=args.kind)
             for e in embedders]
    print(f"indexed={max(added)} skipped={len(lines) - max(added)} failed=0")
    return EXIT_OK


def _run_paths(args: argparse.Namespace, embedders: list, store) -> int:
    from app.bootstrap import ensure_vocab
    from app.indexing import IngestConfig, ingest_paths

    tags = tuple(t.strip() for group in args.tags for t in group.split(",") if t.strip())
    config = IngestConfig(batch_size=args.batch_size, workers=args.workers, set_name=args.set_name or "library",
                          shard=args.shard, tags=tags)
    if not args.no_vocab:
        for embedder in embedders:
            ensure_vocab(embedder, store)
    with _stop_on_signal() as stop, _ProgressBar(args.verbose) as bar:
        report = ingest_paths(args.paths, embedders, store, config, progress=bar.update, should_stop=stop.is_set)
    for path, reason in report.failed:
        print(f"failed: {path}: {reason}")
    for path, warning in report.warnings:
        print(f"warning: {path}: {warning} (indexed)")
    for path, kept in report.duplicates:
        print(f"duplicate: {path} (same content as {kept}, indexed once)")
    if report.stopped:
        print("stopped: run the same command again to resume", file=sys.stderr)
    print(report.summary_line(), flush=True)
    return EXIT_STOPPED if report.stopped else EXIT_OK


@contextlib.contextmanager
def _stop_on_signal() -> Iterator[threading.Event]:
    """First Ctrl-C or SIGTERM asks the worker to stop after the batch in flight; a second one interrupts.

    SIGTERM is what `docker stop`, systemd and `kill` send: without this the process would
    die mid-batch without closing the store.
    """
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # signals only work there
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum, frame) -> None:
        stop.set()
        signal.signal(signum, previous[signum])

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)  # main() may run in-process (tests, UI)


class _ProgressBar:
    """tqdm bar on stderr fed by `ingest_paths(progress=...)`; one bar per phase (hash, index)."""

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.bar = None
        self.phase = ""

    def __enter__(self) -> "_ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, done: int, total: int, message: str) -> None:
        from tqdm import tqdm

        phase = "hashing" if message.startswith("hash:") else "indexing"
        if phase != self.phase:
            if self.bar is not None:
                self.bar.close()
            self.bar = tqdm(total=total, desc=phase, unit="file", file=sys.stderr, dynamic_ncols=True)
            self.phase = phase
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()
        if self.verbose and not message.startswith("hash:"):
            self.bar.write(message, file=sys.stdout)
            sys.stdout.flush()
