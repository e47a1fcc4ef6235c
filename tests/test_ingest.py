"""Ingest worker: counts, resume after kill -9, dedup, multi-model, shards, captions, CLI contract.

The tiny random CLAP (`tiny_clap_dir`) is the real model path; `BandEmbedder` (from
test_search) is a transparent stand-in used where only the pipeline is under test,
which keeps this file fast on a shared 2-core machine.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import app.audio
from app.embedders import load_embedder
from app.bootstrap import ensure_demo_set, ensure_vocab
from app.indexing import IngestConfig, file_sha256, ingest_paths, scan_audio_files
from app.store import collection_name, model_slug, open_store
from ingest.cli import main
from tests.conftest import tone
from tests.test_search import BandEmbedder

REPO = Path(__file__).resolve().parents[1]


def audio_name(embedder) -> str:
    return collection_name(model_slug(embedder.name), "audio")


def stored_ids(store, name: str) -> list[str]:
    return [hit.id for hit, _ in store.scroll(name)]


def make_tones(folder: Path, n: int, rate: int = 16_000, seconds: float = 0.3) -> list[Path]:
    """n distinct short tones (different content -> different sha256)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        paths.append(folder / f"tone_{i:03d}.wav")
        sf.write(paths[-1], tone(200 + 53 * i, seconds, rate), rate)
    return paths


