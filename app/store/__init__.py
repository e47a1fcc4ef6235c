"""Vector store: one interface (`VectorStore`), two backends.

    store = open_store(store_dir="data/store")            # embedded Qdrant Edge
    store = open_store(qdrant_url="http://qdrant:6333")   # Qdrant server / cluster
    coll = collection_name(model_slug("mini-clap"), "audio")
    store.ensure_collection(coll, dim=384)

Nothing above this package should import `edge` or `server` directly.
"""
from __future__ import annotations

from pathlib import Path

from .base import CollectionNotFound, Hit, StoreUnavailable, VectorStore
from .naming import KINDS, collection_name, model_slug

__all__ = ["open_store", "Hit", "VectorStore", "StoreUnavailable", "CollectionNotFound",
           "collection_name", "model_slug", "KINDS"]


def open_store(store_dir: str | Path | None = None, qdrant_url: str | None = None,
               api_key: str | None = None, **server_options: float) -> VectorStore:
    """A Qdrant server store if `qdrant_url` is given, else an embedded Edge store.

    `store_dir=None` means the configured default (`Settings().resolved_store_dir`);
    `server_options` (timeout, connect_timeout) go to `ServerStore`. Raises
    StoreUnavailable (one line) if the server cannot be reached, or the embedded store
    is locked by another process or is not a folder.
    """
    if qdrant_url:
        from .server import ServerStore
        return ServerStore(url=qdrant_url, api_key=api_key, **server_options)
    from .edge import EdgeStore
    if store_dir is None:
        from app.settings import Settings
        store_dir = Settings().resolved_store_dir
    return EdgeStore(store_dir)
