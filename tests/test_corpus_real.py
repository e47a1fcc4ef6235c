"""Real-recording sources of the corpus, driven by a tiny FAKE package tree built in tmp:
generated WAV/OGG/FLAC files and GUS patches laid out like freepats, hydrogen-drumkits,
sonic-pi-samples, lmms-common and a festival speech pool. Nothing is downloaded."""
from __future__ import annotations

import csv
import json
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from train.corpus import CorpusConfig, load_split, render_split
from train.corpus.base import Context
from train.corpus.config import RealSpec, SplitPolicy
from train.corpus.fetch import PACKAGES_JSON, file_licence, licence_of, package_record
from train.corpus.gus import read_patch
from train.corpus.provenance import SOURCES_CSV, write_sources
from train.corpus.real import REAL_MAKERS
from train.corpus.real_catalog import FREEPATS, HYDROGEN, LMMS, SONIC_PI, catalog, split_samples
from train.corpus.recipes import finish_clip, render_clip

SR = 22_050
VERSION = "1.2-3"
PACKAGES = ("freepats", "hydrogen-drumkits", "sonic-pi-samples", "lmms-common", "festvox-kallpc16k",
            "festvox-kdlpc16k")


def tone(hz: float, seconds: float = 0.6, sr: int = SR, noise: bool = False) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    x = np.random.default_rng(int(hz)).standard_normal(t.size) if noise else np.sin(2 * np.pi * hz * t)
    return (0.5 * x * np.exp(-3 * t)).astype(np.float32)


def write_patch(path: Path, root_hz: float, loop: bool = True) -> None:
    """A one-sample GUS patch (16-bit signed) in the layout `gus.read_patch` expects."""
    audio = (tone(root_hz, 0.5, 22_050) * 32767).astype("<i2").tobytes()
    header = bytearray(239)
    header[:22] = b"GF1PATCH110\0ID#000002\0"
    header[198] = 1
    sample = bytearray(96)
    n = len(audio)
    struct.pack_into("<IIIHIII", sample, 8, n, n // 2, n - 2, 22_050, 20_000, 20_000_000, int(root_hz * 1000))
    sample[55] = 1 | (4 if loop else 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(header) + bytes(sample) + audio)


def write_audio(path: Path, audio: np.ndarray, sr: int = SR) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio, sr)


KIT_XML = """<?xml version="1.0"?>
<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit"><name>{name}</name><instrumentList>
<instrument><name>Kick</name><layer><filename>kick.wav</filename></layer></instrument>
<instrument><name>Snare Rock</name><layer><filename>snare.wav</filename></layer></instrument>
<instrument><name>Closed HH</name><layer><filename>hat.wav</filename></layer></instrument>
</instrumentList></drumkit_info>"""


