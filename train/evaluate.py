"""Evaluate audio-text embedders on a manifest of your own recordings.

    python -m train.evaluate --model mini-clap [--model DIR ...] --manifest clips.csv [--json]

The CSV has `path,label` and optional `caption,group` columns (paths relative to the
CSV). Reports zero-shot accuracy, per-group accuracy, text->audio and audio->text
recall@k, the modality gap and collapse statistics; see docs/evaluation.md. Files that
cannot be read are listed and skipped; fatal problems exit 2 with one line on stderr.
`evaluate(embedder, manifest)` is the same computation for the training code.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from app.analysis import metrics
from app.analysis.zeroshot import class_text_embeddings, model_templates, prompt_label, validate_templates
from app.audio import AudioError, load_audio

# accepted header spellings (case-insensitive); ESC-50 style `filename,category` works as is
COLUMNS = {"path": ("path", "file", "filename", "filepath"), "label": ("label", "category", "class"),
           "caption": ("caption",), "group": ("group",)}
KS = (1, 5, 10)
MAX_LISTED = 20  # skipped files printed in full up to this many


class EvaluationError(Exception):
    """A fatal problem (bad manifest, nothing readable): reported as one line, exit 2."""


@dataclass
class Row:
    line: int
    path: Path
    label: str  # class key: underscores/whitespace/case folded, so " Piano" == "piano"
    caption: Optional[str]
    group: Optional[str]


@dataclass
class Manifest:
    rows: list[Row] = field(default_factory=list)
    display: dict[str, str] = field(default_factory=dict)  # class key -> first spelling seen
    skipped: list[dict[str, Any]] = field(default_factory=list)  # invalid rows, with line numbers
    warnings: list[str] = field(default_factory=list)


def _clean(text: Optional[str]) -> str:
    return " ".join((text or "").split())


def read_manifest(path: str | Path) -> Manifest:
    """Parse the CSV; invalid rows are skipped and listed, structural problems raise EvaluationError."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise EvaluationError(f"manifest {path} does not exist")
    raw = path.read_bytes()
    try:
        text, warnings = raw.decode("utf-8-sig"), []  # -sig: Excel's byte-order mark
    except UnicodeDecodeError:
        text, warnings = raw.decode("latin-1"), ["manifest is not UTF-8; read as Latin-1"]
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise EvaluationError(f"manifest {path} is empty")
    delimiter = max(",;\t", key=lines[0].count)  # the commonest separator in the header wins
    reader = csv.DictReader(lines, delimiter=delimiter)
    names = {(n or "").strip().lower(): n for n in reader.fieldnames or []}
    cols = {key: next((names[a] for a in aliases if a in names), None) for key, aliases in COLUMNS.items()}
    missing = [k for k in ("path", "label") if cols[k] is None]
    if missing:
        raise EvaluationError(f"manifest {path} lacks column(s) {', '.join(missing)} "
                              f"(found: {', '.join(names) or 'no header'}; need path,label[,caption,group])")
    manifest = Manifest(warnings=warnings)
    for rec in reader:
        _add_row(manifest, rec, cols, path.parent, reader.line_num)
    if not manifest.rows and not manifest.skipped:
        raise EvaluationError(f"manifest {path} has a header but no rows")
    return manifest


def _add_row(manifest: Manifest, rec: dict, cols: dict, base: Path, line: int) -> None:
    get = lambda key: _clean(rec.get(cols[key])) if cols[key] else ""  # noqa: E731
    file, label = get("path"), get("label")
    if not any(_clean(v) for v in rec.values() if isinstance(v, str)):
        return  # blank line
    if not file or not label:
        manifest.skipped.append({"line": line, "path": file, "reason": "empty path" if not file else "empty label"})
        return
    key = prompt_label(label).casefold()
    manifest.display.setdefault(key, label)
    p = Path(file).expanduser()
    manifest.rows.append(Row(line, p if p.is_absolute() else base / p, key, get("caption") or None,
                             get("group") or None))


