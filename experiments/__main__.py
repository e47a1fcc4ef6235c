"""Command line: list the experiments, or run some on one or more models.

    python -m experiments list
    python -m experiments report --out DIR [--report FILE.md]   # re-render from saved JSON
    python -m experiments run NAME|all --model A [--model B] [--set demo | --manifest FILE]
                          [--out DIR] [--report FILE.md] [--json] [--max-clips N] [--full] [--speak N]
                          [--html directory|cdn|none]

Writes <out>/<name>.json, .csv, figures/ (PNG + HTML) and report.md; prints the readings
(or, with --json, the results as JSON on stdout). Exit 2 with one line on bad input.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from experiments.core import EXPERIMENTS, Cancelled, RunConfig, Session, module, names, run_experiment

DEFAULT_OUT = Path("data") / "experiments"
FULL_STORE_SIZES = (1_000, 10_000, 100_000, 1_000_000)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m experiments", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the experiments")
    again = sub.add_parser("report", help="re-render figures and the report from the JSON in --out (no rerun)")
    again.add_argument("--out", type=Path, default=DEFAULT_OUT)
    again.add_argument("--report", type=Path, default=None)
    again.add_argument("--html", default="directory", choices=["directory", "cdn", "none"])
    run = sub.add_parser("run", help="run experiments and write the report")
    run.add_argument("name", help=f"one of {', '.join(EXPERIMENTS)}, or all")
    run.add_argument("--model", action="append", required=True, help="registry name or model directory (repeat)")
    src = run.add_mutually_exclusive_group()
    src.add_argument("--set", default="demo", choices=["demo"], help="the labelled set (default demo)")
    src.add_argument("--manifest", help="a path,label[,caption,group] CSV instead of the demo set")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    run.add_argument("--report", type=Path, default=None,
                     help="write the Markdown report here instead of <out>/report.md (links point into --out)")
    run.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    run.add_argument("--max-clips", type=int, default=None, help="evenly spaced subset of the set")
    run.add_argument("--full", action="store_true", help="resources: store curve up to 1M vectors (slow)")
    run.add_argument("--speak", type=int, default=3, help="applications: clips whose caption is spoken")
    run.add_argument("--html", default="directory", choices=["directory", "cdn", "none"],
                     help="interactive figures: shared local plotly.min.js, CDN, or none")
    run.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    return parser.parse_args(argv)


def _progress_bar():
    from tqdm import tqdm

    bar = tqdm(total=1, file=sys.stderr, leave=False, dynamic_ncols=True, mininterval=1.0)

    def report(done: int, total: int, message: str) -> None:
        if bar.total != max(total, 1):
            bar.reset(total=max(total, 1))
        bar.set_description(message[:60], refresh=False)
        bar.update(done - bar.n)  # honours mininterval: no flood when stderr is a log file
    return bar, report


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.command == "list":
        for name in EXPERIMENTS:
            mod = module(name)
            print(f"{name:<13} {mod.TITLE}\n{'':<13} {mod.QUESTION}")
        return 0
    if args.command == "report":
        return _rerender(args)
    return _run(args, argv)


def _rerender(args: argparse.Namespace) -> int:
    """Figures, readings and the report again from saved results (reading code changes apply)."""
    from experiments.core import load_result
    from experiments.report import write_report, write_result

    found = {p.stem: p for p in args.out.glob("*.json")}
    results = [load_result(found[n]) for n in EXPERIMENTS if n in found]
    if not results:
        print(f"error: no experiment results (<name>.json) in {args.out}", file=sys.stderr)
        return 2
    figures = [write_result(r, args.out, args.html) for r in results]
    commands = {r.command for r in results if r.command}
    # one recorded command if every result came from it; results run one by one: the make target
    command = commands.pop() if len(commands) == 1 else "make experiments   # or: python -m experiments run all ..."
    print(f"report: {write_report(results, figures, args.out, command, args.report)}")
    return 0


def _run(args: argparse.Namespace, argv: list[str] | None) -> int:
    from experiments.report import write_report, write_result

    command = "python -m experiments " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    try:
        selected = names(args.name)
        config = RunConfig(tuple(args.model), set_name=Path(args.manifest).stem if args.manifest else args.set,
                           manifest=args.manifest, max_clips=args.max_clips, speak=args.speak,
                           store_sizes=FULL_STORE_SIZES if args.full else RunConfig.store_sizes,
                           precision=args.precision)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bar, report = _progress_bar()
    session = Session(config, progress=report, out_dir=args.out)
    results, figures = [], []
    try:
        for name in selected:
            result = run_experiment(name, session)
            result.command = command
            results.append(result)
            figures.append(write_result(result, args.out, args.html))
            if not args.json:
                bar.clear()
                print(f"\n{result.title} ({result.seconds:.0f} s)")
                for line in result.readings:
                    print(f"  - {line}")
    except Cancelled:
        print("cancelled", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, OSError) as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    finally:
        bar.close()
    path = write_report(results, figures, args.out, command, args.report)
    if args.json:
        print(json.dumps([r.to_json() for r in results], indent=1))
    else:
        print(f"\nreport: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
