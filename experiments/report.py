"""Writing results: JSON + CSV per experiment, figures (PNG + HTML), one Markdown report, a zip.

    out/
      report.md                    the readings, tables and figures of every experiment run
      <experiment>.json / .csv     the raw rows (schema "aeb-experiment/1")
      figures/<experiment>-<chart>.png / .html
"""
from __future__ import annotations

import csv
import re
import json
import zipfile
from pathlib import Path
from typing import Sequence

from experiments.charts import Chart, write_html, write_png
from experiments.core import Result, module

MAX_TABLE_ROWS = 40
METHOD = (
    "How to read it:",
    "- **Drift** is 1 - cosine between a clip's embedding after a change and before it (0 = unchanged). "
    "Changed clips go through the app's own audio path (`app/audio.py` resampling) and the model's own "
    "preprocessing (`Embedder.embed_audio`), exactly as an uploaded file would.",
    "- **Zero-shot accuracy**: each clip is classified as its most similar label text (the demo set's label is "
    "a clip's first tag, e.g. `grand piano`, `italian speech`, `siren`; labels are prompt-ensembled as in "
    "`app/analysis/zeroshot.py`). **R@10**: caption -> audio retrieval. Metrics come from "
    "`app/analysis/metrics.py`.",
    "- Timings are wall-clock on the machine named in the resources rows; on a shared CPU they are noisy, so "
    "compare shapes of curves rather than single values.",
)


def figures_of(result: Result) -> list[Chart]:
    return module(result.experiment).charts(result.rows)


def write_result(result: Result, out_dir: Path, html: str = "directory") -> dict[str, list[str]]:
    """Write one result's JSON, CSV and figures; returns {"png": [...], "html": [...]} relative paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{result.experiment}.json").write_text(json.dumps(result.to_json(), indent=1))
    write_csv(result.rows, out_dir / f"{result.experiment}.csv")
    figures = {"png": [], "html": []}
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(exist_ok=True)
    for chart in figures_of(result):
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{result.experiment}-{chart.name}").strip("-")[:90]
        if write_png(chart, fig_dir / f"{stem}.png"):
            figures["png"].append(f"figures/{stem}.png")
        if html != "none":
            write_html(chart, fig_dir / f"{stem}.html", html)
            figures["html"].append(f"figures/{stem}.html")
    return figures


def write_csv(rows: Sequence[dict], path: Path) -> None:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def markdown_table(rows: Sequence[dict], columns: Sequence[str] | None = None, limit: int = MAX_TABLE_ROWS) -> str:
    """A GitHub Markdown table of `rows` (floats to 3 decimals), at most `limit` rows."""
    if not rows:
        return "_no rows_"
    columns = list(columns or dict.fromkeys(k for row in rows for k in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows[:limit]:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    if len(rows) > limit:
        lines.append(f"\n_{len(rows) - limit} more rows in the CSV._")
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value).replace("|", "/").replace("\n", " ")


def section(result: Result, figures: dict[str, list[str]], prefix: str = "") -> str:
    """The Markdown section of one experiment; links are `prefix` + a path inside the output folder."""
    mod = module(result.experiment)
    figures = {kind: [prefix + f for f in files] for kind, files in figures.items()}
    set_note = f"{result.n_clips} clips of the `{result.set_name}` set, " if result.n_clips else ""
    parts = [f"## {result.title}", f"_{result.question}_", "",
             f"Models: {', '.join(f'`{m}`' for m in result.models)} · {set_note}{result.seconds:.0f} s · "
             f"raw rows: [`{result.experiment}.csv`]({prefix}{result.experiment}.csv), "
             f"[`{result.experiment}.json`]({prefix}{result.experiment}.json)", "", "**Reading**", ""]
    parts += [f"- {line}" for line in result.readings] or ["- (no reading: no rows)"]
    parts.append("")
    html = {Path(h).stem: h for h in figures.get("html", [])}
    for png in figures.get("png", []):
        link = f" ([interactive]({html[Path(png).stem]}))" if Path(png).stem in html else ""
        parts += [f"![{Path(png).stem}]({png}){link}", ""]
    if not figures.get("png"):
        parts += [f"- [{Path(h).stem}]({h})" for h in figures.get("html", [])] + [""]
    table_rows = getattr(mod, "table_rows", lambda rows: rows)(result.rows)
    parts += [markdown_table(table_rows, getattr(mod, "TABLE_COLUMNS", None)), ""]
    return "\n".join(parts)


def write_report(results: Sequence[Result], figures: Sequence[dict[str, list[str]]], out_dir: Path,
                 command: str, report_path: Path | None = None) -> Path:
    """The Markdown report over all results (in the order run): `out_dir`/report.md, or
    `report_path` with its links pointing into `out_dir`."""
    import os

    path = Path(report_path) if report_path else out_dir / "report.md"
    rel = os.path.relpath(out_dir.resolve(), path.parent.resolve())
    prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
    models = list(dict.fromkeys(m for r in results for m in r.models))
    head = ["# Experiments", "",
            f"Models: {', '.join(f'`{m}`' for m in models)}. Regenerate with:", "", "```bash", command, "```", "",
            "Every number below is computed by the command above; the readings are generated from the "
            "numbers, not written by hand.", "", *METHOD, ""]
    toc = [f"- [{r.title}](#{_anchor(r.title)})" for r in results]
    body = [section(r, f, prefix) for r, f in zip(results, figures)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(head + toc + [""] + body))
    return path


def _anchor(title: str) -> str:
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -")
    return keep.replace(" ", "-")


def zip_dir(out_dir: Path, target: Path) -> Path:
    """Everything under `out_dir` in one zip (the tab's download)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(out_dir.rglob("*")):
            if f.is_file() and f != target:
                zf.write(f, f.relative_to(out_dir))
    return target
