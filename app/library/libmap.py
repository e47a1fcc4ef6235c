"""Library map: a 2-D layout of a whole collection, computed in the background, cached next to
the store and refreshed incrementally; density clusters labelled by the model itself.

Scale: the projection is fitted on a sample (`MapConfig.fit_sample` points: PCA to 32-d, then
UMAP or PCA to 2-d) and every other point is *transformed* in chunks, so 100k points cost one
fit on the sample plus cheap transforms. The fitted reducer is pickled with the layout, so
files added later are placed by `transform` alone; a refit happens only when more than
`refit_ratio` of the points are new. Clusters: HDBSCAN on the 2-d layout of a sample,
other points take the label of their nearest sampled neighbour; each cluster is named by
the vocabulary captions nearest to its centroid in the model's own embedding space.
"""
from __future__ import annotations

import pickle
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

Progress = Callable[[int, int, str], None]
METHODS = ("umap", "pca")


@dataclass(frozen=True)
class MapConfig:
    method: str = "umap"
    fit_sample: int = 10_000
    chunk: int = 5_000
    refit_ratio: float = 0.5
    cluster_sample: int = 20_000
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown map method {self.method!r}: use one of {', '.join(METHODS)}")


@dataclass
class LibraryMap:
    """ids [N], xy float32 [N, 2], cluster float [N] (-1 = none), cluster names, timing."""

    ids: list[str]
    xy: np.ndarray
    cluster: np.ndarray
    names: dict[int, str] = field(default_factory=dict)
    method: str = "umap"
    seconds: float = 0.0
    transformed_only: int = 0  # points placed by transform in an incremental refresh


class _Reducer:
    """PCA to ≤32-d, then UMAP or PCA to 2-d; fitted once, then only `transform`."""

    def __init__(self, method: str, seed: int) -> None:
        self.method, self.seed = method, seed
        self.pca = self.final = None

    def fit(self, x: np.ndarray) -> np.ndarray:
        """Fit on the sample `x` [S, D]; returns the sample's own 2-d layout [S, 2]."""
        from sklearn.decomposition import PCA

        self.pca = PCA(n_components=min(32, x.shape[1], len(x)), random_state=self.seed).fit(x)
        z = self.pca.transform(x)
        if self.method == "umap" and len(x) > 20:
            import umap

            self.final = umap.UMAP(n_components=2, n_neighbors=min(15, len(x) - 1), random_state=self.seed,
                                   low_memory=True)
            return np.asarray(self.final.fit_transform(z), dtype=np.float32)  # no second pass over the sample
        self.final = PCA(n_components=2, random_state=self.seed).fit(z)
        return np.asarray(self.final.transform(z), dtype=np.float32)

    def transform(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.final.transform(self.pca.transform(x)), dtype=np.float32)


def cache_files(cache_dir: Path, collection: str, method: str) -> tuple[Path, Path]:
    base = Path(cache_dir) / "library_map" / f"{collection}.{method}"
    return base.with_suffix(".npz"), base.with_suffix(".reducer.pkl")


def load_cached(cache_dir: Path, collection: str, method: str) -> tuple[LibraryMap | None, _Reducer | None]:
    layout, model = cache_files(cache_dir, collection, method)
    if not (layout.is_file() and model.is_file()):
        return None, None
    data = np.load(layout, allow_pickle=False)
    names = {int(k): str(v) for k, v in zip(data["name_keys"], data["name_values"])}
    with open(model, "rb") as handle:  # written by this module into the store's own cache dir
        reducer = pickle.load(handle)
    return LibraryMap(list(data["ids"]), data["xy"], data["cluster"], names, method), reducer


def _save(cache_dir: Path, collection: str, lmap: LibraryMap, reducer: _Reducer) -> None:
    layout, model = cache_files(cache_dir, collection, lmap.method)
    layout.parent.mkdir(parents=True, exist_ok=True)
    np.savez(layout, ids=np.array(lmap.ids), xy=lmap.xy, cluster=lmap.cluster,
             name_keys=np.array(list(lmap.names), dtype=np.int64), name_values=np.array(list(lmap.names.values())))
    with open(model, "wb") as handle:
        pickle.dump(reducer, handle)