def embed_files(embedder, paths: list[Path], batch_size: int, progress: bool) -> tuple[np.ndarray, list[int], list[dict]]:
    """Embed readable files in batches -> (emb [K, D], indices of `paths` kept, skipped entries)."""
    from tqdm import tqdm

    chunks, kept, skipped = [np.zeros((0, embedder.dim), np.float32)], [], []
    bar = tqdm(total=len(paths), unit="file", file=sys.stderr, disable=not progress, desc=embedder.name)
    for start in range(0, len(paths), batch_size):  # decode per batch: long recordings stay bounded
        waves, idx = [], []
        for i in range(start, min(start + batch_size, len(paths))):
            try:
                waves.append(load_audio(paths[i], embedder.sample_rate).samples)
                idx.append(i)
            except (AudioError, OSError, MemoryError) as exc:
                skipped.append({"path": str(paths[i]), "reason": _reason(exc, paths[i])})
            bar.update(1)
        if waves:
            emb, ok = _embed_batch(embedder, waves, idx, paths, skipped)
            chunks.append(emb)
            kept += ok
    bar.close()
    return np.concatenate(chunks), kept, skipped


def _embed_batch(embedder, waves, idx, paths, skipped) -> tuple[np.ndarray, list[int]]:
    """Embed a batch; if the model fails on it, retry one by one so one bad clip costs only itself."""
    try:
        return embedder.embed_audio(waves), idx
    except Exception:  # noqa: BLE001 - any model failure is isolated per file below
        rows, ok = [np.zeros((0, embedder.dim), np.float32)], []
        for wave, i in zip(waves, idx):
            try:
                rows.append(embedder.embed_audio([wave]))
                ok.append(i)
            except Exception as exc:  # noqa: BLE001
                skipped.append({"path": str(paths[i]), "reason": f"model failed: {type(exc).__name__}: {exc}"})
        return np.concatenate(rows), ok


def _reason(exc: Exception, path: Path) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return msg.split(": ", 1)[1] if msg.startswith(f"{path}: ") else msg


def evaluate(embedder, manifest_path: str | Path, templates=None, batch_size: int = 16,
             progress: bool = False) -> dict[str, Any]:
    """All metrics for one embedder on one manifest, as a dict (NaN where undefined).

    Raises EvaluationError when the manifest is unusable or no file could be read.
    """
    templates = validate_templates(templates) if templates else model_templates(embedder)
    man = read_manifest(manifest_path)
    if not man.rows:
        s = man.skipped[0]
        raise EvaluationError(f"no usable rows in {manifest_path} (line {s['line']}: {s['reason']})")
    paths = list(dict.fromkeys(r.path for r in man.rows))  # each file embedded once
    audio, kept, skipped = embed_files(embedder, paths, batch_size, progress)
    if not kept:
        first = f" (first: {skipped[0]['path']}: {skipped[0]['reason']})" if skipped else ""
        raise EvaluationError(f"none of the {len(paths)} audio files in {manifest_path} could be read{first}")
    slot = {paths[i]: j for j, i in enumerate(kept)}
    rows = [r for r in man.rows if r.path in slot]
    keys = sorted({r.label for r in rows})
    class_of = {k: c for c, k in enumerate(keys)}
    class_emb = class_text_embeddings(embedder, [man.display[k] for k in keys], templates)
    label_idx = np.array([class_of[r.label] for r in rows])
    acc, pred = metrics.zero_shot_accuracy(audio[[slot[r.path] for r in rows]], class_emb, label_idx)
    res: dict[str, Any] = {
        "model": embedder.name, "manifest": str(manifest_path), "templates": list(templates),
        "n_rows": len(man.rows) + len(man.skipped), "n_files": len(paths), "n_used_files": len(kept),
        "n_skipped": len(man.skipped) + len(skipped), "skipped": man.skipped + skipped,
        "n_classes": len(keys), "labels": [man.display[k] for k in keys], "chance_accuracy": 1 / len(keys),
        "zero_shot_accuracy": acc if len(keys) > 1 else math.nan,
        "per_group": metrics.per_group_accuracy(pred, label_idx, [r.group or "(none)" for r in rows])
        if any(r.group for r in rows) else {}, "warnings": list(man.warnings)}
    res["per_group_zero_shot"] = _within_group_zero_shot(audio[[slot[r.path] for r in rows]], class_emb, label_idx,
                                                         [r.group for r in rows])
    if len(keys) == 1:
        res["warnings"].append("only one label: zero-shot accuracy is undefined, recall is trivial")
    text_emb = _retrieval(embedder, res, rows, slot, class_of, class_emb, audio)
    res["modality_gap"] = metrics.modality_gap(audio, text_emb)
    res["collapse"] = {"audio": _collapse(audio), "text": _collapse(text_emb)}
    first_label = {slot[r.path]: r.label for r in reversed(rows)}
    file_labels = [first_label[j] for j in range(len(audio))]
    res["audio_silhouette"] = metrics.silhouette_by_label(audio, file_labels)
    res["audio_knn_purity"] = metrics.knn_purity(audio, file_labels, k=10)
    return res


