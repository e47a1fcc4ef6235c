"""Search over the store and ad-hoc ranking, shared by the UI tabs and the API.

Every store search returns result dicts `{"id", "path", "name", "score", "set",
"payload"}`, best first. Inputs are validated up front with ValueErrors a user can
read; an unknown set or a model with no collection yet gives an empty list, not an error.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from app.analysis.similarity import top_k
from app.audio import Audio, load_audio, prepare_waveform
from app.collections import Kind, collection_of
from app.embedders.base import Embedder, require_text
from app.indexing import file_sha256
from app.references import Reference
from app.settings import DEMO_SET
from app.store import Hit, VectorStore

MAX_K = 1000
SELF_SCORE = 1.0 - 1e-5  # an in-memory query this close to a stored vector is that very clip


# --- validation and helpers --------------------------------------------------
def check_k(k: Any) -> int:
    """The one check of a result count, for every search and API endpoint: an integer in 1..MAX_K.

    A whole float (5.0, from a slider or a JSON number) is accepted; 0, negatives,
    fractions, booleans, None and anything above MAX_K are refused, never replaced.
    """
    whole = isinstance(k, (float, np.floating)) and float(k).is_integer()
    if isinstance(k, bool) or not (isinstance(k, (int, np.integer)) or whole) or not 1 <= int(k) <= MAX_K:
        raise ValueError(f"k must be an integer between 1 and {MAX_K}, got {k!r}")
    return int(k)


def _check_text(text: Any, what: str = "query") -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"the {what} is empty: type some words to search for")
    return text.strip()


def _collection(store: VectorStore, embedder: Embedder, kind: Kind) -> str | None:
    """The collection to search, or None when the model has indexed nothing yet.

    An unknown `set_name` needs no check here: the store's set filter then matches nothing.
    """
    name = collection_of(embedder, kind)
    return name if store.has_collection(name) else None


def _result(hit: Hit) -> dict:
    payload = dict(hit.payload)
    return {"id": hit.id, "path": payload.get("path"), "name": payload.get("name"),
            "score": float(hit.score), "set": payload.get("set"), "payload": payload}


def query_audio_vector(embedder: Embedder, audio: Any) -> np.ndarray:
    """Embed one query clip: a path, a waveform at the model's rate, `(rate, array)` or `Audio`.

    `(rate, array)` is what a Gradio microphone/upload component gives (int16 is fine).
    Raises ValueError (AudioError is one) for unreadable or empty input.
    """
    if isinstance(audio, (str, Path)):
        wave = load_audio(audio, embedder.sample_rate).samples
    elif isinstance(audio, Audio):
        wave = prepare_waveform(audio.samples, audio.sample_rate, embedder.sample_rate).samples
    elif isinstance(audio, tuple) and len(audio) == 2 and np.isscalar(audio[0]):
        rate, data = audio
        wave = prepare_waveform(np.asarray(data), int(rate), embedder.sample_rate).samples
    elif isinstance(audio, np.ndarray):
        wave = audio
    else:
        raise ValueError("no audio given: upload a file, record a clip or pick one from the library")
    return embedder.embed_audio([wave])[0]


# --- store searches ------------------------------------------------------------
def search_text(store: VectorStore, embedder: Embedder, text: str, k: int = 10,
                set_name: str | None = None) -> list[dict]:
    """Text -> audio: the k clips whose embeddings are closest to the text's."""
    require_text(embedder)
    text, k = _check_text(text), check_k(k)
    name = _collection(store, embedder, "audio")
    if name is None:
        return []
    vector = embedder.embed_text([text])[0]
    return [_result(h) for h in store.search(name, vector, k, set_name=set_name)]


def search_vector(store: VectorStore, embedder: Embedder, vector: np.ndarray, k: int = 10,
                  set_name: str | None = None, exclude_id: str | None = None) -> list[dict]:
    """Nearest clips to an embedding already computed (e.g. a stored clip's vector)."""
    k = check_k(k)
    name = _collection(store, embedder, "audio")
    if name is None:
        return []
    hits = store.search(name, vector, min(k + 1, MAX_K + 1), set_name=set_name)
    return [_result(h) for h in hits if h.id != exclude_id][:k]


def search_audio(store: VectorStore, embedder: Embedder, audio: Any, k: int = 10,
                 set_name: str | None = None, exclude_self: bool = True) -> list[dict]:
    """Audio -> audio: clips that sound like the query (a path, waveform or `(rate, array)`).

    With `exclude_self`, the query itself is left out: by content hash for a file (or an
    `Audio` decoded from one), and for in-memory audio any hit with cosine >= 1 - 1e-5.
    """
    k = check_k(k)
    vector = query_audio_vector(embedder, audio)
    if not exclude_self:
        return search_vector(store, embedder, vector, k, set_name)
    source = audio.path if isinstance(audio, Audio) else audio  # a decoded file still knows its path
    if isinstance(source, (str, Path)) and Path(source).is_file():
        return search_vector(store, embedder, vector, k, set_name, exclude_id=file_sha256(source))
    results = search_vector(store, embedder, vector, min(k + 1, MAX_K), set_name)
    return [r for r in results if r["score"] < SELF_SCORE][:k]