def run_cli(args: list[str], capsys) -> tuple[int, list[str], str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out.strip().splitlines(), captured.err


def test_cli_counts_reasons_payload_and_rerun(tmp_path, tiny_clap_dir, audio_dir, capsys):
    store_dir = str(tmp_path / "store")
    args = [str(audio_dir), "--model", str(tiny_clap_dir), "--store", store_dir, "--no-vocab", "--batch-size", "3",
            "--tags", "Field, mine"]
    code, lines, err = run_cli(args, capsys)
    assert code == 0 and lines[-1] == "indexed=4 skipped=0 failed=2"
    failed = {Path(line.split(": ")[1]).name: line for line in lines if line.startswith("failed: ")}
    assert set(failed) == {"empty.wav", "notes.mp3"}
    assert "empty (0 bytes)" in failed["empty.wav"] and "not a readable audio file" in failed["notes.mp3"]
    assert "readme.txt" not in "\n".join(lines) and "indexing" in err  # tqdm bar went to stderr

    code, lines, _ = run_cli(args, capsys)
    assert code == 0 and lines[-1] == "indexed=0 skipped=4 failed=2"

    emb = load_embedder(str(tiny_clap_dir))
    with open_store(store_dir=store_dir) as store:
        name = audio_name(emb)
        assert store.count(name) == 4 and store.sets(name) == {"library": 4}
        noise_file = audio_dir / "sub" / "noise.ogg"
        (hit, vec), = store.retrieve(name, [file_sha256(noise_file)], with_vectors=True)
    p = hit.payload
    assert p["path"] == str(noise_file.resolve()) and p["name"] == "noise.ogg" and p["sha256"] == hit.id
    assert p["duration"] == pytest.approx(1.0, abs=0.01) and p["sample_rate"] == 16000 and p["channels"] == 1
    assert p["set"] == "library" and p["file_tags"] == ["sub", "field", "mine", "noise"]
    assert dt.datetime.fromisoformat(p["added_at"]).tzinfo is not None
    np.testing.assert_allclose(vec, emb.embed_audio([noise_file])[0], atol=1e-4)  # same path as a query


# `python -m ingest` in a child process, with the model loader pointed at BandEmbedder plus
# a 100 ms pause per batch standing in for inference (a real model would spend most of this
# test importing transformers on a busy 2-core box; the store and resume logic are the same).
LAUNCHER = """
import runpy, sys, time
sys.path.insert(0, {repo!r})
import app.embedders
from tests.test_search import BandEmbedder

class SlowBands(BandEmbedder):
    def _embed_waveforms(self, waves):
        time.sleep(0.1)
        return super()._embed_waveforms(waves)

model = SlowBands()
app.embedders.load_embedder = lambda name, precision="fp32": model
app.embedders.resolve = lambda name: None
sys.argv = ["ingest", *sys.argv[1:]]
runpy.run_module("ingest", run_name="__main__", alter_sys=True)
"""


def start_slow_ingest(tmp_path: Path, stderr=subprocess.DEVNULL) -> tuple[subprocess.Popen, list[str], Path]:
    """`python -m ingest -v` over 40 tones with the slow BandEmbedder, in a child process.

    Returns (process, the CLI arguments without -v, the store folder); stdout is a pipe.
    """
    make_tones(tmp_path / "lib", 40)
    store_dir = tmp_path / "store"
    launcher = tmp_path / "launch_ingest.py"
    launcher.write_text(LAUNCHER.format(repo=str(REPO)))
    args = [str(tmp_path / "lib"), "--model", "bands", "--store", str(store_dir), "--batch-size", "2",
            "--workers", "1", "--no-vocab"]
    proc = subprocess.Popen([sys.executable, str(launcher), *args, "--verbose"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=stderr, text=True)
    return proc, args, store_dir


def test_kill_9_mid_run_then_resume_has_no_duplicates_and_no_gaps(tmp_path, capsys, monkeypatch):
    proc, args, store_dir = start_slow_ingest(tmp_path)
    files = sorted((tmp_path / "lib").glob("tone_*.wav"))
    seen = []
    for line in proc.stdout:  # -v prints "stored: ..." right after each batch is upserted
        seen.append(line)
        if line.startswith("stored:"):
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, seen
    emb = BandEmbedder()
    with open_store(store_dir=store_dir) as store:
        before = store.count(audio_name(emb))
    assert 2 <= before < 40  # the stored batch survived the kill; the run was really cut short

    monkeypatch.setattr("app.embedders.load_embedder", lambda name, precision="fp32": emb)
    monkeypatch.setattr("app.embedders.resolve", lambda name: None)
    code, lines, _ = run_cli(args, capsys)
    assert code == 0 and lines[-1] == f"indexed={40 - before} skipped={before} failed=0"
    with open_store(store_dir=store_dir) as store:
        ids = stored_ids(store, audio_name(emb))
        assert store.count(audio_name(emb)) == 40
    assert len(ids) == len(set(ids)) == 40 and set(ids) == {file_sha256(f) for f in files}


def test_duplicates_progress_and_stop(tmp_path):
    files = make_tones(tmp_path / "lib", 6)
    copy = tmp_path / "lib" / "copy_of_first.wav"  # sorts first, so this path is the one kept
    shutil.copy(files[0], copy)
    emb, calls = BandEmbedder(), []
    config = IngestConfig(batch_size=2)
    with open_store(store_dir=tmp_path / "store") as store:
        first = ingest_paths([tmp_path / "lib"], [emb], store, config, progress=lambda *a: calls.append(a),
                             should_stop=lambda: any(c[2].startswith("stored:") for c in calls))
        assert first.stopped and first.indexed == 2 and store.count(audio_name(emb)) == 2
        calls.clear()
        second = ingest_paths([tmp_path / "lib"], [emb], store, config, progress=lambda *a: calls.append(a))
        assert not second.stopped and (second.indexed, second.skipped) == (4, 3)  # 2 stored + 1 duplicate
        assert store.count(audio_name(emb)) == 6
        (hit, _), = store.retrieve(audio_name(emb), [file_sha256(copy)])
    assert second.duplicates == [(str(files[0].resolve()), str(copy.resolve()))]
    assert hit.payload["path"] == str(copy.resolve())
    work = [c for c in calls if not c[2].startswith("hash:")]
    assert [c[0] for c in work] == sorted(c[0] for c in work) and work[-1][:2] == (7, 7)


def test_two_models_with_different_rates_fill_two_collections(tmp_path, tiny_clap_dir, audio_dir):
    clap, bands = load_embedder(str(tiny_clap_dir)), BandEmbedder()
    with open_store(store_dir=tmp_path / "store") as store:
        ingest_paths([audio_dir], [bands], store)  # one model already has everything...
        report = ingest_paths([audio_dir], [clap, bands], store, IngestConfig(batch_size=4))
        assert report.summary_line() == "indexed=4 skipped=0 failed=2"  # ...the other still needed it
        assert store.count(audio_name(clap)) == store.count(audio_name(bands)) == 4
        flac = audio_dir / "tone880.flac"
        (_, vec), = store.retrieve(audio_name(bands), [file_sha256(flac)], with_vectors=True)
    # decoded once, one resampler per model rate: the same samples as the model's own file path
    np.testing.assert_allclose(vec, bands.embed_audio([flac])[0], atol=1e-6)


def test_shards_partition_files_exactly(tmp_path, capsys):
    files = make_tones(tmp_path / "lib", 12)
    emb = BandEmbedder()
    seen: set[str] = set()
    with open_store(store_dir=tmp_path / "store") as store:
        for i in range(3):
            before = set(stored_ids(store, audio_name(emb))) if i else set()
            report = ingest_paths([tmp_path / "lib"], [emb], store, IngestConfig(shard=(i, 3)))
            new = set(stored_ids(store, audio_name(emb))) - before
            assert report.indexed == len(new) and all(int(h, 16) % 3 == i for h in new)
            assert not (new & seen)
            seen |= new
    assert seen == {file_sha256(f) for f in files}
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path), "--model", "x", "--shard", "3/3"])
    assert exc.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_shards_write_into_one_server_store(tmp_path):
    """Two shard workers writing to one Qdrant-server-API store (qdrant-client local mode)."""
    from app.search import search_hybrid
    from app.store.server import ServerStore

    files = make_tones(tmp_path / "lib", 8)
    emb = BandEmbedder()
    store = ServerStore(path=":memory:")
    try:
        counts = [ingest_paths([tmp_path / "lib"], [emb], store, IngestConfig(shard=(i, 2))).indexed
                  for i in range(2)]
        assert sum(counts) == 8 and set(stored_ids(store, audio_name(emb))) == {file_sha256(f) for f in files}
        hybrid = {r["name"]: r for r in search_hybrid(store, emb, "tone_003", k=8)}
        assert hybrid["tone_003.wav"]["keyword_rank"] == 1  # BM25 over file-name words works there too
    finally:
        store.close()


