"""The JSON API end to end: a real server on a free port, a tiny CLAP, a temp store, gradio_client.

Every endpoint is called with a DEFAULT `gradio_client.Client(url)`: result rows must not
look like files to it (no "path" key), and each row's "url" must fetch the audio.
"""
from __future__ import annotations

import urllib.error
import urllib.request

import numpy as np
import pytest
import soundfile as sf

from app.analysis.similarity import cosine
from tests.conftest import noise, tone
from tests.served import serve_app

TEXT = "a piano melody in a minor key"


@pytest.fixture(scope="module")
def served(tiny_clap_dir, tmp_path_factory):
    """(client, context, library folder) for an app with one model and a small indexed set."""
    from app.context import AppContext
    from app.indexing import IngestConfig, ingest_paths
    from app.settings import Settings

    root = tmp_path_factory.mktemp("ui-api")
    lib = root / "lib"
    lib.mkdir()
    for i, freq in enumerate((220, 440, 660, 880)):
        sf.write(lib / f"tone{freq}.wav", tone(freq, 1.0, 16000), 16000)
    sf.write(lib / "noise.wav", noise(1.0, 16000, seed=3), 16000)
    (root / "broken.wav").write_bytes(b"this is not audio" * 20)
    settings = Settings(store_dir=root / "store", models=(str(tiny_clap_dir),), library_roots=(lib,))
    ctx = AppContext(settings, bootstrap=False, demo_dir=root / "no-demo", vocab_dir=root / "no-vocab")
    emb = ctx.embedder(str(tiny_clap_dir))
    report = ingest_paths([lib], [emb], ctx.store, IngestConfig(set_name="lib"))
    assert report.indexed == 5
    try:
        with serve_app(ctx) as app:
            yield app.client, ctx, root
    finally:
        ctx.close()


def test_similarity_matches_direct_embedding(served, tiny_clap_dir):
    from gradio_client import handle_file

    client, ctx, root = served
    clip = root / "lib" / "tone440.wav"
    out = client.predict(handle_file(str(clip)), TEXT, str(tiny_clap_dir), api_name="/similarity")
    emb = ctx.embedder(str(tiny_clap_dir))
    direct = cosine(emb.embed_audio([str(clip)])[0], emb.embed_text([TEXT])[0])
    assert out["model"] == str(tiny_clap_dir)
    assert out["cosine"] == pytest.approx(direct, abs=1e-4)


def test_search_text_is_sorted_and_matches_the_store(served, tiny_clap_dir):
    from app import search

    client, ctx, root = served
    out = client.predict(TEXT, str(tiny_clap_dir), "lib", 3, api_name="/search_text")
    scores = [r["score"] for r in out]
    assert len(out) == 3 and scores == sorted(scores, reverse=True)
    assert all(r["set"] == "lib" and r["file"].startswith(str(root / "lib")) and "path" not in r for r in out)
    direct = search.search_text(ctx.store, ctx.embedder(str(tiny_clap_dir)), TEXT, 3, "lib")
    assert [r["file"] for r in out] == [r["path"] for r in direct]
    np.testing.assert_allclose(scores, [r["score"] for r in direct], atol=1e-5)
    # "" searches every set; an unknown set is an empty list, not an error
    assert len(client.predict(TEXT, str(tiny_clap_dir), "", 10, api_name="/search_text")) == 5
    assert client.predict(TEXT, str(tiny_clap_dir), "nope", 10, api_name="/search_text") == []


def test_bad_input_is_a_message_and_the_server_survives(served, tiny_clap_dir):
    from gradio_client import handle_file

    client, _, root = served
    with pytest.raises(Exception) as info:
        client.predict(handle_file(str(root / "broken.wav")), TEXT, str(tiny_clap_dir), api_name="/similarity")
    message = str(info.value)
    assert "not a readable audio file" in message and "Traceback" not in message
    with pytest.raises(Exception, match="unknown model"):
        client.predict(TEXT, "no-such-model", "", 5, api_name="/search_text")
    with pytest.raises(Exception, match="library root"):
        client.predict(str(root), "x", str(tiny_clap_dir), api_name="/ingest")
    ok = client.predict(handle_file(str(root / "lib" / "noise.wav")), TEXT, str(tiny_clap_dir), api_name="/similarity")
    assert -1.0 <= ok["cosine"] <= 1.0


