"""Near-duplicates: groups of files that are the same sound in another format, rate, level,
trim or channel layout.

Each point asks the store's ANN index for its `k` nearest neighbours (one batched query
per page of points, never an N×N matrix); every pair with cosine ≥ threshold is an edge,
and union-find turns edges into groups. Memory: one page of vectors plus an int per point.

The thresholds are calibrated per model on pairs made by transcoding and trimming
(benchmarks/calibrate_duplicates.py; numbers in docs/benchmarks.md): the value that best
separates "same sound, other encoding" pairs from "different sound" pairs.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from itertools import islice
from pathlib import PurePath
from typing import Callable

import numpy as np

# Calibrated by benchmarks/calibrate_duplicates.py (see docs/benchmarks.md, "Near-duplicates").
CALIBRATED_THRESHOLD = {"mini-clap": 0.98, "mini-slap": 0.999}
DEFAULT_THRESHOLD = 0.98  # for models never calibrated
CSV_FIELDS = ("group", "size", "file", "name", "set", "duration", "sample_rate", "channels", "format", "link_score")


def threshold_for(model: str) -> float:
    """The calibrated cosine threshold of `model`, or the conservative default."""
    return CALIBRATED_THRESHOLD.get(model, DEFAULT_THRESHOLD)


@dataclass(frozen=True)
class DuplicateConfig:
    """`threshold`: cosine for "same sound"; `k`: neighbours asked per point; `page`: points per query batch."""

    threshold: float = DEFAULT_THRESHOLD
    k: int = 10
    page: int = 256

    def __post_init__(self) -> None:
        if not -1.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold is a cosine: between -1 and 1, got {self.threshold}")
        if self.k < 1 or self.page < 1:
            raise ValueError("k and page must be at least 1")


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def find_duplicates(store, name: str, config: DuplicateConfig = DuplicateConfig(), set_name: str | None = None,
                    progress: Callable[[int, int], None] | None = None) -> list[list[dict]]:
    """Groups (2+ members) of near-duplicate points, largest first; members sorted by file.

    A member is `{"id", "file", "name", "set", "duration", "sample_rate", "channels",
    "format", "link_score"}`; `link_score` is the best cosine joining it to its group.
    """
    total = store.count(name, set_name=set_name)
    index: dict[str, int] = {}
    info: list[dict] = []
    edges: list[tuple[str, str, float]] = []
    points = store.scroll(name, set_name=set_name, with_vectors=True)
    while page := list(islice(points, config.page)):
        for hit, _ in page:
            index[hit.id] = len(info)
            info.append(_member(hit))
        results = store.search_batch(name, np.stack([vec for _, vec in page]), k=config.k + 1, set_name=set_name)
        for (hit, _), neighbours in zip(page, results):
            edges.extend((hit.id, n.id, float(n.score)) for n in neighbours
                         if n.id != hit.id and n.score >= config.threshold)
        if progress:
            progress(len(info), total)
    return _groups(index, info, edges)


def _groups(index: dict[str, int], info: list[dict], edges: list[tuple[str, str, float]]) -> list[list[dict]]:
    sets = UnionFind(len(info))
    for a, b, score in edges:
        if b in index:  # a neighbour outside the scanned set (set filter) cannot be in a group
            ia, ib = index[a], index[b]
            sets.union(ia, ib)
            for i in (ia, ib):
                info[i]["link_score"] = max(info[i]["link_score"] or 0.0, round(score, 4))
    members: dict[int, list[dict]] = {}
    for i, row in enumerate(info):
        members.setdefault(sets.find(i), []).append(row)
    groups = [sorted(g, key=lambda r: r["file"] or "") for g in members.values() if len(g) > 1]
    return sorted(groups, key=lambda g: (-len(g), g[0]["file"] or ""))


def _member(hit) -> dict:
    p = hit.payload
    file = p.get("path") or p.get("name") or hit.id
    return {"id": hit.id, "file": file, "name": p.get("name"), "set": p.get("set"), "duration": p.get("duration"),
            "sample_rate": p.get("sample_rate"), "channels": p.get("channels"),
            "format": PurePath(str(file)).suffix.lstrip(".").lower(), "link_score": None}


def group_rows(groups: list[list[dict]]) -> list[dict]:
    """Flat rows (one per member) with `group` (1-based) and `size`, for tables and CSV."""
    return [{"group": g, "size": len(members), **member}
            for g, members in enumerate(groups, 1) for member in members]


def groups_csv(groups: list[list[dict]]) -> str:
    """CSV text of `group_rows` with the `CSV_FIELDS` columns."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(group_rows(groups))
    return out.getvalue()
