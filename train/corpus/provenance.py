"""Provenance of the real recordings: every file the renderer may draw from (and every file
held out for the dev set) with its Debian package, version and licence, written beside the
corpus as `real_sources.csv`; package records go into corpus.json and the model cards."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from .festival import HELD_OUT_VOICES, VOICE_BY_NAME, load_pool
from .festival_text import TRAIN_SLOTS
from .fetch import file_licence, load_packages
from .real_catalog import catalog, is_held_out

SOURCES_CSV = "real_sources.csv"
COLUMNS = ("path", "package", "version", "licence", "kind", "label", "use")


def source_rows(root: str) -> list[dict]:
    """One row per recorded file (samples and synthesised speech-pool files)."""
    packages = load_packages(root)
    texts = {name: (Path(root) / rec["copyright"]).read_text(encoding="utf-8", errors="replace")
             if rec.get("copyright") else "" for name, rec in packages.items()}
    rows = []
    for s in catalog(root):
        rec = packages[s.package]
        inside = s.path.split("/", 2)[2]  # path inside the package (usr/share/...)
        licence = file_licence(texts[s.package], inside) or rec["licence"]
        rows.append({"path": s.path, "package": s.package, "version": rec["version"], "licence": licence,
                     "kind": s.kind, "label": s.label, "use": "dev" if is_held_out(s) else "train"})
    for r in load_pool(root):
        voice = VOICE_BY_NAME[r["voice"]]
        rec = packages[voice.package]
        dev = r["voice"] in HELD_OUT_VOICES or r["slot"] not in TRAIN_SLOTS
        rows.append({"path": r["path"], "package": voice.package, "version": rec["version"],
                     "licence": rec["licence"], "kind": "speech", "label": voice.language.lower(),
                     "use": "dev" if dev else "train"})
    return rows


def write_sources(root: str, out_dir: str | Path) -> dict:
    """Write real_sources.csv; return {packages: {name: record}, files: counts by use}."""
    rows = source_rows(root)
    with open(Path(out_dir) / SOURCES_CSV, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    used = {r["package"] for r in rows}
    return {"root": root, "packages": {k: v for k, v in load_packages(root).items() if k in used},
            "files": dict(Counter(r["use"] for r in rows))}
