"""Contract tests for app.store: one suite, run against both backends.

`edge` is the embedded Qdrant Edge store; `server` is ServerStore in qdrant-client's local
mode (a directory), standing in for a Qdrant server. Expected results come from a numpy
brute-force cosine search over the same vectors.
"""
from __future__ import annotations

import socket
import time
from pathlib import Path

import numpy as np
import pytest

from app.store import (CollectionNotFound, Hit, StoreUnavailable, collection_name, model_slug,
                       open_store)
from app.store.edge import EdgeStore
from app.store.server import ServerStore

DIM = 32
N = 300
COLL = "test-model__audio"
NAMES = ["dog_bark", "dog-growl", "cat_meow", "Piano Chord", "violin"]


def make_store(kind: str, path: Path, persistent: bool = False):
    """A fresh store. Local mode on disk rewrites its file per point (slow): disk only on demand."""
    if kind == "edge":
        return EdgeStore(path / "edge")
    return ServerStore(path=str(path / "local") if persistent else ":memory:")


@pytest.fixture(params=["edge", "server"])
def kind(request) -> str:
    return request.param


def _dataset():
    """N clustered unit vectors with payloads; set "a" for even rows, "b" for odd."""
    rng = np.random.default_rng(42)
    centers = rng.normal(size=(10, DIM))
    vecs = (centers[rng.integers(0, 10, N)] + 0.5 * rng.normal(size=(N, DIM))).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = [f"{i:064x}" for i in range(N)]  # sha256-like hex ids
    payloads = [{"path": f"/lib/{NAMES[i % 5]}_{i}.wav", "name": f"{NAMES[i % 5]}_{i}.wav",
                 "set": "a" if i % 2 == 0 else "b", "tags": ["loud"] if i % 3 == 0 else ["soft"],
                 "duration": np.float32(1.5), "sample_rate": np.int64(16000)} for i in range(N)]
    return ids, vecs, payloads


def _fill(kind: str, path: Path):
    ids, vecs, payloads = _dataset()
    store = make_store(kind, path)
    store.ensure_collection(COLL, DIM)
    store.upsert(COLL, ids, vecs, payloads)
    return store, ids, vecs


@pytest.fixture()
def data():
    return _dataset()


@pytest.fixture()
def filled(kind, tmp_path):
    """A filled store that the test may modify."""
    store, ids, vecs = _fill(kind, tmp_path)
    yield store, ids, vecs
    store.close()


@pytest.fixture(scope="module", params=["edge", "server"])
def shared(request, tmp_path_factory):
    """A filled store shared by read-only tests (creating an Edge shard costs ~1 s of fsyncs)."""
    store, ids, vecs = _fill(request.param, tmp_path_factory.mktemp(request.param))
    yield store, ids, vecs
    store.close()


def exact_top(vecs: np.ndarray, query: np.ndarray, k: int, mask: np.ndarray | None = None):
    scores = vecs @ (query / np.linalg.norm(query))
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    order = np.argsort(-scores)[:k]
    return [f"{i:064x}" for i in order], scores[order]


# ---- collections ------------------------------------------------------------------
def test_collections_lifecycle(kind, tmp_path):
    with make_store(kind, tmp_path) as store:
        assert not store.has_collection(COLL)
        store.ensure_collection(COLL, DIM)
        store.ensure_collection(COLL, DIM)  # idempotent
        store.ensure_collection("other__captions", 8)
        assert store.list_collections() == ["other__captions", COLL]
        assert store.count(COLL) == 0
        store.delete_collection("other__captions")
        store.delete_collection("never-existed")
        assert store.list_collections() == [COLL]


def test_dim_mismatch_is_clear(kind, tmp_path):
    with make_store(kind, tmp_path) as store:
        store.ensure_collection(COLL, DIM)
        with pytest.raises(ValueError, match="dim=32"):
            store.ensure_collection(COLL, DIM + 1)


def test_missing_collection_and_bad_name(kind, tmp_path):
    with make_store(kind, tmp_path) as store:
        with pytest.raises(CollectionNotFound):
            store.search("nope", np.ones(DIM, np.float32), 3)
        with pytest.raises(ValueError, match="invalid collection name"):
            store.ensure_collection("../escape", DIM)


# ---- search -----------------------------------------------------------------------
def test_stored_vector_is_its_own_top1(shared):
    store, ids, vecs = shared
    for i in (0, 7, 123, N - 1):
        hits = store.search(COLL, vecs[i], k=3)
        assert isinstance(hits[0], Hit)
        assert hits[0].id == ids[i]
        assert hits[0].score == pytest.approx(1.0, abs=1e-4)
        assert hits[0].payload["name"] == f"{NAMES[i % 5]}_{i}.wav"
        assert "_kw" not in hits[0].payload


