"""Library commands over what is already stored (no audio decoding):

    python -m ingest tags       --model M [--set S] [--store DIR | --qdrant-url URL]
    python -m ingest duplicates --model M [--set S] [--threshold T] [--k K] [--out groups.csv]
    python -m ingest facets     --model M [--set S]

`tags` recomputes every clip's auto tags with model M (after a model or vocabulary
change); `duplicates` writes near-duplicate groups as CSV (stdout or --out) and a summary
line on stderr; `facets` prints tag counts per facet. Exit codes as `python -m ingest`:
0 done, 2 a fatal error reported as one `error: ...` line.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Sequence

COMMANDS = ("tags", "duplicates", "facets")
EXIT_OK, EXIT_FATAL = 0, 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingest", description="Library commands over stored embeddings.")
    p.add_argument("command", choices=COMMANDS)
    p.add_argument("--model", required=True, help="registry name or model dir (its collection is used)")
    p.add_argument("--set", dest="set_name", default=None, help="only this set (default: all)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--store", type=Path, help="embedded store directory (default: data/store)")
    where.add_argument("--qdrant-url", default=os.environ.get("QDRANT_URL") or None, help="Qdrant server URL")
    p.add_argument("--api-key", default=os.environ.get("QDRANT_API_KEY") or None)
    p.add_argument("--threshold", type=float, default=None, help="duplicates: cosine (default: calibrated per model)")
    p.add_argument("--k", type=int, default=10, help="duplicates: ANN neighbours per clip (default 10)")
    p.add_argument("--out", type=Path, default=None, help="duplicates: CSV file (default: stdout)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from app.embedders import ModelUnavailableError, UnknownModelError, load_embedder
    from app.store import StoreUnavailable, collection_name, model_slug, open_store

    try:
        with open_store(store_dir=args.store, qdrant_url=None if args.store else args.qdrant_url,
                        api_key=args.api_key) as store:
            name = collection_name(model_slug(args.model), "audio")
            if not store.has_collection(name):
                raise ValueError(f"model {args.model!r} has no stored audio yet: run `python -m ingest PATH "
                                 f"--model {args.model}` first")
            if args.command == "tags":
                return _tags(store, name, load_embedder(args.model))
            if args.command == "facets":
                return _facets(store, name, args.set_name)
            return _duplicates(store, name, args)
    except (UnknownModelError, ModelUnavailableError, StoreUnavailable, FileNotFoundError, ValueError) as exc:
        print(f"error: {(str(exc).strip().splitlines() or ['unknown error'])[0]}", file=sys.stderr)
        return EXIT_FATAL


def _tags(store, name: str, embedder) -> int:
    from app.library.tags import Tagger, retag_collection

    start = time.perf_counter()
    n = retag_collection(store, name, Tagger(embedder),
                         progress=lambda done, total: print(f"\rtagged {done}/{total}", end="", file=sys.stderr))
    print(f"\ntagged={n} model={embedder.name} seconds={time.perf_counter() - start:.1f}")
    return EXIT_OK


def _facets(store, name: str, set_name: str | None) -> int:
    from app.library.tags import facet_counts

    for facet, counts in facet_counts(store, name, set_name).items():
        print(f"{facet}: " + ", ".join(f"{tag} {n}" for tag, n in counts))
    return EXIT_OK


def _duplicates(store, name: str, args: argparse.Namespace) -> int:
    from app.library.duplicates import DuplicateConfig, find_duplicates, groups_csv, threshold_for

    config = DuplicateConfig(threshold=args.threshold if args.threshold is not None else threshold_for(args.model),
                             k=args.k)
    start = time.perf_counter()
    groups = find_duplicates(store, name, config, args.set_name)
    text = groups_csv(groups)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    files = sum(len(g) for g in groups)
    print(f"groups={len(groups)} files={files} threshold={config.threshold} "
          f"seconds={time.perf_counter() - start:.1f}", file=sys.stderr)
    return EXIT_OK