def build_tree(root: Path) -> Path:
    """The fake fetch root (same layout as `python -m train.corpus.fetch --out root`)."""
    write_patch(root / FREEPATS / "Tone_000" / "040_Violin.pat", 440.0)
    write_patch(root / FREEPATS / "Tone_000" / "042_Cello.pat", 220.0)  # held out (program 42)
    write_patch(root / FREEPATS / "Drum_000" / "060_Bongo_High.pat", 400.0, loop=False)
    write_patch(root / FREEPATS / "Drum_000" / "061_Bongo_Low.pat", 300.0, loop=False)  # held out
    for kit in ("TestKit", "HardElectro1"):  # HardElectro1 is a held-out kit
        d = root / HYDROGEN / kit
        write_audio(d / "kick.wav", tone(60))
        write_audio(d / "snare.wav", tone(200, noise=True))
        write_audio(d / "hat.wav", tone(8000, 0.2, noise=True))
        (d / "drumkit.xml").write_text(KIT_XML.format(name=kit))
    for name, hz in (("misc_crow", 900), ("vinyl_backspin", 500), ("vinyl_scratch", 700), ("loop_amen", 0),
                     ("bass_hard_c", 65)):
        write_audio(root / SONIC_PI / f"{name}.flac", tone(hz or 150, 1.5, noise=not hz))
    write_audio(root / LMMS / "instruments" / "trumpet01.ogg", tone(466, 1.0))
    write_audio(root / LMMS / "misc" / "applause01.ogg", tone(1, 2.0, noise=True))
    for pkg in PACKAGES:
        doc = root / "pkgs" / pkg / "usr" / "share" / "doc" / pkg
        doc.mkdir(parents=True, exist_ok=True)
        (doc / "copyright").write_text("Format: dep5\n\nFiles: *\nCopyright: someone\nLicense: GPL-2+\n")
    records = {p: package_record(root, p, VERSION) for p in PACKAGES}
    (root / PACKAGES_JSON).write_text(json.dumps(records))
    rows = []
    for voice in ("kal_diphone", "ked_diphone"):  # ked is the held-out English voice
        for slot in range(10):
            for stretch in (0.85, 1.0, 1.2):
                rel = f"speech/{voice}/{voice}_{slot:02d}_{int(stretch * 100)}.wav"
                write_audio(root / rel, tone(120 + slot * 10, 1.2 * stretch, 16_000), 16_000)
                rows.append({"voice": voice, "slot": slot, "stretch": stretch, "text": f"sentence {slot}", "path": rel})
    (root / "speech" / "pool.json").write_text(json.dumps(rows))
    return root


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return build_tree(tmp_path_factory.mktemp("debs"))


def real_cfg(root: Path, share: float = 1.0) -> CorpusConfig:
    return replace(CorpusConfig(), real=RealSpec(root=str(root), share=share),
                   split=SplitPolicy(soundfonts=("TimGM6mb", "Merlin")), shard_size=8)


def test_gus_patch_roundtrip(tmp_path: Path):
    write_patch(tmp_path / "x.pat", 261.6)
    (s,) = read_patch(tmp_path / "x.pat")
    assert abs(s.root_hz - 261.6) < 0.01 and s.rate == 22_050 and s.loop is not None
    assert s.audio.dtype == np.float32 and 0.3 < np.abs(s.audio).max() <= 1.0
    (tmp_path / "bad.pat").write_bytes(b"RIFF....")
    with pytest.raises(ValueError, match="bad.pat"):
        read_patch(tmp_path / "bad.pat")


def test_licence_from_copyright():
    assert licence_of("Files: *\nLicense: GPL-2+\n\nFiles: a\nLicense: CC0\n") == "GPL-2+, CC0"
    assert licence_of("This is free software under the GNU General Public License v2") == "GPL"


def test_per_file_licence_from_dep5_paragraphs():
    text = ("Files: *\nLicense: MIT\n\nFiles:\n drumkits/circAfrique.h2drumkit\nLicense: CC-BY-SA-3.0\n\n"
            "Files: samples/loud_*.flac\nLicense: CC0\n")
    assert file_licence(text, "usr/share/hydrogen/data/drumkits/circAfrique v4/a.wav") == "CC-BY-SA-3.0"
    assert file_licence(text, "usr/share/hydrogen/data/drumkits/Other/a.wav") == "MIT"
    assert file_licence(text, "usr/share/x/samples/loud_bang.flac") == "CC0"
    assert file_licence("no paragraphs here", "a.wav") is None


def test_catalog_labels_and_hold_out(tree: Path):
    samples = {s.path.split("/")[-1]: s for s in catalog(str(tree))}
    assert samples["040_Violin.pat"].label == "violin" and samples["040_Violin.pat"].kind == "patch"
    assert samples["misc_crow.flac"].label == "crow"
    kit = {s.label for s in catalog(str(tree)) if s.kit == "TestKit"}
    assert kit == {"kick drum", "snare drum", "hi-hat"}
    dev = {s.path for s in split_samples(str(tree), "dev")}
    train = {s.path for s in split_samples(str(tree), "train")}
    assert not dev & train
    assert any("042_Cello" in p for p in dev) and any("HardElectro1" in p for p in dev)
    assert any("vinyl_scratch" in p for p in dev) and any("061_Bongo_Low" in p for p in dev)