def test_order_k_and_scores_match_bruteforce(shared):
    store, ids, vecs = shared
    query = np.random.default_rng(1).normal(size=DIM).astype(np.float32) * 3.0  # not unit
    hits = store.search(COLL, query, k=10)
    expected_ids, expected_scores = exact_top(vecs, query, 10)
    assert len(hits) == 10
    assert [h.id for h in hits] == expected_ids
    np.testing.assert_allclose([h.score for h in hits], expected_scores, atol=1e-4)
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    assert len(store.search(COLL, query, k=1)) == 1


def test_set_and_tags_filters(shared, data):
    store, ids, vecs = shared
    payloads = data[2]
    query = vecs[5]
    in_b = np.array([p["set"] == "b" for p in payloads])
    hits = store.search(COLL, query, k=8, set_name="b")
    assert [h.id for h in hits] == exact_top(vecs, query, 8, in_b)[0]
    assert all(h.payload["set"] == "b" for h in hits)
    loud_b = in_b & np.array(["loud" in p["tags"] for p in payloads])
    hits = store.search(COLL, query, k=8, set_name="b", tags=["loud"])
    assert [h.id for h in hits] == exact_top(vecs, query, 8, loud_b)[0]
    assert store.search(COLL, query, k=5, set_name="no-such-set") == []
    any_of = store.search(COLL, query, k=N, tags=["loud", "soft"])
    assert len(any_of) == N


def test_search_batch_equals_individual(shared):
    store, ids, vecs = shared
    queries = vecs[[3, 50, 99]] + 0.1
    batch = store.search_batch(COLL, queries, k=5, set_name="a")
    single = [store.search(COLL, q, k=5, set_name="a") for q in queries]
    assert [[h.id for h in r] for r in batch] == [[h.id for h in r] for r in single]
    np.testing.assert_allclose([h.score for r in batch for h in r],
                               [h.score for r in single for h in r], atol=1e-5)


def test_keyword_search(shared):
    store, ids, vecs = shared
    hits = store.keyword_search(COLL, "Dog bark", k=70)
    assert len(hits) == 70 and all("dog" in h.payload["name"] for h in hits)
    # both words beat one word: all 60 dog_bark files outrank every dog-growl file
    assert all(h.payload["name"].startswith("dog_bark") for h in hits[:60])
    assert all(h.payload["name"].startswith("dog-growl") for h in hits[60:])
    assert hits[59].score > hits[60].score
    exact = store.keyword_search(COLL, "piano chord 3", k=3)
    assert exact[0].id == ids[3]
    assert all(h.payload["set"] == "a" for h in store.keyword_search(COLL, "violin", 20, set_name="a"))
    assert len(store.keyword_search(COLL, "loud", k=N)) == len(range(0, N, 3))  # tags count too
    assert store.keyword_search(COLL, "zebra", k=5) == []
    assert store.keyword_search(COLL, "  _-! ", k=5) == []


