"""The distributed compose profile, checked statically (no Docker engine here): three Qdrant
nodes forming one cluster, the UI on it, and three ingest workers splitting the files."""
from __future__ import annotations

import pytest

from tests.test_compose import _command, _env, _volumes, load_compose

NODES = ("qdrant-1", "qdrant-2", "qdrant-3")
WORKERS = ("ingest-0", "ingest-1", "ingest-2")


@pytest.fixture(scope="module")
def services() -> dict:
    return load_compose()["services"]


def test_three_nodes_form_one_cluster(services):
    uris = set()
    for i, name in enumerate(NODES):
        node = services[name]
        assert "cluster" in node["profiles"] and node["image"].startswith("qdrant/qdrant:")
        assert _env(node)["QDRANT__CLUSTER__ENABLED"] == "true"
        cmd = _command(node)
        uris.add(cmd[cmd.index("--uri") + 1])
        assert cmd[cmd.index("--uri") + 1] == f"http://{name}:6335"  # its own p2p address
        if i:  # the others join through the first node and wait until it is healthy
            assert cmd[cmd.index("--bootstrap") + 1] == "http://qdrant-1:6335"
            assert services[name]["depends_on"]["qdrant-1"]["condition"] == "service_healthy"
        assert node["healthcheck"]["test"] == services["qdrant"]["healthcheck"]["test"]
    assert len(uris) == 3
    storages = {_volumes(services[n])[0][0] for n in NODES}
    assert len(storages) == 3 and storages <= set(load_compose()["volumes"])  # one volume per node


def test_app_on_the_cluster_does_not_clash_with_the_single_node_app(services):
    app = services["app-cluster"]
    assert app["profiles"] == ["cluster"] and _env(app)["QDRANT_URL"].split("//")[1].split(":")[0] in NODES
    assert app["ports"][0].split(":")[0] != services["app"]["ports"][0].split(":")[0]
    assert set(app["depends_on"]) == set(NODES)


def test_workers_cover_every_shard_once_with_valid_flags(services):
    from ingest.cli import build_parser

    shards, targets = [], set()
    for name in WORKERS:
        worker = services[name]
        assert worker["profiles"] == ["cluster-ingest"]
        cmd = _command(worker)
        assert cmd[:3] == ["python", "-m", "ingest"]
        args = build_parser().parse_args(cmd[3:])  # the real CLI accepts the flags
        shards.append(args.shard)
        targets.add(args.qdrant_url)
        assert ("/music" in args.paths) and any(t == "/music" for _, t, _ in _volumes(worker))
    assert sorted(shards) == [(0, 3), (1, 3), (2, 3)]
    assert len(targets) == 3  # load spread over the nodes
