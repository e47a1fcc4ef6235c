"""Near-duplicate groups over a real embedded store, the CSV and the `python -m ingest duplicates` CLI.

`BandEmbedder` embeds a clip as its energy per 1 kHz band, so a tone re-encoded, re-levelled,
trimmed or made stereo keeps its embedding (same sound), while another band does not.
"""
from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import soundfile as sf

from app.indexing import IngestConfig, ingest_paths
from app.library import cli
from app.library.duplicates import DuplicateConfig, UnionFind, find_duplicates, groups_csv
from app.store import open_store
from tests.conftest import tone
from tests.test_search import BandEmbedder

RATE = 16_000


def write_variants(folder, freq: float, stem: str) -> list[str]:
    """The same tone as wav, flac (quieter), ogg (trimmed) and stereo wav."""
    folder.mkdir(parents=True, exist_ok=True)
    wave = tone(freq, 1.0, RATE)
    files = {f"{stem}.wav": (wave, {}), f"{stem}_quiet.flac": (wave * 0.3, {}),
             f"{stem}_trim.ogg": (wave[2000:-3000], {}), f"{stem}_stereo.wav": (np.stack([wave, 0.8 * wave], 1), {})}
    for name, (data, _) in files.items():
        sf.write(folder / name, data, RATE)
    return sorted(files)


@pytest.fixture()
def dup_store(tmp_path):
    a = write_variants(tmp_path / "lib" / "a", 1500, "hum")
    b = write_variants(tmp_path / "lib" / "b", 5500, "whistle")
    sf.write(tmp_path / "lib" / "single.wav", tone(3500, 1.0, RATE), RATE)  # a sound with no duplicate
    store = open_store(store_dir=tmp_path / "store")
    ingest_paths([tmp_path / "lib"], [BandEmbedder()], store, IngestConfig(set_name="lib"))
    yield store, a, b
    store.close()


def test_groups_are_the_variants_of_each_sound(dup_store):
    store, a, b = dup_store
    groups = find_duplicates(store, "test-bands__audio", DuplicateConfig(threshold=0.95, k=5, page=3))
    names = sorted(sorted(m["name"] for m in g) for g in groups)
    assert names == [a, b]  # "single.wav" is in no group; pages of 3 cross group borders
    for group in groups:
        assert all(m["link_score"] >= 0.95 for m in group) and "path" not in group[0]
    assert {m["format"] for m in groups[0]} == {"wav", "flac", "ogg"}


def test_lowest_threshold_joins_everything_and_csv_has_rows(dup_store):
    store, a, b = dup_store
    everything = find_duplicates(store, "test-bands__audio", DuplicateConfig(threshold=-1.0, k=10))
    assert [len(g) for g in everything] == [9]
    rows = list(csv.DictReader(io.StringIO(groups_csv(find_duplicates(store, "test-bands__audio",
                                                                      DuplicateConfig(threshold=0.95))))))
    assert len(rows) == 8 and {r["group"] for r in rows} == {"1", "2"} and rows[0]["size"] == "4"


def test_union_find_joins_chains():
    sets = UnionFind(5)
    sets.union(0, 1), sets.union(3, 4), sets.union(1, 4)
    assert len({sets.find(i) for i in range(5)}) == 2 and sets.find(2) == 2


def test_config_rejects_a_threshold_outside_cosine_range():
    with pytest.raises(ValueError, match="between -1 and 1"):
        DuplicateConfig(threshold=1.5)


def test_cli_writes_csv_and_reports_unknown_collection(tmp_path, dup_store, capsys, monkeypatch):
    store, a, b = dup_store
    store.close()  # the CLI opens the embedded store itself
    out = tmp_path / "groups.csv"
    assert cli.main(["duplicates", "--model", "test-bands", "--store", str(tmp_path / "store"),
                     "--threshold", "0.95", "--out", str(out)]) == 0
    assert "groups=2 files=8" in capsys.readouterr().err
    assert len(out.read_text().splitlines()) == 9
    assert cli.main(["duplicates", "--model", "mini-clap", "--store", str(tmp_path / "store")]) == 2
    assert "has no stored audio yet" in capsys.readouterr().err
