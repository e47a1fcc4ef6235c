"""Library search in three modes — vector (meaning), keyword (BM25) and hybrid (RRF) — with filters.

Set and tag filters run inside the engine (keyword-indexed payload fields). Folder and
duration filters, and tags in keyword mode (the store's BM25 call filters by set only),
are applied to an over-fetched candidate list (`depth` = 20·k, at most 1000), so a very
selective filter can return fewer than k rows — the row count says so, nothing is hidden.

Rows are API-safe: `{"id", "file", "url", "name", "score", "set", "duration", "tags",
"auto_tags", ...}` — the file as a display string plus a URL to fetch it, never a "path"
key (a default gradio_client would try to download any dict holding one).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Callable

from app.search import MAX_K, check_k, rrf_fuse
from app.collections import collection_of

MODES = ("vector", "keyword", "hybrid")
UrlFor = Callable[[str], "str | None"]  # point id -> the URL that serves its audio (app.media.audio_url)


@dataclass(frozen=True)
class Filters:
    """What a result must match; every field optional. Tags match any-of."""

    set_name: str | None = None
    tags: tuple[str, ...] = ()
    folder: str | None = None
    min_duration: float | None = None
    max_duration: float | None = None

    def __post_init__(self) -> None:
        lo, hi = self.min_duration, self.max_duration
        if (lo is not None and lo < 0) or (hi is not None and hi < 0):
            raise ValueError("durations must be >= 0 seconds")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"min duration {lo:g} s is above max duration {hi:g} s")

    @property
    def needs_post_filter(self) -> bool:
        return bool(self.folder) or self.min_duration is not None or self.max_duration is not None

    def accepts(self, payload: dict, check_tags: bool = False) -> bool:
        """Whether a payload passes the folder / duration (and, if asked, tag) filters."""
        if check_tags and self.tags and not set(self.tags) & set(payload.get("tags") or []):
            return False
        if self.folder:
            parent = "/" + str(PurePath(str(payload.get("path") or "")).parent).strip("/").lower() + "/"
            if f"/{self.folder.strip('/').lower()}/" not in parent:
                return False
        duration = payload.get("duration")
        if self.min_duration is not None and (duration is None or duration < self.min_duration):
            return False
        return not (self.max_duration is not None and (duration is None or duration > self.max_duration))


def row(hit_id: str, payload: dict, score: float, url_for: UrlFor | None = None) -> dict:
    """One API-safe result row (see module docstring)."""
    file = payload.get("path") or payload.get("name") or ""
    return {"id": hit_id, "file": file, "url": url_for(hit_id) if url_for and file else None,
            "name": payload.get("name"), "score": round(float(score), 6), "set": payload.get("set"),
            "duration": payload.get("duration"), "tags": payload.get("tags") or [],
            "auto_tags": payload.get("auto_tags") or []}


def search_library(store, embedder, query: str, mode: str = "hybrid", k: int = 20, filters: Filters = Filters(),
                   url_for: UrlFor | None = None, rrf_k: int = 60) -> list[dict]:
    """The k best rows for `query` in `mode`, best first, all passing `filters`.

    Hybrid rows also carry `dense_rank` and `keyword_rank` (None when absent from that list);
    their `score` is the fused RRF score. Keyword scores are BM25 (order only).
    """
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}: use one of {', '.join(MODES)}")
    if not isinstance(query, str) or not query.strip():
        raise ValueError("the query is empty: type some words to search for")
    k = check_k(k)
    name = collection_of(embedder, "audio")
    if not store.has_collection(name):
        return []
    # over-fetch only what the mode needs: post filters drop rows; fusion wants some depth
    # (BM25 has no tag filter in the store: keyword lists are tag-filtered here, after the fact)
    post = filters.needs_post_filter or (mode != "vector" and bool(filters.tags))
    depth = min(MAX_K, 20 * k) if post else min(MAX_K, max(50, 4 * k)) if mode == "hybrid" else k
    dense = keyword = []
    if mode in ("vector", "hybrid"):
        vector = embedder.embed_text([query.strip()])[0]
        dense = [h for h in store.search(name, vector, depth, set_name=filters.set_name, tags=list(filters.tags) or None)
                 if filters.accepts(h.payload)]
    if mode in ("keyword", "hybrid"):
        keyword = [h for h in store.keyword_search(name, query, depth, set_name=filters.set_name)
                   if filters.accepts(h.payload, check_tags=True)]
    if mode != "hybrid":
        return [row(h.id, h.payload, h.score, url_for) for h in (dense if mode == "vector" else keyword)[:k]]
    hits = {h.id: h for h in keyword} | {h.id: h for h in dense}
    out = []
    for item, score, (d_rank, kw_rank) in rrf_fuse([[h.id for h in dense], [h.id for h in keyword]], rrf_k)[:k]:
        out.append(row(item, hits[item].payload, score, url_for) | {"dense_rank": d_rank, "keyword_rank": kw_rank})
    return out
