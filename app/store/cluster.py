"""How collections spread over a Qdrant cluster: `shard_number` and `replication_factor`.

Without them a collection on a 3-node cluster is created with one shard and lives on one
node. Defaults come from the cluster's peer count (`cluster_status()`): one shard per
peer (so every node holds and searches a part) and two copies of each shard once there
are two or more peers (one node can fail without losing data or answers). A single
server, or clustering disabled, gets Qdrant's own defaults (1 shard, 1 copy).

Overrides (environment, read when a collection is created):
    AEB_QDRANT_SHARDS    shards per collection  (default: number of peers)
    AEB_QDRANT_REPLICAS  copies of each shard   (default: min(2, peers))
Growing later: `docs/deployment.md` ("Growing the cluster").
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ShardLayout:
    """Arguments for `QdrantClient.create_collection` that decide where data lives."""

    shard_number: int = 1
    replication_factor: int = 1

    def __post_init__(self) -> None:
        if self.shard_number < 1 or self.replication_factor < 1:
            raise ValueError(f"shard_number and replication_factor must be >= 1, got "
                             f"{self.shard_number} and {self.replication_factor}")

    def create_kwargs(self) -> dict[str, int]:
        # write_consistency_factor 1: a write is acknowledged once one copy has it
        # (ingest throughput); copies catch up through Qdrant's replication.
        return {"shard_number": self.shard_number, "replication_factor": self.replication_factor,
                "write_consistency_factor": 1}


def peer_count(client) -> int:
    """Peers in the cluster the client talks to; 1 when clustering is disabled."""
    status = client.cluster_status()
    peers = getattr(status, "peers", None)
    return max(1, len(peers)) if peers else 1


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None


def layout_for(peers: int, shards: int | None = None, replicas: int | None = None) -> ShardLayout:
    """Defaults from the peer count; explicit values win (replicas capped at the peer count)."""
    shards = shards if shards is not None else peers
    replicas = replicas if replicas is not None else min(2, peers)
    return ShardLayout(shard_number=shards, replication_factor=min(replicas, peers) if peers > 0 else replicas)


def cluster_layout(client) -> ShardLayout:
    """The layout for a new collection on `client`'s server, env overrides applied."""
    return layout_for(peer_count(client), _env_int("AEB_QDRANT_SHARDS"), _env_int("AEB_QDRANT_REPLICAS"))
