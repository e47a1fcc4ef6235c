"""Collections on a Qdrant cluster are created with shard_number / replication_factor.

No server runs here: the ServerStore talks to qdrant-client's in-memory backend through a
recorder that (1) answers `cluster_status()` with a real qdrant-client model of an
N-peer cluster and (2) binds every `create_collection` call to the real
`QdrantClient.create_collection` signature, so a misspelt or unknown parameter fails.
"""
from __future__ import annotations

import inspect

import pytest
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from app.store.cluster import ShardLayout, cluster_layout, layout_for, peer_count
from app.store.server import ServerStore


class ClusterRecorder:
    def __init__(self, real: QdrantClient, peers: int) -> None:
        self.real, self.peers, self.created = real, peers, []

    def cluster_status(self):
        if self.peers <= 1:
            return qm.ClusterStatusOneOf(status="disabled")
        return qm.ClusterStatusOneOf1.model_construct(status="enabled", peer_id=1,
                                                      peers={i: {"uri": f"http://n{i}:6335"} for i in range(1, self.peers + 1)})

    def create_collection(self, *args, **kwargs):
        bound = inspect.signature(QdrantClient.create_collection).bind(self.real, *args, **kwargs)
        self.created.append(dict(bound.arguments))
        return self.real.create_collection(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def server_store(peers: int) -> tuple[ServerStore, ClusterRecorder]:
    store = ServerStore(path=":memory:")
    recorder = ClusterRecorder(store.client, peers)
    store.client, store.local = recorder, False  # behave as a server store on that cluster
    return store, recorder


@pytest.mark.parametrize("peers, shards, replicas", [(1, 1, 1), (3, 3, 2), (5, 5, 2)])
def test_defaults_follow_the_peer_count(peers, shards, replicas, monkeypatch):
    monkeypatch.delenv("AEB_QDRANT_SHARDS", raising=False)
    monkeypatch.delenv("AEB_QDRANT_REPLICAS", raising=False)
    store, recorder = server_store(peers)
    store.ensure_collection("m__audio", 4)
    (call,) = recorder.created
    assert call["shard_number"] == shards and call["replication_factor"] == replicas
    assert call["write_consistency_factor"] == 1 and call["vectors_config"].size == 4
    store.ensure_collection("m__audio", 4)  # exists: not created again
    assert len(recorder.created) == 1


def test_environment_overrides_and_replicas_capped_by_peers(monkeypatch):
    monkeypatch.setenv("AEB_QDRANT_SHARDS", "12")
    monkeypatch.setenv("AEB_QDRANT_REPLICAS", "5")
    store, recorder = server_store(3)
    assert cluster_layout(recorder) == ShardLayout(shard_number=12, replication_factor=3)
    monkeypatch.setenv("AEB_QDRANT_SHARDS", "many")
    with pytest.raises(ValueError, match="AEB_QDRANT_SHARDS must be a whole number"):
        cluster_layout(recorder)


def test_layout_validation_and_peer_parsing():
    with pytest.raises(ValueError, match=">= 1"):
        layout_for(3, shards=0)
    assert peer_count(ClusterRecorder(None, 1)) == 1 and peer_count(ClusterRecorder(None, 4)) == 4


def test_local_mode_creates_plain_collections():
    store = ServerStore(path=":memory:")
    store.ensure_collection("m__audio", 4)
    assert store.client.get_collection("m__audio").config.params.shard_number in (None, 1)
