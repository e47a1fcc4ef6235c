"""Library search modes and filters over a real embedded store (BandEmbedder: texts name bands)."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from app.indexing import IngestConfig, ingest_paths
from app.library.query import Filters, search_library
from app.store import open_store
from tests.conftest import tone
from tests.test_search import BandEmbedder

RATE = 16_000


@pytest.fixture()
def lib(tmp_path):
    """kick/ (band 1, 0.5 s and 2 s) and snare/ (band 1 at 1.2 s, band 5) under one root."""
    files = {"kick/deep_boom.wav": (1500, 0.5), "kick/long_boom.wav": (1600, 2.0),
             "snare/crack.wav": (1400, 1.2), "snare/band5_hiss.wav": (5500, 1.0)}
    for rel, (freq, secs) in files.items():
        (tmp_path / "lib" / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(tmp_path / "lib" / rel, tone(freq, secs, RATE), RATE)
    store = open_store(store_dir=tmp_path / "store")
    emb = BandEmbedder()
    ingest_paths([tmp_path / "lib"], [emb], store, IngestConfig(set_name="drums"))
    yield store, emb
    store.close()


def names(rows):
    return [r["name"] for r in rows]


def test_vector_mode_ranks_by_meaning_and_rows_are_api_safe(lib):
    store, emb = lib
    rows = search_library(store, emb, "band1", "vector", k=3, url_for=lambda point_id: "/audio/m/" + point_id)
    assert set(names(rows)) == {"deep_boom.wav", "long_boom.wav", "crack.wav"}
    assert all("path" not in r and r["url"] == "/audio/m/" + r["id"] for r in rows)


def test_keyword_mode_matches_file_and_folder_words(lib):
    store, emb = lib
    assert set(names(search_library(store, emb, "boom", "keyword", k=10))) == {"deep_boom.wav", "long_boom.wav"}
    assert set(names(search_library(store, emb, "snare", "keyword", k=10))) == {"crack.wav", "band5_hiss.wav"}


def test_hybrid_fuses_and_reports_both_ranks(lib):
    store, emb = lib
    rows = search_library(store, emb, "band5 hiss", "hybrid", k=2)
    assert rows[0]["name"] == "band5_hiss.wav" and rows[0]["dense_rank"] == 1 and rows[0]["keyword_rank"] == 1


@pytest.mark.parametrize("filters, expected", [
    (Filters(folder="kick"), {"deep_boom.wav", "long_boom.wav"}),
    (Filters(tags=("snare",)), {"crack.wav", "band5_hiss.wav"}),
    (Filters(min_duration=1.1), {"long_boom.wav", "crack.wav"}),
    (Filters(max_duration=0.9), {"deep_boom.wav"}),
    (Filters(folder="snare", max_duration=1.1), {"band5_hiss.wav"}),
    (Filters(set_name="other"), set()),
])
def test_filters_in_every_mode(lib, filters, expected):
    store, emb = lib
    for mode in ("vector", "hybrid"):
        assert set(names(search_library(store, emb, "band1", mode, k=10, filters=filters))) == expected, mode


def test_keyword_mode_applies_tag_filter(lib):
    store, emb = lib
    rows = search_library(store, emb, "boom crack", "keyword", k=10, filters=Filters(tags=("kick",)))
    assert set(names(rows)) == {"deep_boom.wav", "long_boom.wav"}


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "fuzzy"}, "unknown search mode"), ({"query": " "}, "query is empty"), ({"k": 0}, "k must be"),
])
def test_bad_input_is_named(lib, kwargs, message):
    store, emb = lib
    args = {"query": "band1", "mode": "vector", "k": 5} | kwargs
    with pytest.raises(ValueError, match=message):
        search_library(store, emb, **args)
    with pytest.raises(ValueError, match="above max duration"):
        Filters(min_duration=3, max_duration=1)