def rrf_fuse(rankings: Sequence[Sequence[str]], rrf_k: int = 60) -> list[tuple[str, float, list[int | None]]]:
    """Reciprocal Rank Fusion: score(d) = sum over lists of 1 / (rrf_k + rank), rank from 1.

    Returns (id, fused score, [rank in each list or None]) best first; ties keep the
    order of first appearance (dense list first), so the result is deterministic.
    """
    if rrf_k < 0:
        raise ValueError(f"rrf_k must be >= 0, got {rrf_k}")
    ranks: dict[str, list[int | None]] = {}
    for i, ranking in enumerate(rankings):
        for rank, item in enumerate(ranking, 1):
            ranks.setdefault(item, [None] * len(rankings))
            if ranks[item][i] is None:
                ranks[item][i] = rank
    fused = [(item, sum(1.0 / (rrf_k + r) for r in rs if r is not None), rs) for item, rs in ranks.items()]
    order = {item: n for n, item in enumerate(ranks)}
    return sorted(fused, key=lambda t: (-t[1], order[t[0]]))


def search_hybrid(store: VectorStore, embedder: Embedder, query: str, k: int = 10,
                  set_name: str | None = None, rrf_k: int = 60) -> list[dict]:
    """Dense text->audio plus BM25 over names/tags/captions, fused by RRF.

    Each result also carries `dense_rank`, `keyword_rank` (None when absent from that
    list), `dense_score` (cosine, if in the dense list) and `score` = the fused RRF score.
    """
    require_text(embedder)
    query, k = _check_text(query), check_k(k)
    name = _collection(store, embedder, "audio")
    if name is None:
        return []
    depth = min(MAX_K, max(50, 4 * k))  # fuse deeper than k so a strong keyword match can rise
    dense = store.search(name, embedder.embed_text([query])[0], depth, set_name=set_name)
    keyword = store.keyword_search(name, query, depth, set_name=set_name)
    hits = {h.id: h for h in keyword} | {h.id: h for h in dense}
    dense_score = {h.id: float(h.score) for h in dense}
    out = []
    for item, score, (d_rank, kw_rank) in rrf_fuse([[h.id for h in dense], [h.id for h in keyword]], rrf_k)[:k]:
        result = _result(hits[item])
        result.update(score=score, dense_rank=d_rank, keyword_rank=kw_rank, dense_score=dense_score.get(item))
        out.append(result)
    return out


def caption_audio(store: VectorStore, embedder: Embedder, audio: Any, k: int = 10,
                  extra_lines: list[str] | None = None) -> list[dict]:
    """Audio -> text: the k best vocabulary captions/tags plus every user line, best first.

    The built-in vocabulary must be indexed for the model (`AppContext.ensure_bootstrapped`,
    or `app.bootstrap.ensure_vocab`); `extra_lines` are embedded on the fly (not stored) and
    merged into the ranking.
    Items: `{"text", "score", "kind": "caption"|"tag", "source": "vocab"|"user"}`.
    """
    require_text(embedder)
    k = check_k(k)
    vector = query_audio_vector(embedder, audio)
    name = _collection(store, embedder, "captions")
    found = {}
    for hit in store.search(name, vector, k) if name else []:
        text = hit.payload.get("text", "")
        found[text] = {"text": text, "score": float(hit.score), "kind": hit.payload.get("kind", "caption"),
                       "source": "vocab"}
    extra = list(dict.fromkeys(s.strip() for s in (extra_lines or []) if s and s.strip()))
    if extra:
        scores = embedder.embed_text(extra) @ vector
        for text, score in zip(extra, scores):  # a user line equal to a vocab line replaces it
            found[text] = {"text": text, "score": float(score), "kind": "caption", "source": "user"}
    return sorted(found.values(), key=lambda r: -r["score"])


# --- ad-hoc ranking (no store) -------------------------------------------------
def rank_reference(ref: Reference, embedder: Embedder, text: str, k: int = 10) -> list[dict]:
    """Exact text -> audio ranking of a reference set (the demo set): result dicts with `caption`."""
    text, k = _check_text(text), check_k(k)
    if not ref.keys:
        raise ValueError("the demo set is not available yet (sample_data/demo is empty)")
    scores = ref.vectors @ embedder.embed_text([text])[0]
    return [{"id": None, "path": ref.keys[i], "name": Path(ref.keys[i]).name, "score": float(scores[i]),
             "set": DEMO_SET, "caption": ref.labels[i]} for i in top_k(scores, k)]


def rank_texts(embedder: Embedder, audio: Any, texts: Sequence[str]) -> list[dict]:
    """Score typed texts against one clip: `[{"text", "score"}]` best first."""
    require_text(embedder)
    lines = list(dict.fromkeys(t.strip() for t in texts if isinstance(t, str) and t.strip()))
    if not lines:
        raise ValueError("no texts to rank: type at least one non-empty line")
    scores = embedder.embed_text(lines) @ query_audio_vector(embedder, audio)
    return sorted(({"text": t, "score": float(s)} for t, s in zip(lines, scores)), key=lambda r: -r["score"])


def rank_audio_files(embedder: Embedder, text: str, paths: Sequence[str | Path]) -> list[dict]:
    """Score uploaded files against a text: `[{"path", "name", "score"}]` best first.

    Unreadable files do not stop the ranking: they come last with `score=None` and an
    `error` saying why.
    """
    require_text(embedder)
    text = _check_text(text)
    if not paths:
        raise ValueError("no audio files to rank: upload at least one")
    query = embedder.embed_text([text])[0]
    good, bad = [], []
    for path in paths:
        try:
            wave = load_audio(path, embedder.sample_rate).samples
        except ValueError as exc:  # AudioError
            bad.append({"path": str(path), "name": Path(path).name, "score": None, "error": str(exc)})
            continue
        good.append((path, wave))
    scores = embedder.embed_audio([w for _, w in good]) @ query if good else []
    ranked = [{"path": str(p), "name": Path(p).name, "score": float(s)} for (p, _), s in zip(good, scores)]
    return sorted(ranked, key=lambda r: -r["score"]) + bad
