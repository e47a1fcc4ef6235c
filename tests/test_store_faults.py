"""Store faults (issue 9, defects 4, 6, 7 and the `--store` check of 5).

A Qdrant server that accepts connections but never answers is simulated by a local socket
server; it never leaves 127.0.0.1 and every wait here is bounded.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from app.store import StoreUnavailable, open_store
from ingest.cli import main as ingest_main
from tests.served import free_port

REPO = Path(__file__).resolve().parents[1]
COLLECTIONS_REPLY = b'{"result":{"collections":[]},"status":"ok","time":0.0}'


@contextlib.contextmanager
def stalled_server(answer_first: int = 0) -> Iterator[str]:
    """http://127.0.0.1:PORT that answers the first `answer_first` requests, then accepts and stays silent."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()
    answered = 0

    def serve() -> None:
        nonlocal answered
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)  # keep it open: the client waits for bytes that never come
            conn.settimeout(0.5)
            while answered < answer_first:
                try:
                    if not conn.recv(65536):
                        break
                except OSError:
                    break
                answered += 1
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(COLLECTIONS_REPLY), COLLECTIONS_REPLY))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def test_silent_server_costs_one_timeout_then_fails_at_once():
    import app.store.server  # noqa: F401  (import time is not what is measured)

    with stalled_server() as url:
        start = time.monotonic()
        with pytest.raises(StoreUnavailable, match="did not answer within 1 s") as first:
            open_store(qdrant_url=url, connect_timeout=1)
        assert time.monotonic() - start < 3
        assert "\n" not in str(first.value)
        start = time.monotonic()
        for _ in range(5):  # what the app does on every request after a failed probe
            with pytest.raises(StoreUnavailable, match="next attempt in"):
                open_store(qdrant_url=url, connect_timeout=1)
        assert time.monotonic() - start < 0.5


def test_cli_fails_fast_in_one_line_when_server_stalls_after_probe(tmp_path, capsys):
    with stalled_server(answer_first=1) as url:
        start = time.monotonic()
        code = ingest_main([str(tmp_path), "--model", "mini-clap", "--qdrant-url", url, "--qdrant-timeout", "1"])
        elapsed = time.monotonic() - start
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith(f"error: Qdrant server at {url} did not answer within 1 s")
    assert elapsed < 8


def test_timeouts_come_from_flag_env_or_default(monkeypatch):
    from app.__main__ import build_parser, settings_from_args
    from app.settings import QDRANT_TIMEOUT_S, Settings

    monkeypatch.delenv("AEB_QDRANT_TIMEOUT", raising=False)
    assert Settings().qdrant_timeout == QDRANT_TIMEOUT_S
    monkeypatch.setenv("AEB_QDRANT_TIMEOUT", "7.5")
    assert Settings().qdrant_timeout == 7.5
    args = build_parser().parse_args(["--qdrant-timeout", "2", "--qdrant-connect-timeout", "0.5"])
    settings = settings_from_args(args)
    assert (settings.qdrant_timeout, settings.qdrant_connect_timeout) == (2.0, 0.5)


# ---- defect 4: Edge writes during concurrent searches -------------------------------
def _points(start: int, n: int, rng: np.random.Generator):
    ids = [f"{i:064x}" for i in range(start, start + n)]
    payloads = [{"path": f"/lib/dog_{i}.wav", "name": f"dog_{i}.wav", "set": "lib"} for i in range(start, start + n)]
    return ids, rng.normal(size=(n, 16)).astype(np.float32), payloads


