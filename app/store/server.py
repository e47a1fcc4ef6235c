"""Server backend: a Qdrant server or cluster through qdrant-client.

`ServerStore(url=...)` is the production path for shared or large libraries (the server
optimises in the background, scales past one machine, serves several app processes).
`ServerStore(path=":memory:" | dir)` uses qdrant-client's local mode, a pure-Python scan
that mimics the server API; it exists so the contract tests exercise this module without a
running server, and must never be the default store (83 ms/query at 100k points).
"""
from __future__ import annotations

import math
import time
import warnings
from typing import Any, Iterator

import numpy as np
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from . import _common as c
from ._health import guarded, probe, whole_seconds
from .base import (KEYWORD_FIELDS, KW_FIELD, NAME_FIELD, CollectionNotFound, Hit,
                   StoreUnavailable, VectorStore)
from .cluster import cluster_layout

_WRITE_CHUNK = 512   # points per request: ~2.5 MB of JSON at 512-d
_READ_CHUNK = 1000


def _index_schemas() -> dict[str, Any]:
    """Payload indexes every server collection gets (field -> schema)."""
    schemas: dict[str, Any] = {f: qm.PayloadSchemaType.KEYWORD for f in KEYWORD_FIELDS}
    schemas[NAME_FIELD] = qm.TextIndexParams(type=qm.TextIndexType.TEXT,
                                             tokenizer=qm.TokenizerType.WORD, lowercase=True)
    schemas[KW_FIELD] = _kw_schema()
    return schemas


def _kw_schema() -> qm.TextIndexParams:
    # Default tokenisation (the only kind local mode can score); scoring enables BM25.
    return qm.TextIndexParams(type=qm.TextIndexType.TEXT, scoring=True)


def _filter(set_name: str | None, tags: list[str] | None = None) -> qm.Filter | None:
    """Exact match on `set`, any-of match on `tags`; None when unfiltered."""
    must: list[Any] = []
    if set_name is not None:
        must.append(qm.FieldCondition(key="set", match=qm.MatchValue(value=set_name)))
    if tags:
        must.append(qm.FieldCondition(key="tags", match=qm.MatchAny(any=list(tags))))
    return qm.Filter(must=must) if must else None


