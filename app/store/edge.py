"""Embedded backend: Qdrant Edge (`qdrant_edge`, the real Qdrant engine in-process).

Layout: one EdgeShard per collection, in `<path>/<collection>/` (an Edge shard *is* one
collection: a single vector config per directory). The shard persists its own config in
`edge_config.json`, which is also how this module recognises a collection and reads its
dimension back.

Engine facts this module works around (qdrant-edge-py 0.9.0):
- There is no background optimiser: new points land in plain (brute-force) segments, which
  the engine scans exactly — search is correct but O(N). `optimize()` builds HNSW and blocks;
  it also holds the GIL, so other Python threads stall while it runs.
- `EdgeShard.retrieve` needs `with_vector` passed explicitly (the stub says optional).
- NaN vectors are accepted silently, so validation happens here before any write.
- A shard directory is locked by its WAL: a second open (same or another process) fails
  with "WouldBlock"; reported as StoreUnavailable.
- Every shard is used through `ShardHandle` (_shard.py): queries share a lock, writes take
  it alone, and a failed write or flush reopens the shard from its WAL and retries once.
"""
from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Iterator

import numpy as np
import qdrant_edge as qe

from . import _common as c
from ._shard import ShardHandle
from .base import (KEYWORD_FIELDS, KW_FIELD, NAME_FIELD, CollectionNotFound, Hit,
                   StoreUnavailable, VectorStore)

_CONFIG_FILE = "edge_config.json"
_WRITE_CHUNK = 1000  # points per WAL record: large enough to amortise, small enough to stream
_READ_CHUNK = 1000


def _index_schemas() -> dict[str, object]:
    """Payload indexes every collection gets (field -> Edge schema)."""
    schemas: dict[str, object] = {f: qe.PayloadSchemaType.Keyword for f in KEYWORD_FIELDS}
    schemas[NAME_FIELD] = qe.TextIndexParams(tokenizer=qe.TokenizerType.Word, lowercase=True)
    # scoring=True records term frequencies and lengths so TextQuery can rank with BM25.
    schemas[KW_FIELD] = qe.TextIndexParams(tokenizer=qe.TokenizerType.Word, lowercase=True,
                                           scoring=True)
    return schemas


def _filter(set_name: str | None, tags: list[str] | None = None) -> qe.Filter | None:
    """Exact match on `set`, any-of match on `tags`; None when unfiltered."""
    must: list = []
    if set_name is not None:
        must.append(qe.FieldCondition("set", match=qe.MatchValue(set_name)))
    if tags:
        must.append(qe.FieldCondition("tags", match=qe.MatchAny(list(tags))))
    return qe.Filter(must=must) if must else None