def test_edge_ingest_while_eight_threads_search(tmp_path):
    from app.store.edge import EdgeStore

    store, rng = EdgeStore(tmp_path / "store"), np.random.default_rng(0)
    store.ensure_collection("c", 16)
    errors: list[str] = []
    stop = threading.Event()
    queries = [0] * 8

    def search(worker: int) -> None:
        local = np.random.default_rng(worker)
        while not stop.is_set():
            try:
                hits = store.search("c", local.normal(size=16).astype(np.float32), 5)
                assert all(h.payload["set"] == "lib" for h in hits)
                store.keyword_search("c", "dog", 5)
                store.count("c", set_name="lib")
                queries[worker] += 1
            except Exception as exc:  # collected: an assert in a thread would be lost
                errors.append(f"search: {exc!r}")

    threads = [threading.Thread(target=search, args=(w,), daemon=True) for w in range(8)]
    for thread in threads:
        thread.start()
    written, deadline = 0, time.monotonic() + 6
    try:
        while time.monotonic() < deadline:  # what ingest_paths does: upsert batches, then optimize + flush
            store.upsert("c", *_points(written, 40, rng))
            written += 40
            store.ensure_collection("c", 16)
            store.flush()
            if written % 400 == 0:
                store.optimize("c")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors[:3]
    assert min(queries) > 0 and store.count("c") == written
    store.close()
    with open_store(store_dir=tmp_path / "store") as reopened:
        assert reopened.count("c") == written


def test_edge_flush_failure_recovers_without_restart_or_loss(tmp_path, caplog):
    """The failure seen under load, reproduced: the payload index journal on disk is shorter than the shard expects."""
    from app.store.edge import EdgeStore

    store, rng = EdgeStore(tmp_path / "store"), np.random.default_rng(1)
    store.ensure_collection("c", 16)
    store.upsert("c", *_points(0, 50, rng))
    store.flush()
    store.upsert("c", *_points(50, 50, rng))  # acknowledged, in the WAL, not yet flushed
    journals = sorted((tmp_path / "store" / "c").glob("segments/*/payload_index/*/tracker_journal.dat"))
    assert journals
    for journal in journals:
        os.truncate(journal, journal.stat().st_size // 2)
    store.flush()  # before the fix: "Failed to flush payload_index ... shorter than expected", for good
    assert "reopening the shard" in caplog.text
    store.upsert("c", *_points(100, 50, rng))  # later ingests keep working in the same process
    store.flush()
    assert store.count("c") == 150 and len(store.keyword_search("c", "dog", 500)) == 150
    store.close()
    with open_store(store_dir=tmp_path / "store") as reopened:
        assert reopened.count("c") == 150 and reopened.sets("c") == {"lib": 150}


# ---- defect 7 and the --store check of 5 -------------------------------------------
def test_app_closes_the_store_on_sigterm(tmp_path):
    from app.store import collection_name

    name = collection_name("mini-clap", "audio")
    vector = np.ones((1, 8), np.float32) / np.sqrt(8)
    with open_store(store_dir=tmp_path / "store") as store:
        store.ensure_collection(name, 8)
        store.upsert(name, ["a" * 64], vector, [{"path": "/x.wav", "name": "x.wav", "set": "kept"}])
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("QDRANT_URL", "AEB_MODELS", "AEB_LIBRARY_ROOTS")}
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1",
               GRADIO_TEMP_DIR=str(tmp_path / "gradio"), AEB_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen([sys.executable, "-m", "app", "--port", str(port), "--store", str(tmp_path / "store")],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        from gradio_client import Client

        deadline = time.monotonic() + 150
        while True:
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=False)
                break
            except Exception:
                assert proc.poll() is None and time.monotonic() < deadline, "the app did not start"
                time.sleep(1)
        assert client.predict("mini-clap", api_name="/sets") == {"kept": 1}  # the app holds the store now
        proc.send_signal(signal.SIGTERM)
        log, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log[-3000:]
    assert "store closed" in log and "Traceback" not in log
    with open_store(store_dir=tmp_path / "store") as store:  # lock released, data intact
        assert store.count(name) == 1 and store.sets(name) == {"kept": 1}


@pytest.mark.parametrize("cli", ["app", "ingest"])
def test_store_pointing_at_a_file_is_one_line(tmp_path, cli):
    a_file = tmp_path / "store.txt"
    a_file.write_text("not a folder")
    args = {"app": ["-m", "app", "--store", str(a_file), "--port", str(free_port())],
            "ingest": ["-m", "ingest", str(tmp_path), "--model", "mini-clap", "--store", str(a_file)]}[cli]
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"error: --store {a_file}: is a file, not a folder (the embedded store is a directory)\n"