def _within_group_zero_shot(audio: np.ndarray, class_emb: np.ndarray, label_idx: np.ndarray,
                            groups: list[Optional[str]]) -> dict[str, dict[str, float]]:
    """Zero-shot top-1 of each group's clips among that group's labels only (a task per group,
    e.g. "which instrument" among instruments): {group: {accuracy, n, n_classes, chance}}."""
    out: dict[str, dict[str, float]] = {}
    grp = np.asarray([g or "" for g in groups], dtype=object)
    for g in sorted(set(grp.tolist()) - {""}):
        mask = grp == g
        classes = np.unique(label_idx[mask])
        if len(classes) < 2:
            continue
        local = np.searchsorted(classes, label_idx[mask])
        acc, _ = metrics.zero_shot_accuracy(audio[mask], class_emb[classes], local)
        out[g] = {"accuracy": acc, "n": int(mask.sum()), "n_classes": int(len(classes)), "chance": 1 / len(classes)}
    return out


def _text_key(r: Row) -> tuple[str, str]:
    return ("caption", r.caption.casefold()) if r.caption else ("label", r.label)


def _retrieval(embedder, res, rows, slot, class_of, class_emb, audio) -> np.ndarray:
    """t2a and a2t recall over unique texts (a caption, or the label's prompt when it has none).

    Fills `res` and returns the unique text embeddings [T, D]."""
    text_keys: dict[tuple, int] = {}
    captions: list[str] = []
    for r in rows:
        key = _text_key(r)
        if key not in text_keys:
            text_keys[key] = len(text_keys)
            if r.caption:
                captions.append(r.caption)
    cap_emb = iter(embedder.embed_text(captions)) if captions else iter(())
    text_emb = np.stack([next(cap_emb) if kind == "caption" else class_emb[class_of[v]]
                         for kind, v in text_keys])
    audio_of_text = [set() for _ in text_keys]
    texts_of_audio = [set() for _ in range(len(audio))]
    for r in rows:  # duplicate captions / multi-caption clips: any matching one counts
        t = text_keys[_text_key(r)]
        audio_of_text[t].add(slot[r.path])
        texts_of_audio[slot[r.path]].add(t)
    for name, rec in (("t2a", metrics.recall_at_k(text_emb, audio, audio_of_text, KS)),
                      ("a2t", metrics.recall_at_k(audio, text_emb, texts_of_audio, KS))):
        res.update({f"{name}_r{k}": rec[f"R@{k}"] for k in KS})
    res["n_texts"] = len(text_keys)
    n_cap = sum(1 for kind, _ in text_keys if kind == "caption")
    res["text_source"] = ("captions" if n_cap == len(text_keys) else "label prompts" if n_cap == 0
                          else "captions + label prompts")
    return text_emb


def _collapse(emb: np.ndarray) -> dict[str, float]:
    keys = ("mean_pairwise_cosine", "mean_dim_std", "std_ratio", "effective_rank", "top1_singular_ratio")
    return metrics.collapse_stats(emb) if len(emb) >= 2 else dict.fromkeys(keys, math.nan)


# --- output ---------------------------------------------------------------------
def _fmt(v: Any) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def format_table(results: list[dict]) -> str:
    """Metrics as rows, models as columns."""
    rows: list[tuple[str, list[str]]] = [
        ("files used", [f"{r['n_used_files']}/{r['n_files']}" for r in results]),
        ("classes (chance)", [f"{r['n_classes']} ({_fmt(r['chance_accuracy'])})" for r in results]),
        ("zero-shot accuracy", [_fmt(r["zero_shot_accuracy"]) for r in results])]
    for g in sorted({g for r in results for g in r["per_group"]}):
        rows.append((f"  group {g}", [f"{_fmt(r['per_group'][g]['accuracy'])} (n={r['per_group'][g]['n']})"
                                      if g in r["per_group"] else "-" for r in results]))
    for g in sorted({g for r in results for g in r.get("per_group_zero_shot", {})}):
        rows.append((f"  {g}, among its own labels", [
            f"{_fmt(r['per_group_zero_shot'][g]['accuracy'])} (chance {_fmt(r['per_group_zero_shot'][g]['chance'])})"
            if g in r.get("per_group_zero_shot", {}) else "-" for r in results]))
    for d, what in (("t2a", "text->audio"), ("a2t", "audio->text")):
        rows.append((f"{what} R@1/5/10", ["/".join(_fmt(r[f"{d}_r{k}"]) for k in KS) for r in results]))
    rows.append(("  texts (source)", [f"{r['n_texts']} ({r['text_source']})" for r in results]))
    for key in ("centroid_distance", "linear_separability", "mean_cosine_audio_text"):
        rows.append((f"gap {key.replace('_', ' ')}", [_fmt(r["modality_gap"][key]) for r in results]))
    for mod in ("audio", "text"):
        for key in ("mean_pairwise_cosine", "mean_dim_std", "effective_rank", "top1_singular_ratio"):
            rows.append((f"{mod} {key.replace('_', ' ')}", [_fmt(r["collapse"][mod][key]) for r in results]))
    rows += [("audio silhouette (label)", [_fmt(r["audio_silhouette"]) for r in results]),
             ("audio kNN purity (k=10)", [_fmt(r["audio_knn_purity"]) for r in results])]
    head = ("metric", [r["model"] for r in results])
    w0 = max(len(n) for n, _ in [head] + rows)
    widths = [max(len(c[i]) for _, c in [head] + rows) for i in range(len(results))]
    return "\n".join(f"{n:<{w0}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, widths))
                     for n, cells in [head] + rows)