# ---- reads ------------------------------------------------------------------------
def test_retrieve_scroll_count_sets(shared):
    store, ids, vecs = shared
    got = store.retrieve(COLL, [ids[4], "missing", ids[1]], with_vectors=True)
    assert [h.id for h, _ in got] == [ids[4], ids[1]]
    np.testing.assert_allclose(got[0][1], vecs[4], atol=1e-5)
    assert store.retrieve(COLL, [ids[4]])[0][1] is None
    rows = list(store.scroll(COLL, set_name="a", with_vectors=True))
    assert sorted(h.id for h, _ in rows) == sorted(ids[0::2])
    for hit, vec in rows[:20]:
        np.testing.assert_allclose(vec, vecs[int(hit.id, 16)], atol=1e-5)
    assert len(list(store.scroll(COLL, limit=7))) == 7
    assert store.count(COLL) == N and store.count(COLL, "b") == N // 2
    assert store.sets(COLL) == {"a": N // 2, "b": N // 2}
    assert got[0][0].payload["sample_rate"] == 16000 and got[0][0].payload["duration"] == 1.5


# ---- writes -----------------------------------------------------------------------
def test_existing_ids_and_idempotent_upsert(filled, data):
    store, ids, vecs = filled
    assert store.existing_ids(COLL, [ids[0], "f" * 64, ids[9]]) == {ids[0], ids[9]}
    payloads = [dict(p, set="c") for p in data[2][:50]]
    store.upsert(COLL, ids[:50], vecs[:50], payloads)
    assert store.count(COLL) == N
    assert store.count(COLL, "c") == 50
    assert store.search(COLL, vecs[10], k=1)[0].payload["set"] == "c"


def test_invalid_vectors_rejected_without_writing(filled):
    store, ids, vecs = filled
    new_ids = [f"new{i}" for i in range(4)]
    bad = np.random.default_rng(3).normal(size=(4, DIM)).astype(np.float32)
    bad[2, 5] = np.nan
    with pytest.raises(ValueError, match="row 2 contains NaN"):
        store.upsert(COLL, new_ids, bad, [{}] * 4)
    over = vecs[:4].copy()
    over[3] = np.inf  # would overwrite stored points 0..3
    with pytest.raises(ValueError, match="NaN or Inf"):
        store.upsert(COLL, ids[:4], over, [{}] * 4)
    with pytest.raises(ValueError, match=r"shape \[N, 32\]"):
        store.upsert(COLL, new_ids, bad[:, :16], [{}] * 4)
    with pytest.raises(ValueError, match="ids but"):
        store.upsert(COLL, new_ids[:3], np.ones((4, DIM), np.float32), [{}] * 3)
    with pytest.raises(ValueError, match="duplicate id"):
        store.upsert(COLL, ["x", "x"], np.ones((2, DIM), np.float32), [{}, {}])
    with pytest.raises(ValueError, match="all zeros"):
        store.upsert(COLL, ["z"], np.zeros((1, DIM), np.float32), [{}])
    with pytest.raises(ValueError, match="query vector"):
        store.search(COLL, np.full(DIM, np.nan, np.float32), 3)
    assert store.count(COLL) == N
    assert store.existing_ids(COLL, new_ids + ["x", "z"]) == set()
    hit = store.search(COLL, vecs[3], k=1)[0]
    assert hit.id == ids[3] and hit.score == pytest.approx(1.0, abs=1e-4)
    assert hit.payload["name"] == f"{NAMES[3]}_3.wav"


def test_reopen_persists(kind, tmp_path, data):
    ids, vecs, payloads = (part[:60] for part in data)  # local mode on disk is slow
    with make_store(kind, tmp_path, persistent=True) as store:
        store.ensure_collection(COLL, DIM)
        store.upsert(COLL, ids, vecs, payloads)
    with make_store(kind, tmp_path, persistent=True) as store:
        assert store.list_collections() == [COLL]
        assert store.count(COLL) == 60
        assert store.search(COLL, vecs[17], k=1)[0].id == ids[17]
        assert store.keyword_search(COLL, "violin 4", k=1)[0].id == ids[4]
        with pytest.raises(ValueError):
            store.ensure_collection(COLL, 64)


# ---- edge specifics ---------------------------------------------------------------
def test_edge_optimize_builds_hnsw_and_stays_correct(tmp_path, data):
    ids, vecs, payloads = data
    rng = np.random.default_rng(7)
    more = rng.normal(size=(3000, DIM)).astype(np.float32)
    with EdgeStore(tmp_path / "s", indexing_threshold_kb=64) as store:
        store.ensure_collection(COLL, DIM)
        store.upsert(COLL, ids, vecs, payloads)
        store.upsert(COLL, [f"m{i}" for i in range(3000)], more, [{"set": "m"}] * 3000)
        before = [h.id for h in store.search(COLL, vecs[11], k=5)]
        store.optimize(COLL)
        info = store._open(COLL).read(lambda shard: shard.info())
        assert info.indexed_vectors_count >= 3000  # HNSW really exists now
        assert [h.id for h in store.search(COLL, vecs[11], k=5)] == before
        assert store.search(COLL, vecs[10], k=1, set_name="a")[0].id == ids[10]
        assert store.search(COLL, more[42], k=1)[0].id == "m42"
        assert store.count(COLL) == N + 3000 and store.sets(COLL)["m"] == 3000
        store.upsert(COLL, ["late"], vecs[:1] * -1, [{"set": "z"}])  # write after optimize
        assert store.search(COLL, -vecs[0], k=1)[0].id == "late"


def test_edge_second_opener_gets_store_unavailable(tmp_path):
    with EdgeStore(tmp_path / "s") as first:
        first.ensure_collection(COLL, DIM)
        second = EdgeStore(tmp_path / "s")
        with pytest.raises(StoreUnavailable, match="open in another process"):
            second.count(COLL)
        with pytest.raises(StoreUnavailable):
            second.delete_collection(COLL)  # must not pull files from under the owner
        second.close()
        assert first.count(COLL) == 0 and first.has_collection(COLL)


# ---- opening ----------------------------------------------------------------------
def test_unreachable_url_fails_fast():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket closes
    start = time.monotonic()
    with pytest.raises(StoreUnavailable, match="unreachable"):
        open_store(qdrant_url=f"http://127.0.0.1:{port}")
    assert time.monotonic() - start < 5


def test_open_store_defaults_to_edge(tmp_path):
    with open_store(store_dir=tmp_path / "st") as store:
        assert isinstance(store, EdgeStore)


def test_naming_helpers(tmp_path):
    assert model_slug("laion/clap-htsat-unfused") == "laion-clap-htsat-unfused"
    assert model_slug("Mini_CLAP v2") == "mini-clap-v2"
    local = tmp_path / "My Model"
    local.mkdir()
    slug = model_slug(str(local))
    assert slug.startswith("my-model-") and len(slug) == len("my-model-") + 8
    assert slug == model_slug(str(local)) != model_slug(str(tmp_path / "x" / "My Model"))
    assert collection_name("mini-clap", "audio") == "mini-clap__audio"
    with pytest.raises(ValueError):
        collection_name("mini-clap", "video")
    with pytest.raises(ValueError):
        model_slug("!!!")
