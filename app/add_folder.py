"""Adding a server folder to the library from the app: the path rule, the models, a Stop per session.

The same worker as `python -m ingest` (`app.indexing.ingest_paths`); used by the Library tab and
its `/ingest` endpoint.
"""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Callable, Sequence

from app.indexing import IngestConfig, IngestReport, ingest_paths

if TYPE_CHECKING:
    from app.context import AppContext

Progress = Callable[[int, int, str], None]
DEFAULT_SET = "library"


def parse_tags(text: str | None) -> tuple[str, ...]:
    """"Drums, Loops ,," -> ("drums", "loops")."""
    return tuple(t.strip().lower() for t in (text or "").split(",") if t.strip())


def add_folder(ctx: "AppContext", folder: str, set_name: str, tags: str, models: Sequence[str],
               progress: Progress | None = None, job: str | None = None) -> IngestReport:
    """Index `folder` with each of `models` into set `set_name` ("library" if blank).

    The folder must pass `ctx.check_ingest_folder`. `job` names who started it (a browser
    session): `ctx.stops.stop(job)` ends this run after the current batch, and no other
    job's start or stop touches it. Without `job` the run cannot be stopped from outside.
    """
    root = ctx.check_ingest_folder(folder)
    if not models:
        raise ValueError("choose at least one model to index with")
    embedders = [ctx.embedder(m, progress) for m in models]
    config = IngestConfig(set_name=(set_name or "").strip() or DEFAULT_SET, tags=parse_tags(tags))
    key = job or f"unnamed-{uuid.uuid4().hex}"
    stop = ctx.stops.start(key)
    try:
        return ingest_paths([root], embedders, ctx.store, config, progress=progress, should_stop=stop.is_set)
    finally:
        ctx.stops.finish(key, stop)