def build_map(store, collection: str, cache_dir: Path, caption_texts: list[str], caption_vectors: np.ndarray,
              config: MapConfig = MapConfig(), progress: Progress | None = None) -> LibraryMap:
    """Project every point of `collection` (reusing the cache when it can) and label clusters."""
    start = time.perf_counter()
    say = progress or (lambda done, total, message: None)
    ids, vectors = [], []
    for hit, vec in store.scroll(collection, with_vectors=True):
        ids.append(hit.id)
        vectors.append(vec)
    if not ids:
        raise ValueError(f"collection {collection!r} is empty: add files before drawing the map")
    x = np.stack(vectors)  # [N, D]
    say(0, len(ids), f"read {len(ids)} points")
    cached, reducer = load_cached(cache_dir, collection, config.method)
    known = {i: n for n, i in enumerate(cached.ids)} if cached else {}
    new = [n for n, i in enumerate(ids) if i not in known]
    xy = np.zeros((len(ids), 2), dtype=np.float32)
    reducer_reused = reducer is not None and len(new) <= config.refit_ratio * len(ids)
    if reducer_reused:
        keep = [n for n, i in enumerate(ids) if i in known]
        xy[keep] = cached.xy[[known[ids[n]] for n in keep]]
        todo = new
    else:
        rng = np.random.default_rng(config.seed)
        sample = rng.choice(len(ids), min(config.fit_sample, len(ids)), replace=False)
        say(0, len(ids), f"fitting {config.method} on {len(sample)} points")
        reducer = _Reducer(config.method, config.seed)
        xy[sample] = reducer.fit(x[sample])
        todo = np.setdiff1d(np.arange(len(ids)), sample).tolist()  # the rest is placed by transform
    for s in range(0, len(todo), config.chunk):
        part = todo[s:s + config.chunk]
        xy[part] = reducer.transform(x[part])
        say(s + len(part), len(todo), "placing points")
    cluster, names = label_clusters(xy, x, caption_texts, caption_vectors, config)
    lmap = LibraryMap(ids, xy, cluster, names, config.method, time.perf_counter() - start,
                      len(todo) if reducer_reused else 0)
    _save(cache_dir, collection, lmap, reducer)
    return lmap


def label_clusters(xy: np.ndarray, x: np.ndarray, caption_texts: list[str], caption_vectors: np.ndarray,
                   config: MapConfig = MapConfig(), top: int = 2) -> tuple[np.ndarray, dict[int, str]]:
    """HDBSCAN clusters of the layout; each named by the `top` captions nearest its centroid."""
    from sklearn.cluster import HDBSCAN
    from sklearn.neighbors import KNeighborsClassifier

    n = len(xy)
    if n < 10:
        return np.full(n, -1), {}
    rng = np.random.default_rng(config.seed)
    sample = rng.choice(n, min(config.cluster_sample, n), replace=False)
    found = HDBSCAN(min_cluster_size=max(5, len(sample) // 100)).fit_predict(xy[sample])
    labels = np.full(n, -1)
    labels[sample] = found
    rest = np.setdiff1d(np.arange(n), sample)
    if len(rest) and (found >= 0).any():
        clf = KNeighborsClassifier(n_neighbors=1).fit(xy[sample][found >= 0], found[found >= 0])
        labels[rest] = clf.predict(xy[rest])
    names = {}
    for c in sorted(set(labels.tolist()) - {-1}):
        centroid = x[labels == c].mean(axis=0)
        centroid /= np.linalg.norm(centroid) + 1e-12
        best = np.argsort(-(caption_vectors @ centroid))[:top]
        names[int(c)] = " / ".join(caption_texts[i] for i in best)
    return labels, names


class MapJobs:
    """One background projection per collection; `status` is what a UI polls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, dict] = {}

    def start(self, collection: str, work: Callable[[Progress], LibraryMap]) -> bool:
        """Start `work` unless a job for `collection` is running; True if started."""
        with self._lock:
            if self._state.get(collection, {}).get("running"):
                return False
            self._state[collection] = {"running": True, "done": 0, "total": 0, "message": "starting", "error": None}

        def progress(done: int, total: int, message: str) -> None:
            self._state[collection].update(done=done, total=total, message=message)

        def run() -> None:
            try:
                result = work(progress)
                self._state[collection].update(running=False, result=result, message="done")
            except Exception as exc:  # reported through status(), never lost in a thread
                self._state[collection].update(running=False, error=f"{type(exc).__name__}: {exc}")

        threading.Thread(target=run, name=f"map-{collection}", daemon=True).start()
        return True

    def status(self, collection: str) -> dict:
        return dict(self._state.get(collection, {"running": False, "message": "not started", "error": None}))