class ServerStore(VectorStore):
    """Vector store on a Qdrant server (`url`) or in qdrant-client local mode (`path`).

    Args:
        url: Server URL, e.g. "http://localhost:6333". Probed at construction.
        path: ":memory:" or a directory, for qdrant-client's local (test) mode.
        api_key: Server API key.
        timeout: Per-request timeout in seconds for normal operations.
        connect_timeout: Seconds to wait for the server to answer the initial probe.
            A server that fails to answer is not contacted again for RETRY_AFTER_S:
            every call in that window raises StoreUnavailable at once.
        hnsw_ef: HNSW search beam width (server only; None: server default).
    """

    def __init__(self, url: str | None = None, path: str | None = None, api_key: str | None = None,
                 *, timeout: float = 20.0, connect_timeout: float = 3.0,
                 hnsw_ef: int | None = None) -> None:
        if (url is None) == (path is None):
            raise ValueError("ServerStore needs exactly one of url= or path=")
        self.local = url is None
        self.where = str(url if url is not None else path)
        self.timeout = whole_seconds(timeout)
        if url is not None:
            probe(url, api_key, whole_seconds(connect_timeout))
            self.client = QdrantClient(url=url, api_key=api_key, timeout=self.timeout,
                                       check_compatibility=False)
        elif path == ":memory:":
            self.client = QdrantClient(location=":memory:")
        else:
            self.client = QdrantClient(path=str(path))
        self._params = qm.SearchParams(hnsw_ef=hnsw_ef) if hnsw_ef else None
        self._payload_sel = qm.PayloadSelectorExclude(exclude=[KW_FIELD])
        self._dims: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"ServerStore({'path' if self.local else 'url'}={self.where!r})"

    # ---- collections -------------------------------------------------------------
    @guarded
    def has_collection(self, name: str) -> bool:
        return bool(self.client.collection_exists(c.check_collection_name(name)))

    @guarded
    def list_collections(self) -> list[str]:
        return sorted(col.name for col in self.client.get_collections().collections)

    def _stored_params(self, name: str) -> tuple[int, str]:
        vectors = self.client.get_collection(name).config.params.vectors
        if not isinstance(vectors, qm.VectorParams):
            raise ValueError(f"collection {name!r} uses named vectors; this store needs one "
                             "unnamed dense vector")
        return int(vectors.size), str(vectors.distance.value)

    def _dim(self, name: str) -> int:
        """Cached dimension; CollectionNotFound if the collection is missing."""
        if name not in self._dims:
            if not self.has_collection(name):
                raise CollectionNotFound(f"collection {name!r} does not exist at {self.where}")
            self._dims[name] = self._stored_params(name)[0]
        return self._dims[name]

    @guarded
    def ensure_collection(self, name: str, dim: int) -> None:
        dim = c.check_dim(dim)
        if self.has_collection(name):
            stored_dim, distance = self._stored_params(name)
            if stored_dim != dim or distance.lower() != "cosine":
                raise ValueError(f"collection {name!r} exists with dim={stored_dim}, "
                                 f"distance={distance}; asked for dim={dim}, cosine")
        else:
            # On a cluster: one shard per peer, two copies (app/store/cluster.py).
            layout = {} if self.local else cluster_layout(self.client).create_kwargs()
            self.client.create_collection(
                name, vectors_config=qm.VectorParams(size=dim, distance=qm.Distance.COSINE), **layout)
        self._dims[name] = dim
        self._ensure_indexes(name)

    def _ensure_indexes(self, name: str) -> None:
        if self.local:
            # Local mode ignores (and warns about) every index except a scoring text one.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.client.create_payload_index(name, KW_FIELD, _kw_schema())
            return
        present = set(self.client.get_collection(name).payload_schema or {})
        for field, schema in _index_schemas().items():
            if field not in present:
                self.client.create_payload_index(name, field, schema, wait=True)

    @guarded
    def delete_collection(self, name: str) -> None:
        self._dims.pop(name, None)
        if self.has_collection(name):
            self.client.delete_collection(name)

    # ---- writes ------------------------------------------------------------------
    @guarded
    def upsert(self, name: str, ids: list[str], vectors: np.ndarray, payloads: list[dict]) -> None:
        dim = self._dim(name)
        ids, arr, prepared = c.check_upsert(ids, vectors, payloads, dim)
        for part in c.chunks(len(ids), _WRITE_CHUNK):
            batch = qm.Batch(ids=[str(c.point_uuid(i)) for i in ids[part]],
                             vectors=arr[part].tolist(), payloads=prepared[part])
            self.client.upsert(name, points=batch, wait=True)

    @guarded
    def existing_ids(self, name: str, ids: list[str]) -> set[str]:
        self._dim(name)
        by_key = {str(c.point_uuid(i)): i for i in ids}
        keys = list(by_key)
        found: set[str] = set()
        for part in c.chunks(len(keys), _READ_CHUNK):
            for rec in self.client.retrieve(name, ids=keys[part], with_payload=False,
                                            with_vectors=False):
                found.add(by_key[str(rec.id)])
        return found

    # ---- reads -------------------------------------------------------------------
    @guarded
    def search(self, name: str, vector: np.ndarray, k: int = 10, set_name: str | None = None,
               tags: list[str] | None = None) -> list[Hit]:
        query = c.check_query(vector, self._dim(name))
        res = self.client.query_points(
            name, query=query.tolist(), limit=c.check_k(k), query_filter=_filter(set_name, tags),
            search_params=self._params, with_payload=self._payload_sel, with_vectors=False)
        return [c.hit(p) for p in res.points]

    @guarded
    def search_batch(self, name: str, vectors: np.ndarray, k: int = 10,
                     set_name: str | None = None) -> list[list[Hit]]:
        arr = c.check_matrix(vectors, self._dim(name), "query vectors")
        k, flt = c.check_k(k), _filter(set_name)
        requests = [qm.QueryRequest(query=v.tolist(), limit=k, filter=flt, params=self._params,
                                    with_payload=self._payload_sel, with_vector=False)
                    for v in arr]
        return [[c.hit(p) for p in res.points]
                for res in self.client.query_batch_points(name, requests=requests)]

    @guarded
    def keyword_search(self, name: str, text: str, k: int = 10,
                       set_name: str | None = None) -> list[Hit]:
        self._dim(name)
        words = c.normalize_text(text or "")
        if not words:
            return []
        res = self.client.query_points(
            name, query=qm.TextQuery(text=words), using=KW_FIELD, limit=c.check_k(k),
            query_filter=_filter(set_name), with_payload=self._payload_sel, with_vectors=False)
        return [c.hit(p) for p in res.points if p.score > 0]

    @guarded
    def retrieve(self, name: str, ids: list[str],
                 with_vectors: bool = False) -> list[tuple[Hit, np.ndarray | None]]:
        self._dim(name)
        keys = [str(c.point_uuid(i)) for i in ids]
        records = {}
        for part in c.chunks(len(keys), _READ_CHUNK):
            for rec in self.client.retrieve(name, ids=keys[part], with_payload=self._payload_sel,
                                            with_vectors=with_vectors):
                records[str(rec.id)] = rec
        return [(c.hit(records[k], 1.0), c.to_vector(records[k].vector) if with_vectors else None)
                for k in keys if k in records]

    def scroll(self, name: str, set_name: str | None = None, with_vectors: bool = False,
               limit: int | None = None) -> Iterator[tuple[Hit, np.ndarray | None]]:
        self._dim(name)
        flt, offset = _filter(set_name), None
        left = limit if limit is not None else math.inf
        while left > 0:
            records, offset = self.client.scroll(
                name, scroll_filter=flt, limit=int(min(_READ_CHUNK, left)), offset=offset,
                with_payload=self._payload_sel, with_vectors=with_vectors)
            for rec in records:
                yield c.hit(rec, 1.0), (c.to_vector(rec.vector) if with_vectors else None)
            left -= len(records)
            if offset is None or not records:
                return

    @guarded
    def count(self, name: str, set_name: str | None = None) -> int:
        self._dim(name)
        return int(self.client.count(name, count_filter=_filter(set_name), exact=True).count)

    @guarded
    def sets(self, name: str) -> dict[str, int]:
        self._dim(name)
        res = self.client.facet(name, key="set", limit=100_000, exact=True)
        return {str(h.value): int(h.count) for h in res.hits}

    # ---- maintenance -------------------------------------------------------------
    @guarded
    def optimize(self, name: str, timeout_s: float = 600.0) -> None:
        """Wait until the server's background optimiser reports the collection green."""
        self._dim(name)
        deadline = time.monotonic() + timeout_s
        while self.client.get_collection(name).status != qm.CollectionStatus.GREEN:
            if time.monotonic() > deadline:
                raise TimeoutError(f"collection {name!r} not optimised after {timeout_s:.0f} s")
            time.sleep(0.5)

    def flush(self) -> None:
        """Nothing to do: every write is sent with wait=True, so it is already durable."""

    def close(self) -> None:
        self.client.close()
