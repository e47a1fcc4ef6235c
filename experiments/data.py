"""The labelled sets experiments run on: the demo set (metadata.csv) or a `train.evaluate` manifest.

A `LabelledSet` is plain data: file paths, one class label per clip (the zero-shot target),
an optional caption, and named metadata columns (category, instrument, mood, ...) that the
experiments group by. Audio is decoded later, through `app.audio`, at each model's rate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.analysis.zeroshot import prompt_label

DEMO_FIELDS = ("category", "instrument", "family", "mood", "language")


@dataclass(frozen=True)
class LabelledSet:
    """N clips with labels; every column of `fields` has N entries ("" = unknown)."""

    name: str
    files: tuple[str, ...]  # absolute paths
    labels: tuple[str, ...]  # zero-shot class of each clip
    captions: tuple[str, ...]  # "" when the set has none
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tags: tuple[tuple[str, ...], ...] = ()  # per clip, may be empty

    def __len__(self) -> int:
        return len(self.files)

    @property
    def classes(self) -> list[str]:
        """Distinct labels in first-seen order."""
        return list(dict.fromkeys(self.labels))

    def label_index(self) -> list[int]:
        order = {c: i for i, c in enumerate(self.classes)}
        return [order[label] for label in self.labels]

    def column(self, name: str) -> tuple[str, ...]:
        """A metadata column, or all-"" when the set lacks it."""
        return self.fields.get(name, ("",) * len(self))

    def subset(self, keep: list[int]) -> "LabelledSet":
        pick = lambda seq: tuple(seq[i] for i in keep)  # noqa: E731
        return LabelledSet(self.name, pick(self.files), pick(self.labels), pick(self.captions),
                           {k: pick(v) for k, v in self.fields.items()}, pick(self.tags) if self.tags else ())


def load_demo(demo_dir: Path) -> LabelledSet:
    """The demo set: label = the first tag (e.g. "grand piano", "italian speech", "siren")."""
    from app.bootstrap import read_metadata

    meta_file = Path(demo_dir) / "metadata.csv"
    if not meta_file.is_file():
        raise FileNotFoundError(f"{meta_file}: the demo set has no metadata.csv")
    rows = {p: r for p, r in sorted(read_metadata(meta_file).items()) if Path(p).is_file()}
    if not rows:
        raise ValueError(f"{demo_dir}: metadata.csv lists no existing audio file")
    tags = [tuple(t.strip() for t in r.get("tags", "").split(";") if t.strip()) for r in rows.values()]
    labels = [prompt_label(t[0] if t else r.get("category") or "sound").lower() for t, r in zip(tags, rows.values())]
    fields = {f: tuple(r.get(f, "").lower() for r in rows.values()) for f in DEMO_FIELDS}
    return LabelledSet("demo", tuple(rows), tuple(labels), tuple(r.get("caption", "") for r in rows.values()),
                       fields, tuple(tags))


def load_manifest(path: str | Path) -> LabelledSet:
    """A `path,label[,caption,group]` CSV as read by `train.evaluate` (group -> "category")."""
    from train.evaluate import read_manifest

    manifest = read_manifest(path)
    rows = [r for r in manifest.rows if r.path.is_file()]
    if not rows:
        raise ValueError(f"{path}: no listed audio file exists")
    groups = tuple((r.group or "").lower() for r in rows)
    return LabelledSet(Path(path).stem, tuple(str(r.path.resolve()) for r in rows),
                       tuple(manifest.display.get(r.label, r.label).lower() for r in rows),
                       tuple(r.caption or "" for r in rows), {"category": groups, "label": tuple(r.label for r in rows)})


def limit(data: LabelledSet, max_clips: int | None, seed: int = 0) -> LabelledSet:
    """At most `max_clips` clips, spread evenly over the sorted set (deterministic)."""
    if not max_clips or len(data) <= max_clips:
        return data
    import numpy as np

    keep = np.unique(np.linspace(0, len(data) - 1, max_clips).round().astype(int)).tolist()
    return data.subset(keep)