def test_captions_mode_and_vocab_once(tmp_path, tiny_clap_dir, capsys):
    caps = tmp_path / "caps.txt"
    caps.write_text("# my captions\na dog barking\n\nwhite noise\na dog barking\npiano melody\n")
    args = ["--captions", str(caps), "--model", str(tiny_clap_dir), "--store", str(tmp_path / "store")]
    assert run_cli(args, capsys)[:2] == (0, ["indexed=3 skipped=0 failed=0"])
    assert run_cli(args, capsys)[:2] == (0, ["indexed=0 skipped=3 failed=0"])
    emb = load_embedder(str(tiny_clap_dir))
    vocab = tmp_path / "vocab"
    vocab.mkdir()
    (vocab / "captions.txt").write_text("a dog barking\ndrums and bass\n")
    (vocab / "tags.txt").write_text("dog\nbass\nnoise\n")
    with open_store(store_dir=tmp_path / "store") as store:
        name = collection_name(model_slug(emb.name), "captions")
        assert {h.payload["text"]: h.payload["set"] for h, _ in store.scroll(name)} == {
            "a dog barking": "captions", "white noise": "captions", "piano melody": "captions"}
        assert ensure_vocab(emb, store, vocab) == 4  # "a dog barking" was already there
        assert ensure_vocab(emb, store, vocab) == 0
        kinds = {h.payload["text"]: h.payload["kind"] for h, _ in store.scroll(name)}
    assert kinds["bass"] == "tag" and kinds["drums and bass"] == "caption" and len(kinds) == 7
    with open_store(store_dir=tmp_path / "fresh") as store:
        assert ensure_vocab(emb, store, vocab) == 5
        lookups = []
        real_existing = store.existing_ids
        store.existing_ids = lambda *a: lookups.append(a) or real_existing(*a)
        assert ensure_vocab(emb, store, vocab) == 0 and lookups == []  # done: one count(), no id lookups


def test_demo_set_with_metadata_once(tmp_path):
    demo = tmp_path / "demo"
    make_tones(demo / "audio", 3)
    (demo / "metadata.csv").write_text(
        "path,category,instrument,family,mood,language,caption,tags\n"
        "audio/tone_000.wav,music,flute,woodwind,calm,,a calm flute note,flute;calm\n"
        "audio/tone_001.wav,speech,,,,fr,a woman speaking french,speech\n"
        "audio/tone_002.wav,sfx,,,,,a beep,beep\n")
    emb = BandEmbedder()
    with open_store(store_dir=tmp_path / "store") as store:
        assert ensure_demo_set(emb, store, demo) == 3 and ensure_demo_set(emb, store, demo) == 0
        hits = {h.payload["name"]: h.payload for h, _ in store.scroll(audio_name(emb), set_name="demo")}
    flute = hits["tone_000.wav"]
    assert flute["instrument"] == "flute" and flute["caption"] == "a calm flute note" and flute["set"] == "demo"
    assert flute["tags"][:2] == ["flute", "calm"] and "language" not in flute
    assert hits["tone_001.wav"]["language"] == "fr"


def test_scan_is_recursive_sorted_and_skips_hidden(audio_dir):
    (audio_dir / ".hidden").mkdir()
    sf.write(audio_dir / ".hidden" / "x.wav", tone(440, 0.1, 16000), 16000)
    names = [p.relative_to(audio_dir.resolve()).as_posix() for p in scan_audio_files([audio_dir])]
    assert names == ["empty.wav", "notes.mp3", "sub/chirp.wav", "sub/noise.ogg", "tone440.wav", "tone880.flac"]
    with pytest.raises(FileNotFoundError):
        scan_audio_files([audio_dir / "missing"])


def test_unknown_model_exits_2_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ingest", str(tmp_path), "--model", "clap-does-not-exist"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: unknown model 'clap-does-not-exist'") and proc.stderr.count("\n") == 1