def _report_skipped(res: dict) -> None:
    if not res["skipped"]:
        return
    bad_rows = sum("line" in s for s in res["skipped"])
    print(f"[{res['model']}] skipped {bad_rows} of {res['n_rows']} manifest rows and "
          f"{res['n_skipped'] - bad_rows} of {res['n_files']} audio files:")
    for s in res["skipped"][:MAX_LISTED]:
        where = f"line {s['line']}" if "line" in s else s["path"]
        print(f"  {where}: {s['reason']}")
    if len(res["skipped"]) > MAX_LISTED:
        print(f"  ... and {len(res['skipped']) - MAX_LISTED} more (see --json output)")


def to_jsonable(obj: Any) -> Any:
    """NaN/inf -> null and numpy scalars -> Python, so any JSON parser accepts the line."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    return obj.item() if isinstance(obj, np.generic) else obj


def _templates_arg(values: Optional[list[str]]) -> Optional[tuple[str, ...]]:
    """`--templates` values, or one text file with a template per line; None: each model's own."""
    if values and len(values) == 1 and Path(values[0]).is_file():
        values = [t.strip() for t in Path(values[0]).read_text().splitlines() if t.strip() and not t.startswith("#")]
    return validate_templates(values) if values else None


def _parse(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m train.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="extend", nargs="+", required=True, help="name or directory; repeatable")
    parser.add_argument("--manifest", required=True, help="CSV with path,label[,caption,group]")
    parser.add_argument("--templates", nargs="+", help="prompt templates with {label}, or a file of them")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print a JSON object as the last line")
    parser.add_argument("--no-progress", action="store_true")
    return parser.parse_args(argv)


def _load_models(names: list[str]) -> list:
    """Load every model before evaluating any, so a bad name fails in seconds, not after a run."""
    from app.embedders import load_embedder, resolve

    for name in names:
        resolve(name)  # UnknownModelError names the valid choices
    models = []
    for name in names:
        try:
            models.append(load_embedder(name))
        except Exception as exc:  # noqa: BLE001 - broken checkpoints raise all sorts
            raise EvaluationError(f"could not load model '{name}': {type(exc).__name__}: {exc}") from exc
    return models


def main(argv: Optional[list[str]] = None) -> int:
    """CLI entry point; returns the exit status (0 ok, 2 fatal)."""
    args = _parse(argv)
    try:
        templates = _templates_arg(args.templates)
        read_manifest(args.manifest)  # fail fast, before any model loads
        results = [evaluate(m, args.manifest, templates, max(1, args.batch_size), progress=not args.no_progress)
                   for m in _load_models(args.model)]
    except (EvaluationError, ValueError) as exc:  # ValueError covers UnknownModelError and bad templates
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    print(f"manifest: {args.manifest}  templates: "
          + "; ".join(f"{r['model']}: {' | '.join(r['templates'])}" for r in results))
    for res in results:
        _report_skipped(res)
        for w in res["warnings"]:
            print(f"[{res['model']}] warning: {w}")
    print(format_table(results))
    if args.json:  # one model: its flat object; several: {"models": [...]}
        payload = results[0] if len(results) == 1 else {"models": results}
        print(json.dumps(to_jsonable(payload), separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
