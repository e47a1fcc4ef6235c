"""Library map: projection of a whole collection, cache + incremental refresh, cluster labels, job."""
from __future__ import annotations

import time

import numpy as np
import pytest

from app.library.libmap import LibraryMap, MapConfig, MapJobs, build_map, cache_files, label_clusters
from app.store import open_store

DIM = 16


def blobs(n_per: int, centers: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.concatenate([c + 0.05 * rng.standard_normal((n_per, DIM)) for c in centers])
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture()
def setup(tmp_path):
    centers = np.eye(DIM)[:3]  # three well-separated directions
    store = open_store(store_dir=tmp_path / "store")
    store.ensure_collection("m__audio", DIM)
    x = blobs(40, centers, 0)
    store.upsert("m__audio", [f"p{i}" for i in range(len(x))], x, [{"name": f"p{i}"} for i in range(len(x))])
    captions = ["first thing", "second thing", "third thing", "nothing"]
    yield store, tmp_path / "cache", captions, np.eye(DIM)[[0, 1, 2, 5]].astype(np.float32), centers
    store.close()


def test_map_places_every_point_and_names_clusters_by_nearest_caption(setup):
    store, cache, captions, cap_vecs, _ = setup
    lmap = build_map(store, "m__audio", cache, captions, cap_vecs, MapConfig(method="pca"))
    assert len(lmap.ids) == 120 and lmap.xy.shape == (120, 2) and np.isfinite(lmap.xy).all()
    assert len(lmap.names) == 3
    assert {n.split(" / ")[0] for n in lmap.names.values()} == {"first thing", "second thing", "third thing"}
    assert all(p.is_file() for p in cache_files(cache, "m__audio", "pca"))


def test_refresh_transforms_only_new_points_and_keeps_old_positions(setup):
    store, cache, captions, cap_vecs, centers = setup
    first = build_map(store, "m__audio", cache, captions, cap_vecs, MapConfig(method="pca"))
    extra = blobs(5, centers[:1], 7)
    store.upsert("m__audio", [f"new{i}" for i in range(5)], extra, [{} for _ in range(5)])
    second = build_map(store, "m__audio", cache, captions, cap_vecs, MapConfig(method="pca"))
    assert second.transformed_only == 5 and len(second.ids) == 125
    old = {i: xy for i, xy in zip(first.ids, first.xy)}
    assert all(np.allclose(old[i], xy) for i, xy in zip(second.ids, second.xy) if i in old)


def test_umap_on_a_sample_then_transform(setup):
    store, cache, captions, cap_vecs, _ = setup
    lmap = build_map(store, "m__audio", cache, captions, cap_vecs, MapConfig(method="umap", fit_sample=60, chunk=50))
    assert lmap.xy.shape == (120, 2) and np.isfinite(lmap.xy).all()


def test_empty_collection_and_bad_method_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown map method"):
        MapConfig(method="mds")
    with open_store(store_dir=tmp_path / "s") as store:
        store.ensure_collection("e__audio", DIM)
        with pytest.raises(ValueError, match="is empty"):
            build_map(store, "e__audio", tmp_path / "c", ["a"], np.eye(DIM)[:1], MapConfig(method="pca"))


def test_jobs_run_in_background_and_report_errors():
    jobs = MapJobs()
    assert jobs.start("c", lambda progress: (progress(1, 2, "half"), time.sleep(0.2),
                                             LibraryMap([], np.zeros((0, 2)), np.zeros(0)))[-1])
    assert not jobs.start("c", lambda progress: None)  # one job per collection at a time
    while jobs.status("c")["running"]:
        time.sleep(0.05)
    assert jobs.status("c")["message"] == "done"
    jobs.start("d", lambda progress: 1 / 0)
    while jobs.status("d")["running"]:
        time.sleep(0.05)
    assert "ZeroDivisionError" in jobs.status("d")["error"]