def test_unreachable_server_exits_2_with_one_line(tmp_path, tiny_clap_dir, capsys):
    code = main([str(tmp_path), "--model", str(tiny_clap_dir), "--qdrant-url", "http://127.0.0.1:9"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.startswith("error: ") and err.count("\n") == 1
    assert "127.0.0.1:9" in err and "unreachable" in err


# --- issue 9 (2, 5): symlinks cannot leave the roots; explicit and odd files are reported ---------
def test_symlink_pointing_outside_the_folder_is_refused_and_named(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.wav"
    sf.write(secret, tone(1234, 0.3, 16000), 16000)
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    lib = tmp_path / "lib"
    make_tones(lib, 2)
    (lib / "escape.wav").symlink_to(secret)
    (lib / "passwd.wav").symlink_to(outside / "passwd")
    (lib / "inside.wav").symlink_to(lib / "tone_000.wav")  # stays inside: a duplicate, not an escape
    emb = BandEmbedder()
    with open_store(store_dir=tmp_path / "store") as store:
        report = ingest_paths([lib], [emb], store)
        stored = {hit.payload["sha256"] for hit, _ in store.scroll(audio_name(emb))}
    failed = dict(report.failed)
    assert set(failed) == {str(lib / "escape.wav"), str(lib / "passwd.wav")}
    assert all("outside" in reason and str(lib) in reason for reason in failed.values())
    assert file_sha256(secret) not in stored and report.indexed == 2


def test_explicit_non_audio_file_is_reported_not_ignored(tmp_path, capsys, monkeypatch):
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio")
    monkeypatch.setattr("app.embedders.load_embedder", lambda name, precision="fp32": BandEmbedder())
    monkeypatch.setattr("app.embedders.resolve", lambda name: None)
    code, lines, _ = run_cli([str(notes), "--model", "bands", "--store", str(tmp_path / "store"), "--no-vocab"],
                             capsys)
    assert code == 0 and lines[-1] == "indexed=0 skipped=0 failed=1"
    assert lines[0].startswith(f"failed: {notes}: not an audio file (extension '.txt'")


def test_cropped_files_warn_and_fragments_are_refused(tmp_path, capsys, monkeypatch):
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "long.wav", tone(300, 3.0, 8000), 8000)
    sf.write(lib / "frag.wav", tone(300, 0.002, 16000), 16000)
    monkeypatch.setattr("app.indexing.load_audio_rates", functools.partial(
        app.audio.load_audio_rates, config=app.audio.AudioConfig(max_seconds=2.0)))
    monkeypatch.setattr("app.embedders.load_embedder", lambda name, precision="fp32": BandEmbedder())
    monkeypatch.setattr("app.embedders.resolve", lambda name: None)
    code, lines, _ = run_cli([str(lib), "--model", "bands", "--store", str(tmp_path / "store"), "--no-vocab"],
                             capsys)
    assert code == 0 and lines[-1] == "indexed=1 skipped=0 failed=1"
    assert f"warning: {(lib / 'long.wav').resolve()}: cropped to the first 2 s (indexed)" in lines
    assert f"failed: {(lib / 'frag.wav').resolve()}: too short (2.0 ms; the minimum is 10 ms)" in lines


def test_sigterm_stops_after_the_batch_in_flight_and_closes_the_store(tmp_path, capsys, monkeypatch):
    proc, args, store_dir = start_slow_ingest(tmp_path, stderr=subprocess.PIPE)
    for line in proc.stdout:
        if line.startswith("stored:"):
            proc.send_signal(signal.SIGTERM)  # what `docker stop` sends
            break
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]  # stopped cleanly, like Ctrl-C, not killed by the signal
    assert "stopped: run the same command again to resume" in err
    last = out.strip().splitlines()[-1]
    emb = BandEmbedder()
    with open_store(store_dir=store_dir) as store:  # the shard lock was released
        stored = store.count(audio_name(emb))
    assert last == f"indexed={stored} skipped=0 failed=0" and 2 <= stored < 40
    monkeypatch.setattr("app.embedders.load_embedder", lambda name, precision="fp32": emb)
    monkeypatch.setattr("app.embedders.resolve", lambda name: None)
    code, lines, _ = run_cli(args, capsys)
    assert code == 0 and lines[-1] == f"indexed={40 - stored} skipped={stored} failed=0"


def test_absurd_model_name_is_one_clear_line(tmp_path, capsys):
    code, lines, err = run_cli([str(tmp_path), "--model", "m" * 10_000, "--store", str(tmp_path / "s")], capsys)
    assert code == 2 and lines == [] and err.count("\n") == 1
    assert err.startswith("error: unknown model 'mmm") and len(err) < 300