def test_models_and_rank_texts(served, tiny_clap_dir):
    from gradio_client import handle_file

    client, _, root = served
    models = client.predict(api_name="/models")
    mine = next(m for m in models if m["name"] == str(tiny_clap_dir))
    assert mine["loaded"] and mine["info"]["dim"] == 32
    ranked = client.predict(handle_file(str(root / "lib" / "tone220.wav")), "a dog\n\nrain\na dog",
                            str(tiny_clap_dir), api_name="/rank_texts")
    assert [r["text"] for r in ranked] and sorted(r["text"] for r in ranked) == ["a dog", "rain"]
    assert ranked[0]["score"] >= ranked[1]["score"]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_every_row_endpoint_works_with_a_default_client_and_its_urls_fetch_the_audio(served, tiny_clap_dir):
    from gradio_client import handle_file

    client, _, root = served
    model = str(tiny_clap_dir)
    query = root / "lib" / "tone440.wav"
    results = {
        "search_text": client.predict(TEXT, model, "", 5, api_name="/search_text"),
        "search_audio": client.predict(handle_file(str(query)), model, "lib", 3, api_name="/search_audio"),
        "search_hybrid": client.predict("tone440", model, "", 3, api_name="/search_hybrid"),
    }
    for name, rows in results.items():
        assert rows and all(isinstance(r, dict) and "path" not in r for r in rows), name
        assert all(set(r) >= {"file", "url", "score", "set", "name", "id"} for r in rows), name
    assert str(query) not in [r["file"] for r in results["search_audio"]]  # the query itself is left out
    assert results["search_hybrid"][0]["name"] == "tone440.wav"  # the keyword list puts the name first
    for row in results["search_text"]:  # every url serves exactly the bytes of its file
        status, body = _get(row["url"])
        assert status == 200 and body == (root / "lib" / row["name"]).read_bytes(), row
    projected = client.predict(model, "pca", "lib", api_name="/project")
    assert projected["n"] == 5 and all("path" not in p and p["url"] for p in projected["points"])
    status, body = _get(projected["points"][0]["url"])
    assert status == 200 and body == open(projected["points"][0]["file"], "rb").read()
    assert client.predict(model, api_name="/sets") == {"lib": 5}
    report = client.predict(str(root / "lib"), "lib", model, api_name="/ingest")
    assert report["skipped"] == 5 and report["indexed"] == 0 and report["failed"] == []


def test_audio_urls_serve_only_stored_files_inside_the_roots(served, tiny_clap_dir):
    from app.collections import model_key

    client, ctx, root = served
    row = client.predict(TEXT, str(tiny_clap_dir), "", 1, api_name="/search_text")[0]
    base = row["url"].rsplit("/", 2)[0]
    slug = model_key(str(tiny_clap_dir))
    outside = root / "outside.wav"  # a stored point whose file lies outside every root
    sf.write(outside, tone(330, 0.5, 16000), 16000)
    emb = ctx.embedder(str(tiny_clap_dir))
    ctx.store.upsert(f"{slug}__audio", ["f" * 64], emb.embed_audio([str(outside)]),
                     [{"path": str(outside), "name": "outside.wav", "set": "evil"}])
    for bad in (f"{base}/{slug}/{'f' * 64}",  # stored, but outside the roots
                f"{base}/{slug}/{'0' * 64}",  # no such point
                f"{base}/{slug}/..%2F..%2Fetc%2Fpasswd",
                f"{base}/no-such-model/{row['id']}",
                f"{base}/{slug}/{row['id']}%00"):
        status, body = _get(bad)
        assert status == 404 and outside.read_bytes()[:64] not in body, bad
    assert _get(row["url"])[0] == 200  # positive control
