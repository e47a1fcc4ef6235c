"""Maps of stored sets: store -> vectors -> cached 2-D projection -> `MapData`, plus grouping metrics.

Used by the Map explorer tab and its `/project` endpoint. A map of stored vectors needs no
model: only a set that is not indexed yet (the demo set on first use) loads one.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from app.embedders import model_has_text
from app.collections import collection_of, model_key
from app.media import audio_url
from app.plots.maps import MapData
from app.settings import DEMO_SET, VOCAB_SET

if TYPE_CHECKING:
    from app.context import AppContext

log = logging.getLogger(__name__)
COLOR_COLUMNS = ("category", "instrument", "family", "mood", "language", "folder", "format", "set")
METRIC_COLUMNS = ("category", "instrument", "family", "mood", "language")


class MapService:
    """Store -> vectors -> cached projection -> MapData, shared by the UI and `/project`.

    Loaded vectors are kept in a small LRU keyed by (collection, set, point count), so a
    revisit reads nothing from the store; coordinates come from the ProjectionCache.
    """

    def __init__(self, ctx: "AppContext", max_sets: int = 8) -> None:
        from app.analysis.projections import ProjectionCache

        self.ctx = ctx
        self.cache = ProjectionCache(ctx.settings.cache_dir)
        self._points: OrderedDict[tuple, tuple] = OrderedDict()
        self._metrics: dict[tuple, dict[str, float]] = {}
        self._lock = threading.Lock()
        self.max_sets = max_sets

    # --- store reads -------------------------------------------------------------
    def _read(self, name: str, set_name: str, keep: Callable[[dict], bool] = lambda p: True):
        """(keys, vectors [N, D], payloads) of one set of a collection, sorted by key."""
        store = self.ctx.store
        if not store.has_collection(name):
            raise ValueError(f"nothing stored for this model yet ({name}); index a folder in the Library tab")
        cache_key = (name, set_name, store.count(name, set_name=set_name))
        with self._lock:
            if cache_key in self._points:
                self._points.move_to_end(cache_key)
                return self._points[cache_key]
        rows = sorted(((h.id, v, h.payload) for h, v in store.scroll(name, set_name=set_name, with_vectors=True)
                       if keep(h.payload)), key=lambda r: r[0])
        if not rows:
            raise ValueError(f"the set '{set_name}' has no points for this model")
        out = ([r[0] for r in rows], np.stack([r[1] for r in rows]).astype(np.float32), [r[2] for r in rows])
        with self._lock:
            self._points[cache_key] = out
            while len(self._points) > self.max_sets:
                self._points.popitem(last=False)
        return out

    def audio(self, model: str, set_name: str):
        return self._read(collection_of(model, "audio"), set_name)

    def captions(self, model: str):
        return self._read(collection_of(model, "captions"), VOCAB_SET, lambda p: p.get("kind") == "caption")

    def _ensure_indexed(self, model: str, set_name: str, with_captions: bool, report) -> None:
        """Load the model (which indexes the demo set and vocabulary) only if the store lacks them.

        A map of stored vectors needs no model, so revisits and library maps never load torch.
        """
        self.ctx.check_model(model)
        store = self.ctx.store
        needed = [(collection_of(model, "audio"), set_name)] if set_name == DEMO_SET else []
        needed += [(collection_of(model, "captions"), VOCAB_SET)] if with_captions else []
        if any(not store.has_collection(name) or store.count(name, set_name=s) == 0 for name, s in needed):
            report(0, 1, f"loading {Path(model).name} and indexing the demo set (first use only)")
            self.ctx.ensure_bootstrapped(model, progress=report)

    def set_choices(self, models: list[str]) -> list[str]:
        """Sets stored for any of `models` (demo first); just demo when the store is unreachable."""
        found: set[str] = set()
        try:
            for model in dict.fromkeys(models):
                name = collection_of(model, "audio")
                if self.ctx.store.has_collection(name):
                    found |= set(self.ctx.store.sets(name))
        except Exception:  # a listing must never break the tab; the draw reports real errors
            pass
        return [DEMO_SET, *sorted(found - {DEMO_SET})]

    # --- maps --------------------------------------------------------------------
    def map_data(self, model: str, set_name: str, method: str, with_captions: bool = False,
                 report: Callable[[int, int, str], None] | None = None, side: str = "") -> MapData:
        """Load (or reuse) the set's vectors and return its cached 2-D map."""
        from app.analysis.projections import LABELS, normalize_method

        method = normalize_method(method)
        report = report or (lambda *_: None)
        with_captions = with_captions and model_has_text(model)  # audio-only models: no caption points
        self._ensure_indexed(model, set_name, with_captions, report)
        keys, X, payloads = self.audio(model, set_name)
        t_keys, T, texts = self.captions(model) if with_captions else ([], X[:0], [])
        report(0, 1, f"{side} {LABELS[method]} of {len(keys) + len(t_keys)} points ({Path(model).name})"
                     + (" — UMAP's first use compiles for ~15 s" if method == "umap" else ""))
        all_keys = keys + [f"t:{k}" for k in t_keys]
        start, computed = time.perf_counter(), self.cache.computed
        xy = self.cache.get_or_compute(model, set_name + ("+captions" if with_captions else ""), method,
                                       all_keys, np.concatenate([X, T]) if len(t_keys) else X)
        log.info("%s map of %d points for %s: %.2f s (%s)", LABELS[method], len(all_keys), Path(model).name,
                 time.perf_counter() - start, "computed" if self.cache.computed > computed else "cached")
        return MapData(model, set_name, method, xy, all_keys,
                       names=[str(p.get("name") or Path(str(p.get("path", ""))).name) for p in payloads]
                       + [str(p.get("text", "")) for p in texts],
                       captions=[str(p.get("caption") or "") for p in payloads] + [""] * len(texts),
                       kinds=["audio"] * len(keys) + ["text"] * len(t_keys),
                       paths=[str(p.get("path", "")) for p in payloads] + [""] * len(texts),
                       meta={c: [_meta(p, c) for p in payloads] + [""] * len(texts) for c in COLOR_COLUMNS})

    def metrics(self, data: MapData) -> dict[str, float]:
        """Grouping metrics of a drawn map, computed once per map (from the cached vectors)."""
        from app.analysis.projections import grouping_metrics

        has_text = "text" in data.kinds
        key = (data.model, data.set_name, len(data.keys), has_text)
        if key not in self._metrics:
            _, X, _ = self.audio(data.model, data.set_name)
            T = self.captions(data.model)[1] if has_text else None
            n = len(X)
            self._metrics[key] = grouping_metrics(X, {c: data.column(c)[:n] for c in METRIC_COLUMNS}, T)
        return self._metrics[key]

    def project_points(self, model: str, method: str, set_name: str, base_url: str) -> dict:
        """The `/project` answer: every point's id, coordinates and labels; audio points with file + url."""
        data = self.map_data(model, set_name, method)
        slug = model_key(model)
        points = [{"id": k, "x": round(float(x), 5), "y": round(float(y), 5), "name": data.names[i],
                   "label": data.label_of(i), "caption": data.captions[i], "kind": data.kinds[i],
                   "file": data.paths[i] or None,
                   "url": audio_url(base_url, slug, k) if data.kinds[i] == "audio" and data.paths[i] else None,
                   **{c: data.meta[c][i] for c in METRIC_COLUMNS if data.meta[c][i]}}
                  for i, (k, (x, y)) in enumerate(zip(data.keys, data.xy.tolist()))]
        return {"model": model, "method": data.method, "set": set_name, "n": len(points), "points": points}


def _meta(payload: dict, column: str) -> str:
    """A colour-by value: payload field, or derived from the path (folder, file format)."""
    path = str(payload.get("path", ""))
    if column == "folder":
        return Path(path).parent.name if path else ""
    if column == "format":
        return Path(path).suffix.lower().lstrip(".")
    value = payload.get(column)
    return "" if value in (None, "") else str(value)
