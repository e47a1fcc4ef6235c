"""Search, hybrid RRF, captioning and ad-hoc ranking over a real embedded store.

`BandEmbedder` is a transparent stand-in model: an audio clip embeds as its energy in
8 frequency bands of 1 kHz, a text as the bands it names ("band3"), so every expected
ranking can be worked out by hand. The real (tiny, random) CLAP is used where only
self-consistency matters (a clip's nearest neighbour is itself).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf

from app.audio import load_audio
from app.embedders import load_embedder
from app.embedders.base import Embedder, EmbedderInfo
from app.indexing import IngestConfig, file_sha256, ingest_paths
from app.search import (caption_audio, rank_audio_files, rank_texts, rrf_fuse, search_audio, search_hybrid,
                        search_text)
from app.store import open_store
from tests.conftest import tone

RATE = 16_000


class BandEmbedder(Embedder):
    """Audio -> sqrt of the energy share per 1 kHz band; text -> the bands it names."""

    def __init__(self, name: str = "test-bands", sample_rate: int = RATE, dim: int = 8) -> None:
        super().__init__()
        self.name, self.sample_rate, self.dim = name, sample_rate, dim

    def info(self) -> EmbedderInfo:
        return EmbedderInfo(self.name, "test", self.dim, self.sample_rate, 0)

    def _embed_waveforms(self, waves: list[np.ndarray]) -> np.ndarray:
        out = []
        for wave in waves:
            spectrum = np.abs(np.fft.rfft(wave)) ** 2
            freqs = np.fft.rfftfreq(len(wave), 1.0 / self.sample_rate)
            band = np.minimum((freqs / 1000.0).astype(int), self.dim - 1)
            energy = np.bincount(band, weights=spectrum, minlength=self.dim)
            out.append(np.sqrt(energy / (energy.sum() + 1e-12)) + 1e-3)
        return np.stack(out)

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        out = np.full((len(texts), self.dim), 1e-3)
        for row, text in enumerate(texts):
            for digit in re.findall(r"band(\d)", text):
                out[row, int(digit)] += 1.0
        return out


def write_tones(folder, freqs_by_name: dict[str, float], rate: int = RATE):
    """One 0.5 s sine per name; returns {name: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, freq in freqs_by_name.items():
        paths[name] = folder / f"{name}.wav"
        sf.write(paths[name], tone(freq, 0.5, rate), rate)
    return paths


@pytest.fixture()
def band_store(tmp_path):
    """A store holding five tones (bands 0, 2, 3, 5, 7) indexed by BandEmbedder in set 'lib'."""
    files = write_tones(tmp_path / "lib", {"low_hum": 500, "dog_bark": 2500, "flute": 3500, "bird": 5500,
                                           "hiss": 7500})
    store = open_store(store_dir=tmp_path / "store")
    embedder = BandEmbedder()
    report = ingest_paths([tmp_path / "lib"], [embedder], store, IngestConfig(set_name="lib"))
    assert report.indexed == 5
    yield store, embedder, files
    store.close()


def test_text_search_ranks_by_named_band(band_store):
    store, emb, files = band_store
    results = search_text(store, emb, "band3", k=5)
    assert [r["name"] for r in results][:1] == ["flute.wav"]
    assert results[0]["id"] == file_sha256(files["flute"]) and results[0]["set"] == "lib"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and len(results) == 5
    assert search_text(store, emb, "band7", k=1)[0]["name"] == "hiss.wav"
    assert search_text(store, emb, "band7", k=2, set_name="no-such-set") == []
    assert search_text(store, BandEmbedder(name="never-indexed"), "band7") == []


def test_audio_search_finds_itself_then_excludes_it(tmp_path, tiny_clap_dir, audio_dir):
    emb = load_embedder(str(tiny_clap_dir))
    with open_store(store_dir=tmp_path / "store") as store:
        ingest_paths([audio_dir], [emb], store)
        query = audio_dir / "sub" / "chirp.wav"
        top = search_audio(store, emb, query, k=3, exclude_self=False)
        assert top[0]["id"] == file_sha256(query) and top[0]["score"] > 0.999
        rest = search_audio(store, emb, query, k=3)
        assert file_sha256(query) not in [r["id"] for r in rest] and len(rest) == 3
        data, rate = sf.read(query, dtype="int16")  # what a Gradio upload hands over
        wave_hits = search_audio(store, emb, (rate, data), k=4, exclude_self=False)
        assert wave_hits[0]["id"] == file_sha256(query)
        assert file_sha256(query) not in [r["id"] for r in search_audio(store, emb, (rate, data), k=4)]
        decoded = load_audio(query, emb.sample_rate)  # what the UI passes (keeps its path)
        assert search_audio(store, emb, decoded, k=1, exclude_self=False)[0]["id"] == file_sha256(query)
        assert file_sha256(query) not in [r["id"] for r in search_audio(store, emb, decoded, k=4)]


def test_rrf_math_on_a_hand_made_example():
    fused = rrf_fuse([["a", "b", "c"], ["c", "a", "d"]], rrf_k=60)
    assert [item for item, _, _ in fused] == ["a", "c", "b", "d"]
    expected = {"a": 1 / 61 + 1 / 62, "c": 1 / 63 + 1 / 61, "b": 1 / 62, "d": 1 / 63}
    for item, score, ranks in fused:
        assert score == pytest.approx(expected[item], abs=1e-12)
    assert dict((i, r) for i, _, r in fused)["d"] == [None, 3]
    assert [i for i, _, _ in rrf_fuse([["x", "y"], ["y", "x"]], rrf_k=0)] == ["x", "y"]  # tie: dense order


def test_hybrid_fuses_dense_and_keyword_ranks(band_store):
    store, emb, files = band_store
    results = search_hybrid(store, emb, "dog band3", k=5)
    by_name = {r["name"]: r for r in results}
    dog, flute = by_name["dog_bark.wav"], by_name["flute.wav"]
    assert dog["keyword_rank"] == 1 and flute["dense_rank"] == 1
    for r in results:
        ranks = [x for x in (r["dense_rank"], r["keyword_rank"]) if x is not None]
        assert r["score"] == pytest.approx(sum(1 / (60 + x) for x in ranks))
    # dog is first in the keyword list and high in the dense one: it beats the dense-only winner
    assert results[0]["name"] == "dog_bark.wav"
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_caption_returns_vocab_best_first_with_user_lines(tmp_path):
    from app.bootstrap import ensure_vocab

    vocab = tmp_path / "vocab"
    vocab.mkdir()
    (vocab / "captions.txt").write_text("# comment\nsomething in band3\nsomething in band6\nband1 drone\n")
    (vocab / "tags.txt").write_text("band5\nband0\n")
    emb = BandEmbedder()
    with open_store(store_dir=tmp_path / "store") as store:
        assert caption_audio(store, emb, tone(3500, 0.5, RATE), k=3) == []  # no vocabulary indexed: nothing
        assert ensure_vocab(emb, store, vocab) == 5
        out = caption_audio(store, emb, tone(3500, 0.5, RATE), k=3, extra_lines=["band3 band4", " ", "band7"])
        assert out[0] == {"text": "something in band3", "score": pytest.approx(out[0]["score"]),
                          "kind": "caption", "source": "vocab"}
        assert {r["text"] for r in out if r["source"] == "user"} == {"band3 band4", "band7"}
        assert len([r for r in out if r["source"] == "vocab"]) == 3
        assert [r["score"] for r in out] == sorted((r["score"] for r in out), reverse=True)
        tag = caption_audio(store, emb, tone(5500, 0.5, RATE), k=1)
        assert tag[0]["text"] == "band5" and tag[0]["kind"] == "tag"


def test_rank_texts_and_files_without_store(tmp_path):
    emb = BandEmbedder()
    ranked = rank_texts(emb, tone(1500, 0.5, RATE), ["band7", "band1", "", "band4"])
    assert ranked[0]["text"] == "band1" and len(ranked) == 3
    files = write_tones(tmp_path, {"a": 500, "b": 6500})
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF nonsense")
    out = rank_audio_files(emb, "band6", [files["a"], broken, files["b"]])
    assert [r["name"] for r in out] == ["b.wav", "a.wav", "broken.wav"]
    assert out[-1]["score"] is None and "not a readable audio file" in out[-1]["error"]


@pytest.mark.parametrize("call, message", [
    (lambda s, e: search_text(s, e, "   "), "empty"),
    (lambda s, e: search_text(s, e, "band1", k=0), "between 1 and 1000"),
    (lambda s, e: search_text(s, e, "band1", k=1001), "between 1 and 1000"),
    (lambda s, e: search_text(s, e, "band1", k="5"), "between 1 and 1000"),
    (lambda s, e: search_hybrid(s, e, ""), "empty"),
    (lambda s, e: search_audio(s, e, None), "no audio"),
    (lambda s, e: search_audio(s, e, "/no/such/file.wav"), "no such file"),
    (lambda s, e: caption_audio(s, e, tone(440, 0.5, RATE), k=-1), "between 1 and 1000"),
    (lambda s, e: rank_texts(e, tone(440, 0.5, RATE), ["", "  "]), "no texts"),
    (lambda s, e: rank_audio_files(e, "band1", []), "no audio files"),
    (lambda s, e: rank_audio_files(e, "", ["x.wav"]), "empty"),
])
def test_bad_inputs_raise_clear_value_errors(band_store, call, message):
    store, emb, _ = band_store
    with pytest.raises(ValueError, match=message):
        call(store, emb)
