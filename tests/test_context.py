"""AppContext owns the app's state: embedders, the explicit bootstrap, reference vectors, stop signals.

Headless: no gradio. A tiny random CLAP, a two-clip demo set and a five-line vocabulary
in a temp dir, an embedded store in a temp dir.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
import soundfile as sf

from app.collections import ALL_SETS, collection_of, model_key, set_filter, stored_sets
from app.context import AppContext, StopSignals
from app.settings import Settings
from tests.conftest import noise, tone

CAPTIONS = ["a piano melody", "a dog barking", "rain on a roof", "someone speaking", "a piano melody", "drums"]


@pytest.fixture()
def app_dirs(tmp_path):
    demo, vocab, lib = tmp_path / "demo", tmp_path / "vocab", tmp_path / "lib"
    for folder in (demo, vocab, lib):
        folder.mkdir()
    sf.write(demo / "a.wav", tone(440, 1.0, 16000), 16000)
    sf.write(demo / "b.wav", noise(1.0, 16000, seed=1), 16000)
    (demo / "metadata.csv").write_text("path,category,caption\na.wav,tone,a sine tone\nb.wav,noise,white noise\n")
    (vocab / "captions.txt").write_text("\n".join(CAPTIONS) + "\n")
    (vocab / "tags.txt").write_text("piano\ndog\n")
    for i, freq in enumerate((220, 330, 550)):
        sf.write(lib / f"t{i}.wav", tone(freq, 1.0, 16000), 16000)
    return tmp_path


def make_ctx(app_dirs, model: str, bootstrap: bool = True) -> AppContext:
    settings = Settings(store_dir=app_dirs / "store", models=(model,), library_roots=(app_dirs / "lib",))
    return AppContext(settings, bootstrap=bootstrap, demo_dir=app_dirs / "demo", vocab_dir=app_dirs / "vocab")


def test_loading_a_model_indexes_nothing_until_the_bootstrap_is_asked_for(app_dirs, tiny_clap_dir):
    ctx = make_ctx(app_dirs, str(tiny_clap_dir))
    try:
        emb = ctx.embedder(str(tiny_clap_dir))
        assert ctx.embedder(str(tiny_clap_dir)) is emb and ctx.loaded_embedders() == [emb]
        assert ctx.store_if_open() is None  # no side effect: the store was not even opened
        assert ctx.ensure_bootstrapped(str(tiny_clap_dir)) is emb
        store = ctx.store
        assert store.count(collection_of(emb, "captions"), set_name="vocab") == 7  # 5 unique captions + 2 tags
        assert stored_sets(store, str(tiny_clap_dir)) == {"demo": 2}  # the vocab_dir/demo_dir given, not the repo's
    finally:
        ctx.close()


def test_background_bootstrap_indexes_the_configured_models(app_dirs, tiny_clap_dir):
    ctx = make_ctx(app_dirs, str(tiny_clap_dir))
    try:
        ctx.bootstrap_in_background().join(timeout=300)
        assert stored_sets(ctx.store, str(tiny_clap_dir)) == {"demo": 2}
    finally:
        ctx.close()


def test_caption_vectors_come_from_the_store_not_from_the_text_encoder(app_dirs, tiny_clap_dir, monkeypatch):
    ctx = make_ctx(app_dirs, str(tiny_clap_dir))
    try:
        emb = ctx.ensure_bootstrapped(str(tiny_clap_dir))
        expected = emb.embed_text(list(dict.fromkeys(CAPTIONS)))
        calls = []
        monkeypatch.setattr(emb, "embed_text", lambda texts: calls.append(list(texts)) or expected[:0])
        ref = ctx.references.caption_reference(emb)
        assert calls == []  # nothing re-embedded: every caption was read back from the store
        assert ref.keys == list(dict.fromkeys(CAPTIONS))  # captions.txt order, duplicates folded
        np.testing.assert_allclose(ref.vectors, expected, atol=1e-5)
    finally:
        ctx.close()


def test_captions_are_embedded_when_the_store_has_none(app_dirs, tiny_clap_dir):
    ctx = make_ctx(app_dirs, str(tiny_clap_dir), bootstrap=False)
    try:
        emb = ctx.ensure_bootstrapped(str(tiny_clap_dir))  # bootstrap off: nothing indexed
        ref = ctx.references.caption_reference(emb)
        np.testing.assert_allclose(ref.vectors, emb.embed_text(ref.keys), atol=1e-5)
        assert stored_sets(ctx.store, emb) == {}
    finally:
        ctx.close()


def test_one_sessions_stop_neither_stops_nor_is_reset_by_another():
    stops = StopSignals()
    a = stops.start("session-a")
    assert stops.stop("session-a") and a.is_set()
    b = stops.start("session-b")  # another user starts a job after A pressed Stop
    assert a.is_set() and not b.is_set()  # A's stop survives; B is not stopped by it
    assert not stops.stop("session-c")  # nothing running there
    stops.finish("session-a", a)
    assert not stops.stop("session-a") and not b.is_set()


def test_library_ingest_stops_only_for_the_session_that_asked(app_dirs, tiny_clap_dir):
    from app.add_folder import add_folder

    ctx = make_ctx(app_dirs, str(tiny_clap_dir), bootstrap=False)
    try:
        def other_user_starts_and_stops(*_):  # meanwhile another session starts and stops its own job
            ctx.stops.stop("session-other")
            ctx.stops.start("session-other")

        kept = add_folder(ctx, str(app_dirs / "lib"), "one", "", [str(tiny_clap_dir)],
                          progress=other_user_starts_and_stops, job="session-mine")
        assert not kept.stopped and kept.indexed == 3
        done = threading.Event()

        def i_press_stop(*_):
            if not done.is_set():
                done.set()
                assert ctx.stops.stop("session-mine")

        sf.write(app_dirs / "lib" / "new.wav", tone(770, 1.0, 16000), 16000)
        stopped = add_folder(ctx, str(app_dirs / "lib"), "one", "", [str(tiny_clap_dir)],
                             progress=i_press_stop, job="session-mine")
        assert stopped.stopped and stopped.indexed == 0
    finally:
        ctx.close()


def test_api_rows_have_no_path_key_and_link_the_audio_route():
    from app.media import api_rows, audio_url

    rows = [{"id": "ab12", "path": "/music/a b.wav", "name": "a b.wav", "score": np.float32(0.5), "set": "lib",
             "payload": {"anything": object()}, "dense_rank": 2}]
    out = api_rows(rows, "mini-clap", "http://host:7860/", extra=("dense_rank",))
    assert out == [{"file": "/music/a b.wav", "url": "http://host:7860/audio/mini-clap/ab12", "score": 0.5,
                    "set": "lib", "name": "a b.wav", "id": "ab12", "dense_rank": 2}]
    assert type(out[0]["score"]) is float and audio_url("http://h/", "m", "x/../y") == "http://h/audio/m/x%2F..%2Fy"


def test_one_resolver_for_collections_and_sets(tiny_clap_dir):
    assert collection_of("clap-htsat-unfused", "audio") == "clap-htsat-unfused__audio"
    assert collection_of("laion/clap-htsat-unfused", "captions") == "clap-htsat-unfused__captions"  # hub id
    assert model_key(str(tiny_clap_dir)) == model_key(str(tiny_clap_dir) + "/")
    assert [set_filter(v) for v in (None, "", "  ", ALL_SETS, " lib ")] == [None, None, None, None, "lib"]
