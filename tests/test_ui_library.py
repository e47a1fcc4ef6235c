"""The Sound library and Duplicates endpoints through a DEFAULT gradio_client.Client.

A default client downloads anything that looks like a file (a dict with "path"), so these
calls also prove the rows are plain data with "file" and "url".
"""
from __future__ import annotations

import pytest
import soundfile as sf

from tests.conftest import noise, tone
from tests.served import serve_app


@pytest.fixture(scope="module")
def served(tiny_clap_dir, tmp_path_factory):
    from app.context import AppContext
    from app.indexing import IngestConfig, ingest_paths
    from app.settings import Settings

    root = tmp_path_factory.mktemp("ui-library")
    lib = root / "lib"
    (lib / "kick").mkdir(parents=True)
    (lib / "pads").mkdir()
    sf.write(lib / "kick" / "tone_220.wav", tone(220, 1.0, 16000), 16000)
    sf.write(lib / "kick" / "tone_220_copy.flac", tone(220, 1.0, 16000), 16000, subtype="PCM_16")
    sf.write(lib / "pads" / "tone_880.wav", tone(880, 2.0, 16000), 16000)
    sf.write(lib / "pads" / "hiss.wav", noise(1.0, 16000, seed=3), 16000)
    settings = Settings(store_dir=root / "store", data_dir=root / "data", models=(str(tiny_clap_dir),),
                        library_roots=(lib,))
    ctx = AppContext(settings, bootstrap=False, demo_dir=root / "no-demo", vocab_dir=root / "no-vocab")
    emb = ctx.embedder(str(tiny_clap_dir))
    assert ingest_paths([lib], [emb], ctx.store, IngestConfig(set_name="lib")).indexed == 4
    try:
        with serve_app(ctx) as app:
            yield app.client, str(tiny_clap_dir), lib, app.port, ctx
    finally:
        ctx.close()


def test_library_search_rows_work_with_a_default_client(served):
    client, model, lib, port, _ = served
    rows = client.predict("tone", "keyword", model, "", "", "", "", "", 10, api_name="/library_search")
    assert {r["name"] for r in rows} == {"tone_220.wav", "tone_220_copy.flac", "tone_880.wav"}
    # the project's audio URL (app.media.audio_url): absolute, /audio/<model slug>/<point id>
    assert all("path" not in r and r["url"] == f"http://127.0.0.1:{port}/audio/{slug(model)}/{r['id']}"
               for r in rows)
    assert all(r["auto_tags"] and r["auto_tags"][0]["model"] == emb_name(model) for r in rows)
    import urllib.request
    with urllib.request.urlopen(rows[0]["url"]) as response:
        assert response.status == 200 and len(response.read()) > 1000  # the audio itself


def emb_name(model_dir: str) -> str:
    from app.embedders import load_embedder
    return load_embedder(model_dir).name


def slug(model_dir: str) -> str:
    """The model's part of an audio URL, /audio/<slug>/<id>."""
    from app.store import model_slug
    return model_slug(emb_name(model_dir))


def test_filters_through_the_api(served):
    client, model, lib, *_ = served
    rows = client.predict("tone", "hybrid", model, "lib", "", "pads", "1.5", "", 10, api_name="/library_search")
    assert [r["name"] for r in rows] == ["tone_880.wav"]


def test_facets_and_tags_endpoints(served):
    from gradio_client import handle_file

    client, model, lib, *_ = served
    facets = client.predict(model, "", api_name="/facets")
    assert sum(item["count"] for item in facets["kind"]) == 4
    tags = client.predict(handle_file(str(lib / "pads" / "hiss.wav")), model, api_name="/tags")
    assert tags[0]["facet"] == "kind" and 0 < tags[0]["score"] <= 1


def test_duplicates_endpoint_groups_the_transcoded_copy(served):
    import urllib.request

    client, model, lib, port, _ = served
    rows = client.predict(model, "", "0.9999", api_name="/duplicates")
    groups = {}
    for r in rows:
        groups.setdefault(r["group"], set()).add(r["name"])
        assert "path" not in r and r["url"] == f"http://127.0.0.1:{port}/audio/{slug(model)}/{r['id']}"
    with urllib.request.urlopen(rows[0]["url"]) as response:
        assert response.status == 200 and len(response.read()) > 1000
    assert {"tone_220.wav", "tone_220_copy.flac"} in [g & {"tone_220.wav", "tone_220_copy.flac"} for g in groups.values()]


def test_bad_duration_range_is_a_message(served):
    from gradio_client.exceptions import AppError

    client, model, *_ = served
    with pytest.raises(AppError, match="above max duration"):
        client.predict("tone", "vector", model, "", "", "", "5", "1", 10, api_name="/library_search")


def test_library_map_endpoint_before_and_after_a_map_is_computed(served):
    import numpy as np

    from app.library.libmap import MapConfig, build_map

    client, model, lib, _, ctx = served
    empty = client.predict(model, "pca", api_name="/library_map")
    assert empty["status"] == "not computed" and empty["points"] == []
    emb = ctx.embedder(model)
    texts = ["a tone", "noise"]
    build_map(ctx.store, _collection(emb), ctx.settings.cache_dir,
              texts, emb.embed_text(texts), MapConfig(method="pca"))
    ready = client.predict(model, "pca", api_name="/library_map")
    assert ready["status"] == "ready" and ready["n"] == 4
    assert {p["file"].rsplit("/", 1)[-1] for p in ready["points"]} == {"tone_220.wav", "tone_220_copy.flac",
                                                                       "tone_880.wav", "hiss.wav"}
    assert all("path" not in p and np.isfinite([p["x"], p["y"]]).all() for p in ready["points"])
    assert all(p["url"].endswith(f"/audio/{slug(model)}/{p['id']}") for p in ready["points"])


def _collection(emb) -> str:
    from app.store import collection_name, model_slug
    return collection_name(model_slug(emb.name), "audio")
