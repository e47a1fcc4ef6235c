"""A tiny random PE-Audio directory and a tiny audio-only directory, end to end in the app.

Ingest, search, maps and compare through the app layer and through the JSON API with a
default `gradio_client.Client(url)`; text features of the audio-only model answer with
one clear error, and its bootstrap indexes the demo set but no caption vocabulary.
"""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from app.embedders import TextUnsupportedError
from tests.conftest import noise, tone
from tests.served import serve_app
from tests.zoo_checkpoints import build_tiny_audio_encoder, build_tiny_pe_audio

TEXT = "a piano melody in a minor key"


@pytest.fixture(scope="module")
def zoo_app(tmp_path_factory, tiny_clap_dir):
    """(context, folders, PE dir, audio-only dir) with both models bootstrapped and a library ingested."""
    from app.context import AppContext
    from app.indexing import IngestConfig, ingest_paths
    from app.settings import Settings

    root = tmp_path_factory.mktemp("zoo-app")
    pe = build_tiny_pe_audio(root / "pe-audio")
    enc = build_tiny_audio_encoder(root / "hubert", "hubert")
    lib, demo, vocab = root / "lib", root / "demo", root / "vocab"
    for folder in (lib, demo, vocab):
        folder.mkdir()
    for freq in (220, 440, 660, 880):
        sf.write(lib / f"tone{freq}.wav", tone(freq, 1.5, 16000), 16000)
    sf.write(lib / "noise.wav", noise(2.0, 16000, seed=3), 16000)
    rows = ["path,category,caption"]
    for i, (freq, category) in enumerate([(330, "tonal"), (550, "tonal"), (0, "noise"), (0, "noise")]):
        sf.write(demo / f"d{i}.wav", tone(freq, 1.0, 16000) if freq else noise(1.0, 16000, seed=i), 16000)
        rows.append(f"d{i}.wav,{category},a {category} sound")
    (demo / "metadata.csv").write_text("\n".join(rows) + "\n")
    (vocab / "captions.txt").write_text("a dog barking\na piano melody\nwhite noise\n")
    (vocab / "tags.txt").write_text("piano\nnoise\n")
    models = (str(pe), str(enc), str(tiny_clap_dir))
    ctx = AppContext(Settings(store_dir=root / "store", models=models, library_roots=(lib,)),
                     demo_dir=demo, vocab_dir=vocab)
    embedders = [ctx.ensure_bootstrapped(m) for m in models[:2]]  # vocab (PE only) and demo set (both)
    report = ingest_paths([lib], embedders, ctx.store, IngestConfig(set_name="lib"))
    assert report.indexed == 5 and not report.failed
    yield ctx, root, str(pe), str(enc)
    ctx.close()


def test_bootstrap_skips_text_for_the_audio_only_model(zoo_app):
    from app.store import collection_name, model_slug

    ctx, _, pe, enc = zoo_app
    store = ctx.store
    for model in (pe, enc):
        assert store.count(collection_name(model_slug(model), "audio"), set_name="demo") == 4
    assert store.count(collection_name(model_slug(pe), "captions")) == 5
    enc_captions = collection_name(model_slug(enc), "captions")
    assert not store.has_collection(enc_captions) or store.count(enc_captions) == 0
    emb = ctx.embedder(enc)
    assert ctx.references.caption_reference(emb).keys == [] and len(ctx.references.map_reference(emb).keys) == 4


def test_search_audio_works_for_both_and_text_only_for_pe(zoo_app):
    from app import search

    ctx, root, pe, enc = zoo_app
    query = root / "lib" / "tone440.wav"
    for model in (pe, enc):
        emb = ctx.embedder(model)
        hits = search.search_audio(ctx.store, emb, query, 3, "lib")
        assert len(hits) == 3 and all(h["name"] != "tone440.wav" for h in hits)
        assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    hits = search.search_text(ctx.store, ctx.embedder(pe), TEXT, 2, "lib")
    assert len(hits) == 2
    audio_only = ctx.embedder(enc)
    for call in (lambda: search.search_text(ctx.store, audio_only, TEXT, 2),
                 lambda: search.search_hybrid(ctx.store, audio_only, TEXT, 2),
                 lambda: search.caption_audio(ctx.store, audio_only, query, 2),
                 lambda: search.rank_texts(audio_only, query, ["a dog"]),
                 lambda: search.rank_audio_files(audio_only, TEXT, [query])):
        with pytest.raises(TextUnsupportedError, match="has no text tower"):
            call()


def test_api_with_a_default_client(zoo_app, tiny_clap_dir):
    """Maps, compare, similarity, sets and /models through the JSON API (default `Client(url)`)."""
    from gradio_client import handle_file

    ctx, root, pe, enc = zoo_app
    with serve_app(ctx) as app:
        client = app.client
        clip = handle_file(str(root / "lib" / "tone440.wav"))
        models = {m["name"]: m for m in client.predict(api_name="/models")}
        assert models[pe]["family"] == "pe-audio" and models[pe]["has_text"] and models[pe]["dim"] == 64
        assert models[enc]["family"] == "hf-audio" and models[enc]["has_text"] is False
        assert models[enc]["sample_rate"] == 16000 and models[enc]["info"]["licence"] == ""
        assert models["ms-clap-2023"]["licence"] == "MIT" and models["ms-clap-2023"]["dim"] == 1024
        assert client.predict(enc, api_name="/sets") == {"demo": 4, "lib": 5}
        out = client.predict(clip, TEXT, pe, api_name="/similarity")
        assert -1.0 <= out["cosine"] <= 1.0
        compared = client.predict(clip, TEXT, pe, str(tiny_clap_dir), 3, api_name="/compare")
        assert compared["models"] == [pe, str(tiny_clap_dir)] and compared["n_items"] == 4
        for api, args in (("/similarity", (clip, TEXT, enc)), ("/search_text", (TEXT, enc, "", 3)),
                          ("/compare", (clip, TEXT, enc, pe, 3)), ("/caption", (clip, enc, 3))):
            with pytest.raises(Exception, match="no text tower") as err:
                client.predict(*args, api_name=api)
            assert "Traceback" not in str(err.value)
        for model in (pe, enc):  # rows carry file + url, so the default client takes them as data
            points = client.predict(model, "pca", "lib", api_name="/project")
            assert points["n"] == 5 and all(np.isfinite([p["x"], p["y"]]).all() for p in points["points"])
            hits = client.predict(clip, model, "lib", 3, api_name="/search_audio")
            assert len(hits) == 3 and hits[0]["score"] >= hits[-1]["score"]
            assert all("path" not in h and h["url"] for h in hits)
