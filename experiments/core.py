"""The shared runner: a frozen config, a session (models, set, caches, progress, stop), results.

Every experiment module exposes `NAME`, `TITLE`, `QUESTION`, `run(session) -> list[dict]`,
`charts(rows) -> list[Chart]` and `readings(rows) -> list[str]`; `run_experiment` wraps it
into a `Result` that serialises to JSON. Rows are flat dicts of scalars, one per
(model, condition); they never carry a "path" key (a gradio client would take the row for
a file to download), file names go under "file".
"""
from __future__ import annotations

import importlib
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from app.settings import DEMO_DIR, VOCAB_DIR
from experiments.data import LabelledSet, limit, load_demo, load_manifest

EXPERIMENTS: tuple[str, ...] = ("processing", "signals", "descriptions", "resources", "applications")
SCHEMA = "aeb-experiment/1"
Progress = Callable[[int, int, str], None]


class Cancelled(RuntimeError):
    """The stop event was set: the run ended early and wrote nothing."""


@dataclass(frozen=True)
class RunConfig:
    """What to run on: models, the labelled set, and the knobs that bound the cost."""

    models: tuple[str, ...]
    set_name: str = "demo"  # "demo" or the stem of `manifest`
    manifest: str | None = None  # a train.evaluate-style CSV instead of the demo set
    max_clips: int | None = None  # evenly spaced subset of the set (None: all)
    store_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)  # resources: vectors in the store
    projection_sizes: tuple[int, ...] = (100, 300, 1000)  # resources: points projected
    projection_methods: tuple[str, ...] = ("pca", "tsne", "umap")
    speak: int = 3  # applications: clips whose pseudo-caption is spoken
    seed: int = 0
    precision: str = "fp32"
    demo_dir: str = str(DEMO_DIR)
    vocab_dir: str = str(VOCAB_DIR)

    def __post_init__(self) -> None:
        if not self.models:
            raise ValueError("choose at least one model")
        if len(set(self.models)) != len(self.models):
            raise ValueError(f"a model is listed twice: {list(self.models)}")

    def public(self) -> dict[str, Any]:
        """The config as JSON (local folders shown by name only)."""
        out = asdict(self)
        out["demo_dir"], out["vocab_dir"] = Path(self.demo_dir).name, Path(self.vocab_dir).name
        out["manifest"] = Path(self.manifest).name if self.manifest else None
        return out