class EdgeStore(VectorStore):
    """Vector store on local disk, backed by one Qdrant Edge shard per collection.

    Args:
        path: Store directory (created if missing).
        quantization: Keep an int8 copy of the vectors for HNSW (3x faster `optimize`,
            4x smaller index); searches rescore with the original float32 vectors.
        hnsw_ef: HNSW search beam width (None: engine default, = ef_construct 100).
        oversampling: With quantization, candidates fetched per result before rescoring.
        indexing_threshold_kb: Segments larger than this get HNSW on `optimize()` (engine
            default 10 000 KB, about 5 000 vectors at 512-d; smaller ones stay brute-force).
            Applies to collections created by this instance.
    """

    def __init__(self, path: str | Path, *, quantization: bool = True, hnsw_ef: int | None = None,
                 oversampling: float = 2.0, indexing_threshold_kb: int | None = None) -> None:
        self.path = Path(path).expanduser()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file in the way, a read-only disk, a name too long
            raise StoreUnavailable(f"store folder {self.path}: "
                                   f"{'is a file, not a folder' if self.path.is_file() else exc.strerror or exc}") from None
        self.quantization = quantization
        self.indexing_threshold_kb = indexing_threshold_kb
        self._params = qe.SearchParams(hnsw_ef=hnsw_ef, quantization=qe.QuantizationSearchParams(
            rescore=True, oversampling=oversampling))
        self._payload_sel = qe.PayloadSelector.Exclude([KW_FIELD])
        self._shards: dict[str, ShardHandle] = {}
        self._dims: dict[str, int] = {}
        self._lock = threading.RLock()  # guards shard open/close/create, not queries
        self._closed = False

    def __repr__(self) -> str:
        return f"EdgeStore({str(self.path)!r})"

    # ---- collections -------------------------------------------------------------
    def _dir(self, name: str) -> Path:
        return self.path / c.check_collection_name(name)

    def has_collection(self, name: str) -> bool:
        return (self._dir(name) / _CONFIG_FILE).is_file()

    def list_collections(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if (p / _CONFIG_FILE).is_file())

    def _stored_params(self, name: str) -> tuple[int, str]:
        """(dim, distance) from the shard's persisted config."""
        cfg = json.loads((self._dir(name) / _CONFIG_FILE).read_text())
        vec = cfg["vectors"][""]
        return int(vec["size"]), str(vec["distance"])

    def _open(self, name: str) -> ShardHandle:
        """The open shard for `name`, loading it on first use."""
        if self._closed:
            raise StoreUnavailable("EdgeStore is closed")
        shard = self._shards.get(name)
        if shard is not None:
            return shard
        with self._lock:
            if name in self._shards:
                return self._shards[name]
            if not self.has_collection(name):
                raise CollectionNotFound(f"collection {name!r} does not exist in {self.path}")
            try:
                shard = qe.EdgeShard.load(str(self._dir(name)))
            except Exception as exc:  # the binding raises bare Exception
                raise self._open_error(name, exc) from exc
            self._dims[name] = self._stored_params(name)[0]
            self._shards[name] = handle = ShardHandle(self._dir(name), shard)
            return handle

    def _open_error(self, name: str, exc: Exception) -> Exception:
        if "WouldBlock" in str(exc):
            return StoreUnavailable(f"collection {name!r} at {self._dir(name)} is open in another "
                                    "process (Edge shards are single-writer); close it or use a "
                                    "Qdrant server")
        return StoreUnavailable(f"cannot open collection {name!r}: {exc}")

    def _dim(self, name: str) -> int:
        self._open(name)
        return self._dims[name]

    def ensure_collection(self, name: str, dim: int) -> None:
        dim = c.check_dim(dim)
        with self._lock:
            if self.has_collection(name):
                stored_dim, distance = self._stored_params(name)
                if stored_dim != dim or distance.lower() != "cosine":
                    raise ValueError(f"collection {name!r} exists with dim={stored_dim}, "
                                     f"distance={distance}; asked for dim={dim}, cosine")
                self._ensure_indexes(self._open(name))
                return
            self._create(name, dim)

    def _create(self, name: str, dim: int) -> None:
        directory = self._dir(name)
        if directory.exists():
            shutil.rmtree(directory)  # leftovers of a create that died before writing its config
        quant = (qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, quantile=0.99, always_ram=True)
                 if self.quantization else None)
        config = qe.EdgeConfig(
            vectors=qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine),
            quantization_config=quant,
            # Never hide points from search while they wait for optimize().
            optimizers=qe.EdgeOptimizersConfig(prevent_unoptimized=False,
                                               indexing_threshold=self.indexing_threshold_kb),
        )
        handle = ShardHandle(directory, qe.EdgeShard.create(str(directory), config))
        self._shards[name], self._dims[name] = handle, dim
        self._ensure_indexes(handle)
        handle.write(lambda shard: shard.flush())

    @staticmethod
    def _ensure_indexes(handle: ShardHandle) -> None:
        """Create any missing payload index (cheap when all exist)."""
        present = set(handle.read(lambda shard: shard.info().payload_schema))
        for field, schema in _index_schemas().items():
            if field not in present:
                handle.write(lambda shard: shard.update(qe.UpdateOperation.create_field_index(field, schema)))

    def delete_collection(self, name: str) -> None:
        with self._lock:
            if not self._dir(name).exists():
                return
            if self.has_collection(name):
                # Opening takes the WAL lock: never delete files another process is using.
                handle = self._open(name)
                del self._shards[name], self._dims[name]
                handle.close()
            shutil.rmtree(self._dir(name))

    # ---- writes ------------------------------------------------------------------
    def upsert(self, name: str, ids: list[str], vectors: np.ndarray, payloads: list[dict]) -> None:
        dim = self._dim(name)
        ids, arr, prepared = c.check_upsert(ids, vectors, payloads, dim)
        handle = self._open(name)
        for part in c.chunks(len(ids), _WRITE_CHUNK):
            rows = arr[part].tolist()  # one C-level conversion per chunk, not per point
            points = [qe.Point(c.point_uuid(i), row, p)
                      for i, row, p in zip(ids[part], rows, prepared[part])]
            handle.write(lambda shard: shard.update(qe.UpdateOperation.upsert_points(points)))

    def existing_ids(self, name: str, ids: list[str]) -> set[str]:
        handle = self._open(name)
        by_uuid = {c.point_uuid(i): i for i in ids}
        keys = list(by_uuid)
        found: set[str] = set()
        for part in c.chunks(len(keys), _READ_CHUNK):
            for rec in handle.read(lambda shard: shard.retrieve(keys[part], with_payload=False,
                                                                with_vector=False)):
                found.add(by_uuid[rec.id])
        return found

    # ---- reads -------------------------------------------------------------------
    def _request(self, vector: np.ndarray, k: int, flt: qe.Filter | None) -> qe.QueryRequest:
        return qe.QueryRequest(limit=k, query=qe.Query.Nearest(vector.tolist()), filter=flt,
                               params=self._params, with_payload=self._payload_sel,
                               with_vector=False)

    def search(self, name: str, vector: np.ndarray, k: int = 10, set_name: str | None = None,
               tags: list[str] | None = None) -> list[Hit]:
        query = c.check_query(vector, self._dim(name))
        request = self._request(query, c.check_k(k), _filter(set_name, tags))
        return [c.hit(p) for p in self._open(name).read(lambda shard: shard.query(request))]

    def search_batch(self, name: str, vectors: np.ndarray, k: int = 10,
                     set_name: str | None = None) -> list[list[Hit]]:
        arr = c.check_matrix(vectors, self._dim(name), "query vectors")
        k, flt = c.check_k(k), _filter(set_name)
        batch = qe.QueryBatchRequest([self._request(v, k, flt) for v in arr])
        return [[c.hit(p) for p in res] for res in self._open(name).read(lambda shard: shard.query_batch(batch))]

    def keyword_search(self, name: str, text: str, k: int = 10,
                       set_name: str | None = None) -> list[Hit]:
        handle = self._open(name)
        words = c.normalize_text(text or "")
        if not words:
            return []
        request = qe.QueryRequest(limit=c.check_k(k), query=qe.TextQuery(KW_FIELD, words),
                                  filter=_filter(set_name), with_payload=self._payload_sel,
                                  with_vector=False)
        return [c.hit(p) for p in handle.read(lambda shard: shard.query(request)) if p.score > 0]

    def retrieve(self, name: str, ids: list[str],
                 with_vectors: bool = False) -> list[tuple[Hit, np.ndarray | None]]:
        handle = self._open(name)
        keys = [c.point_uuid(i) for i in ids]
        records = {}
        for part in c.chunks(len(keys), _READ_CHUNK):
            for rec in handle.read(lambda shard: shard.retrieve(keys[part], with_payload=self._payload_sel,
                                                                with_vector=with_vectors)):
                records[rec.id] = rec
        return [(c.hit(records[k], 1.0), c.to_vector(records[k].vector) if with_vectors else None)
                for k in keys if k in records]

    def scroll(self, name: str, set_name: str | None = None, with_vectors: bool = False,
               limit: int | None = None) -> Iterator[tuple[Hit, np.ndarray | None]]:
        handle, flt = self._open(name), _filter(set_name)
        offset, left = None, limit if limit is not None else float("inf")
        while left > 0:
            request = qe.ScrollRequest(offset=offset, limit=int(min(_READ_CHUNK, left)), filter=flt,
                                       with_payload=self._payload_sel, with_vector=with_vectors)
            records, offset = handle.read(lambda shard: shard.scroll(request))
            for rec in records:
                yield c.hit(rec, 1.0), (c.to_vector(rec.vector) if with_vectors else None)
            left -= len(records)
            if offset is None or not records:
                return

    def count(self, name: str, set_name: str | None = None) -> int:
        request = qe.CountRequest(exact=True, filter=_filter(set_name))
        return int(self._open(name).read(lambda shard: shard.count(request)))

    def sets(self, name: str) -> dict[str, int]:
        # The keyword index on "set" makes this a facet lookup, not a scan.
        request = qe.FacetRequest("set", limit=100_000, exact=True)
        response = self._open(name).read(lambda shard: shard.facet(request))
        return {str(h.value): int(h.count) for h in response.hits}

    # ---- maintenance -------------------------------------------------------------
    def optimize(self, name: str) -> None:
        """Build HNSW (and int8 copies) for everything written so far. Blocks, holds the GIL."""
        self._open(name).write(lambda shard: (shard.optimize(), shard.flush()))

    def flush(self) -> None:
        with self._lock:
            for handle in self._shards.values():
                handle.write(lambda shard: shard.flush())

    def close(self) -> None:
        with self._lock:
            for handle in self._shards.values():
                handle.close()  # flushes and releases the WAL lock
            self._shards.clear()
            self._dims.clear()
            self._closed = True
