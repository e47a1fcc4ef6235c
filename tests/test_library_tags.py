"""Auto-tags: gating by kind, per-facet scores, the ingest hook, re-tagging and facet counts.

Uses the transparent `BandEmbedder` (a clip embeds as its energy per 1 kHz band, a text as
the bands it names) with a hand-made facets file, so every expected tag follows by hand.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from app.indexing import IngestConfig, ingest_paths
from app.library import tags as T
from app.store import open_store
from tests.test_search import BandEmbedder, write_tones

REAL_LOAD = T.load_facets  # kept before a test monkeypatches the default facets

FACETS = {
    "kind": {"template": "{}", "tags": {"instrument": "band2 band3", "signal": "band6 band7"}},
    "instrument": {"applies_to": ["instrument"], "template": "{}", "tags": {"piano": "band2", "flute": "band3"}},
    "signal": {"applies_to": ["signal"], "template": "{}", "tags": {"hum": "band6", "hiss": "band7"}},
}


@pytest.fixture()
def facets(tmp_path):
    path = tmp_path / "facets.json"
    path.write_text(json.dumps(FACETS))
    return REAL_LOAD(path)


def by_facet(tags):
    return {t["facet"]: t["tag"] for t in tags}


def test_kind_gates_which_facets_apply(facets):
    emb = BandEmbedder()
    tagger = T.Tagger(emb, facets)
    flute, hiss = emb.embed_audio([np.sin(2 * np.pi * f * np.arange(8000) / 16000) for f in (3500, 7500)])
    tags = tagger.tag(np.stack([flute, hiss]))
    assert by_facet(tags[0]) == {"kind": "instrument", "instrument": "flute"}
    assert by_facet(tags[1]) == {"kind": "signal", "signal": "hiss"}
    for t in tags[0] + tags[1]:
        assert t["model"] == "test-bands" and 0.5 < t["score"] <= 1.0


def test_bad_facets_file_names_the_file(tmp_path):
    path = tmp_path / "facets.json"
    path.write_text(json.dumps({"instrument": {"tags": ["a"]}}))  # no template, no kind
    with pytest.raises(ValueError, match="facets.json"):
        REAL_LOAD(path)


def test_retagging_keeps_file_tags_and_replaces_auto_tags():
    payload = {"tags": ["drums", "loud"]}
    first = T.with_tags(payload, [{"facet": "kind", "tag": "drums", "score": 0.9, "model": "a"},
                                  {"facet": "drum", "tag": "snare drum", "score": 0.8, "model": "a"}])
    assert first["tags"] == ["drums", "loud", "snare drum"]
    second = T.with_tags(first, [{"facet": "drum", "tag": "kick drum", "score": 0.7, "model": "b"}])
    assert second["file_tags"] == ["drums", "loud"]
    assert second["tags"] == ["drums", "loud", "kick drum"]  # "snare drum" is gone, folder words stay
    assert second["auto_tags"][0]["model"] == "b"


def test_ingest_tags_each_file_and_retag_recomputes(tmp_path, facets, monkeypatch):
    write_tones(tmp_path / "lib" / "woodwind", {"take_a": 3500, "take_b": 3400})
    write_tones(tmp_path / "lib" / "noise", {"take_c": 7500})
    monkeypatch.setattr(T, "load_facets", lambda path=None: facets)
    emb = BandEmbedder()
    with open_store(store_dir=tmp_path / "store") as store:
        ingest_paths([tmp_path / "lib"], [emb], store, IngestConfig(set_name="lib"))
        name = "test-bands__audio"
        stored = {h.payload["name"]: h.payload for h, _ in store.scroll(name)}
        assert by_facet(stored["take_a.wav"]["auto_tags"])["instrument"] == "flute"
        assert "woodwind" in stored["take_a.wav"]["tags"] and "flute" in stored["take_a.wav"]["tags"]
        # the auto tag is a keyword-indexed tag: a tag filter finds exactly the flutes
        hits = store.search(name, emb.embed_text(["band3"])[0], k=10, tags=["flute"])
        assert sorted(h.payload["name"] for h in hits) == ["take_a.wav", "take_b.wav"]
        counts = T.facet_counts(store, name)
        assert counts["kind"] == [("instrument", 2), ("signal", 1)]
        assert counts["instrument"] == [("flute", 2)]

        swapped = dict(FACETS, instrument={"applies_to": ["instrument"], "template": "{}",
                                           "tags": {"oboe": "band3", "piano": "band2"}})
        (tmp_path / "f2.json").write_text(json.dumps(swapped))
        assert T.retag_collection(store, name, T.Tagger(emb, REAL_LOAD(tmp_path / "f2.json"))) == 3
        after = {h.payload["name"]: h.payload for h, _ in store.scroll(name)}
        assert by_facet(after["take_a.wav"]["auto_tags"])["instrument"] == "oboe"
        assert "flute" not in after["take_a.wav"]["tags"] and "woodwind" in after["take_a.wav"]["tags"]
        assert store.count(name) == 3



def test_facets_cli_and_the_ingest_dispatch(tmp_path, facets, monkeypatch, capsys):
    import subprocess
    import sys

    from app.library import cli

    write_tones(tmp_path / "lib", {"take_a": 3500, "take_c": 7500})
    monkeypatch.setattr(T, "load_facets", lambda path=None: facets)
    with open_store(store_dir=tmp_path / "store") as store:
        ingest_paths([tmp_path / "lib"], [BandEmbedder()], store, IngestConfig(set_name="lib"))
    assert cli.main(["facets", "--model", "test-bands", "--store", str(tmp_path / "store")]) == 0
    out = capsys.readouterr().out
    assert "kind: instrument 1, signal 1" in out and "instrument: flute 1" in out
    # `python -m ingest facets ...` reaches the library CLI (not the ingest path parser)
    proc = subprocess.run([sys.executable, "-m", "ingest", "facets", "--model", "mini-clap", "--store",
                           str(tmp_path / "store")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "has no stored audio yet" in proc.stderr
