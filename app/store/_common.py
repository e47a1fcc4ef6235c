"""Backend-independent helpers: id mapping, validation, payload preparation.

Both backends call these so that they accept and reject exactly the same input, and so a
collection written by one could be re-imported by the other with identical point ids.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import uuid
from collections import Counter
from pathlib import PurePath
from typing import Any

import numpy as np

from .base import KW_FIELD, KW_SOURCES, Hit

# A fixed namespace: the same caller id maps to the same UUID on every machine, forever.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "audio-embedding-browser/store/v1")
# Collection names become directory names for Edge, so keep them path-safe.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_WORD_SPLIT = re.compile(r"[\W_]+", re.UNICODE)


def point_uuid(item_id: str) -> uuid.UUID:
    """Deterministic UUID for a caller id (uuid5; collisions are SHA-1-improbable)."""
    return uuid.uuid5(_ID_NAMESPACE, item_id)


def check_collection_name(name: str) -> str:
    """Reject names that are not safe as a directory name (no separators, no leading dot)."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(f"invalid collection name {name!r}: use 1-128 of [A-Za-z0-9_.-], "
                         "starting with a letter or digit")
    return name


def check_dim(dim: int) -> int:
    """A positive integer dimension."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim <= 0:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    return int(dim)


def check_k(k: int) -> int:
    """A positive integer result count."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def check_matrix(vectors: Any, dim: int, what: str = "vectors") -> np.ndarray:
    """float32 [N, dim] with finite, non-zero rows, or a ValueError saying which row is bad."""
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(f"{what} must have shape [N, {dim}], got {list(arr.shape)}")
    finite = np.isfinite(arr).all(axis=1)
    if not finite.all():
        raise ValueError(f"{what} row {int(np.argmin(finite))} contains NaN or Inf")
    norms = np.linalg.norm(arr, axis=1)
    if (norms == 0).any():
        # Cosine of a zero vector is undefined; the engine would store NaNs.
        raise ValueError(f"{what} row {int(np.argmin(norms))} is all zeros")
    return arr


def check_query(vector: Any, dim: int) -> np.ndarray:
    """float32 [dim] query vector (a [1, dim] array is accepted too)."""
    arr = np.asarray(vector, dtype=np.float32)
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise ValueError(f"query vector must have shape [{dim}], got {list(arr.shape)}")
    return check_matrix(arr[None, :], dim, "query vector")[0]


def check_ids(ids: list[str]) -> list[str]:
    """Non-empty strings, unique within the batch (a duplicate would silently drop a row)."""
    if isinstance(ids, str):
        raise ValueError("ids must be a list of strings, not a single string")
    ids = list(ids)
    for item in ids:
        if not isinstance(item, str) or not item:
            raise ValueError(f"ids must be non-empty strings, got {item!r}")
    if len(set(ids)) != len(ids):
        dup = next(i for i, n in Counter(ids).items() if n > 1)
        raise ValueError(f"duplicate id in one upsert batch: {dup!r}")
    return ids


def _json_value(value: Any, key: str) -> Any:
    """Payload value as plain JSON: numpy scalars/arrays, Paths and datetimes converted."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None  # JSON has no NaN; store null
    if isinstance(value, np.generic):
        return _json_value(value.item(), key)
    if isinstance(value, np.ndarray):
        return [_json_value(v, key) for v in value.tolist()]
    if isinstance(value, (list, tuple, set)):
        return [_json_value(v, key) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v, key) for k, v in value.items()}
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    raise ValueError(f"payload field {key!r} has a non-JSON value of type {type(value).__name__}")


def keyword_text(payload: dict) -> str:
    """Words of file name (without extension), tags and caption, lowercased, one string.

    Splitting here (not only in the engine's tokenizer) makes both backends see the same
    tokens: "Dog_Bark-01.wav" -> "dog bark 01".
    """
    parts: list[str] = []
    for key in KW_SOURCES:
        value = payload.get(key)
        if key == "name" and isinstance(value, str):
            value = PurePath(value).stem if "." in value else value
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            parts.extend(v for v in value if isinstance(v, str))
    return normalize_text(" ".join(parts))


def normalize_text(text: str) -> str:
    """Lowercase words separated by single spaces."""
    return " ".join(w for w in _WORD_SPLIT.split(text.lower()) if w)


def prepare_payloads(ids: list[str], payloads: list[dict]) -> list[dict]:
    """Validated JSON copies with `id` set and the derived keyword field added."""
    if len(payloads) != len(ids):
        raise ValueError(f"got {len(ids)} ids but {len(payloads)} payloads")
    out = []
    for item_id, payload in zip(ids, payloads):
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            raise ValueError(f"payload for {item_id!r} must be a dict, got {type(payload).__name__}")
        clean = {str(k): _json_value(v, str(k)) for k, v in payload.items() if k != KW_FIELD}
        if isinstance(clean.get("tags"), str):
            clean["tags"] = [clean["tags"]]  # a lone tag; filters expect a list
        if "set" in clean and clean["set"] is not None and not isinstance(clean["set"], str):
            raise ValueError(f"payload 'set' for {item_id!r} must be a string")
        clean["id"] = item_id
        clean[KW_FIELD] = keyword_text(clean)
        out.append(clean)
    return out


def check_upsert(ids: list[str], vectors: Any, payloads: list[dict], dim: int
                 ) -> tuple[list[str], np.ndarray, list[dict]]:
    """Validate a whole upsert before anything is written: (ids, [N, dim] float32, payloads)."""
    ids = check_ids(ids)
    arr = check_matrix(vectors, dim)
    if arr.shape[0] != len(ids):
        raise ValueError(f"got {len(ids)} ids but {arr.shape[0]} vectors")
    return ids, arr, prepare_payloads(ids, payloads)


def public_payload(payload: dict | None) -> dict:
    """Caller's view of a stored payload: the derived keyword field removed."""
    if not payload:
        return {}
    return {k: v for k, v in payload.items() if k != KW_FIELD}


def hit(point: Any, score: float | None = None) -> Hit:
    """Engine point (ScoredPoint or Record, Edge or server) -> Hit with the caller's id."""
    payload = public_payload(point.payload)
    item_id = payload.get("id") or str(point.id)
    return Hit(id=item_id, score=float(point.score if score is None else score), payload=payload)


def to_vector(raw: Any) -> np.ndarray | None:
    """Engine vector (list, or {"": list} for the default name) as float32 [D]."""
    if raw is None:
        return None
    if isinstance(raw, dict):
        raw = raw.get("", next(iter(raw.values()), None))
        if raw is None:
            return None
    return np.asarray(raw, dtype=np.float32)


def chunks(n: int, size: int) -> list[slice]:
    """Consecutive slices covering range(n)."""
    return [slice(i, min(n, i + size)) for i in range(0, n, size)]