@pytest.mark.parametrize("category", sorted(REAL_MAKERS))
def test_every_real_category_renders(tree: Path, category: str):
    ctx = Context(np.random.default_rng(7), "train", real_cfg(tree))
    audio, meta = finish_clip(ctx, REAL_MAKERS[category](ctx), "probe")
    assert audio.shape == (64_000,) and np.isfinite(audio).all() and np.abs(audio).max() > 0.05
    assert meta["labels"]["recorded"] == "yes" and len(meta["captions"]) >= 5


@pytest.fixture(scope="module")
def real_split(tree: Path, tmp_path_factory) -> tuple[np.ndarray, list[dict]]:
    out = tmp_path_factory.mktemp("corpus")
    render_split(out, "train", 48, 3, 1, real_cfg(tree))
    return load_split(out / "train")


def test_captions_name_the_instrument(real_split):
    _, metas = real_split
    real = [m for m in metas if m["labels"].get("recorded") == "yes"]
    assert len(real) == len(metas)
    for m in real:
        if m["category"] in ("instrument", "percussion", "sound"):
            name = m["label"].split()[-1]
            assert any(name in c for c in m["captions"]), (m["label"], m["captions"])
        if m["category"] == "speech":
            assert any("English" in c for c in m["captions"])


def test_held_out_files_never_reach_train(tree: Path, real_split):
    _, metas = real_split
    dev = {s.path.split("/", 2)[2] for s in split_samples(str(tree), "dev")}
    used = {part.split(":", 1)[1] for m in metas for part in m["source"].split("|")}
    assert not used & dev
    assert not any("ked_diphone" in m["source"] for m in metas)
    assert not any(m["labels"].get("text") in {"sentence 7", "sentence 8", "sentence 9"} for m in metas)
    assert {m["category"] for m in metas} >= {"instrument", "drums", "percussion", "speech"}


def test_test_split_ignores_real_recordings(tree: Path):
    synthetic = replace(real_cfg(tree), real=RealSpec())
    for i in range(3):
        a, ma = render_clip(5, "test", i, real_cfg(tree))
        b, mb = render_clip(5, "test", i, synthetic)
        assert np.array_equal(a, b) and ma == mb


def test_sources_manifest_records_package_version_licence(tree: Path, tmp_path: Path):
    summary = write_sources(str(tree), tmp_path)
    with open(tmp_path / SOURCES_CSV, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["version"] == VERSION and r["licence"] == "GPL-2+" for r in rows)
    by_name = {r["path"].split("/")[-1]: r for r in rows}
    assert by_name["042_Cello.pat"]["use"] == "dev" and by_name["040_Violin.pat"]["use"] == "train"
    assert by_name["040_Violin.pat"]["package"] == "freepats"
    assert by_name["ked_diphone_00_100.wav"]["use"] == "dev"
    assert set(summary["packages"]) == set(PACKAGES)


def test_dev_set_uses_only_held_out_files(tree: Path, tmp_path: Path):
    from train.corpus.dev import write_dev
    from train.evaluate import read_manifest

    counts = write_dev(str(tree), tmp_path)
    assert counts["instrument"].get("cello") == 2 and counts["language"].get("english speech")
    assert "violin" not in counts["instrument"] and "crow" not in counts["sound"]
    man = read_manifest(tmp_path / "manifest.csv")
    assert len(man.rows) == sum(sum(c.values()) for c in counts.values())
    assert {r.group for r in man.rows} == {"instrument", "language", "sound"}
    info = sf.info(str(man.rows[0].path))
    assert info.samplerate == 16_000 and info.channels == 1 and info.duration <= 5.0
