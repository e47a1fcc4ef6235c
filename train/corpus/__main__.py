"""CLI: python -m train.corpus --out data/corpus --n-train 40000 --n-test 3000 --seed 0 --workers 2 [--real DIR]

`--real DIR` mixes real recordings (fetched with `python -m train.corpus.fetch --out DIR`) into TRAIN.

`--demo DIR` / `--vocab DIR` additionally (re)write the curated demo set and the caption/tag
vocabulary (sample_data/demo, sample_data/vocab in the repository)."""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from .config import CorpusConfig, RealSpec
from .render import render_corpus


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m train.corpus", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="data/corpus", help="output directory (train/ and test/ inside)")
    p.add_argument("--n-train", type=int, default=40_000)
    p.add_argument("--n-test", type=int, default=3_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2, help="processes (use at most the core count)")
    p.add_argument("--demo", default=None, help="also write the demo set here (e.g. sample_data/demo)")
    p.add_argument("--vocab", default=None, help="also write captions.txt/tags.txt here (sample_data/vocab)")
    p.add_argument("--real", default="", help="fetch folder of `python -m train.corpus.fetch` (real recordings "
                   "in TRAIN; empty = synthetic only)")
    p.add_argument("--real-share", type=float, default=RealSpec.share, help="fraction of TRAIN clips from real recordings")
    p.add_argument("--skip-corpus", action="store_true", help="only write --demo/--vocab")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.vocab:
        from .vocab import write_vocab
        print(json.dumps(write_vocab(args.vocab)))
    if args.demo:
        from .demo import write_demo
        print(json.dumps(write_demo(args.demo, seed=args.seed)))
    if args.skip_corpus:
        return
    t0 = time.time()
    cfg = replace(CorpusConfig(), real=RealSpec(root=str(Path(args.real).resolve()) if args.real else "",
                                                 share=args.real_share))
    summary = render_corpus(args.out, args.n_train, args.n_test, args.seed, args.workers, cfg)
    print(json.dumps({s: summary[s] for s in ("train", "test")}, indent=1))
    print(f"[corpus] done in {time.time() - t0:.1f}s -> {args.out}")


if __name__ == "__main__":
    main()