class Session:
    """Models, the set, cached waveforms/embeddings, progress and cancellation for one run.

    `embedders` maps a model name to an already built `Embedder` (tests inject toy ones);
    other names go through the registry (`app.embedders.load_embedder`).
    """

    def injected(self, name: str) -> bool:
        """Whether `name` was handed in as an object rather than loaded from the registry."""
        return name in self._injected

    def __init__(self, config: RunConfig, embedders: dict | None = None, progress: Progress | None = None,
                 stop: threading.Event | None = None, out_dir: Path | None = None) -> None:
        self.config = config
        self.out_dir = out_dir  # where experiments may write media (spoken captions); None: nowhere
        self.stop = stop or threading.Event()
        self._progress = progress
        self._embedders = dict(embedders or {})
        self._injected = frozenset(self._embedders)
        self._cache: dict[tuple, Any] = {}

    # --- progress and cancellation ------------------------------------------
    def check(self) -> None:
        if self.stop.is_set():
            raise Cancelled("cancelled")

    def steps(self, items: Sequence, desc: str) -> Iterator:
        """Iterate `items`, reporting progress and honouring the stop event between items."""
        for i, item in enumerate(items):
            self.check()
            if self._progress:
                self._progress(i, len(items), f"{desc}: {item if isinstance(item, str) else i + 1}")
            yield item
        if self._progress:
            self._progress(len(items), len(items), desc)

    # --- models, data ---------------------------------------------------------
    @property
    def models(self) -> tuple[str, ...]:
        return self.config.models

    def embedder(self, name: str):
        if name not in self._embedders:
            from app.embedders import load_embedder

            self._embedders[name] = load_embedder(name, self.config.precision)
        return self._embedders[name]

    @property
    def data(self) -> LabelledSet:
        def build() -> LabelledSet:
            c = self.config
            full = load_manifest(c.manifest) if c.manifest else load_demo(Path(c.demo_dir))
            return limit(full, c.max_clips, c.seed)
        return self.cached(("data",), build)

    def cached(self, key: tuple, build: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def sources(self) -> list[tuple[np.ndarray, int]]:
        """Each clip decoded at its own rate (mono float32 [T], rate): the input transforms work on."""
        from app.audio import load_audio

        def build() -> list[tuple[np.ndarray, int]]:
            return [(a.samples, a.sample_rate) for a in (load_audio(f) for f in self.data.files)]
        return self.cached(("sources",), build)

    def waves(self, model: str) -> list[np.ndarray]:
        """Each clip at the model's rate, through the same resampler the app uses."""
        from app.audio import resample

        rate = self.embedder(model).sample_rate
        return self.cached(("waves", rate), lambda: [resample(w, r, rate) for w, r in self.sources()])

    def audio_embeddings(self, model: str) -> np.ndarray:
        """[N, D] unit embeddings of the untouched set."""
        return self.cached(("audio", model), lambda: self.embedder(model).embed_audio(self.waves(model)))

    def class_embeddings(self, model: str) -> np.ndarray:
        """[C, D] prompt-ensembled label embeddings (app.analysis.zeroshot), in `data.classes` order."""
        from app.analysis.zeroshot import class_text_embeddings

        return self.cached(("classes", model), lambda: class_text_embeddings(self.embedder(model), self.data.classes))

    def vocabulary(self, model: str) -> tuple[list[str], np.ndarray]:
        """The built-in captions and their [V, D] text embeddings."""
        from app.bootstrap import read_lines

        def build() -> tuple[list[str], np.ndarray]:
            path = Path(self.config.vocab_dir) / "captions.txt"
            texts = list(dict.fromkeys(read_lines(path))) if path.is_file() else []
            if not texts:
                raise FileNotFoundError(f"{path}: no vocabulary captions")
            return texts, self.embedder(model).embed_text(texts)
        return self.cached(("vocab", model), build)


@dataclass
class Result:
    """One experiment's outcome: rows (one per model x condition), readings, timing."""

    experiment: str
    title: str
    question: str
    set_name: str
    models: list[str]
    config: dict[str, Any]
    rows: list[dict[str, Any]]
    readings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    n_clips: int = 0
    command: str = ""  # the command line that produced it (for the report's "regenerate with")

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, **asdict(self)}


def load_result(path: str | Path) -> Result:
    """A Result back from its JSON; its readings are recomputed from the rows."""
    import json

    data = json.loads(Path(path).read_text())
    if data.pop("schema", None) != SCHEMA:
        raise ValueError(f"{path}: not an experiment result (schema {SCHEMA})")
    known = {f for f in Result.__dataclass_fields__}
    result = Result(**{k: v for k, v in data.items() if k in known})
    result.readings = module(result.experiment).readings(result.rows)
    return result


def module(name: str):
    """The module of experiment `name` (ValueError listing the valid names otherwise)."""
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}: use one of {', '.join(EXPERIMENTS)} or 'all'")
    return importlib.import_module(f"experiments.{name}")


def check_rows(name: str, rows: Iterable[dict]) -> list[dict]:
    """Rows as JSON scalars; a "path" key is refused (see the module docstring)."""
    out = []
    for row in rows:
        if "path" in row:
            raise ValueError(f"experiment {name}: result rows must not have a 'path' key (use 'file')")
        out.append({k: _scalar(v) for k, v in row.items()})
    return out


def _scalar(value: Any) -> Any:
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return round(v, 6) if np.isfinite(v) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def run_experiment(name: str, session: Session) -> Result:
    """Run one experiment in `session`; raises Cancelled if the stop event is set meanwhile."""
    mod = module(name)
    start = time.perf_counter()
    rows = check_rows(name, mod.run(session))
    needs_set = getattr(mod, "USES_SET", True)
    return Result(name, mod.TITLE, mod.QUESTION, session.config.set_name, list(session.models),
                  session.config.public(), rows, mod.readings(rows), round(time.perf_counter() - start, 2),
                  len(session.data) if needs_set else 0)


def names(selection: str | Sequence[str]) -> list[str]:
    """"all" -> every experiment; otherwise the given names, validated."""
    items = [selection] if isinstance(selection, str) else list(selection)
    if items == ["all"]:
        return list(EXPERIMENTS)
    for item in items:
        module(item)
    return items


def with_models(config: RunConfig, models: Sequence[str]) -> RunConfig:
    return replace(config, models=tuple(models))
