"""Generate a test sound library with known near-duplicates.

    python -m benchmarks.testlib --out /work/data/lib/testlib [--bases 300] [--variants 32] [--seed 0]

Base sounds: the demo set's clips, plus mixes of two demo clips from different categories
(A + 0.6·B, so a mix is a different sound that still shares content with A — a hard
negative for duplicate finding). Every base is written once as it is and `--variants`
more times, each variant a random combination of the ways one sound reaches a library
twice: format (wav 16-bit / wav float / flac / mp3 at a random compression / ogg vorbis),
sample rate, level (−12…+3 dB), trim (up to 0.4 s off either end), and channel layout
(mono, or stereo with a small pan).

Files go to `<out>/<category>/<tag>/<base>__vNN.<ext>` (folder words become file tags at
ingest) and `<out>/manifest.csv` lists file, base (the ground-truth duplicate group) and
every transformation applied.
"""
from __future__ import annotations

import argparse
import csv
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from app.audio import load_audio, resample
from app.bootstrap import read_metadata
from app.settings import DEMO_DIR

RATES = (16_000, 22_050, 32_000, 44_100)
FORMATS = {  # name -> (extension, soundfile format, subtype)
    "wav16": ("wav", "WAV", "PCM_16"), "wavf": ("wav", "WAV", "FLOAT"), "flac": ("flac", "FLAC", "PCM_16"),
    "mp3": ("mp3", "MP3", "MPEG_LAYER_III"), "ogg": ("ogg", "OGG", "VORBIS"),
}


@dataclass(frozen=True)
class Base:
    """A ground-truth sound: mono float32 at `rate`, and the folder words that describe it."""

    name: str
    wave: np.ndarray
    rate: int
    folder: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    """How one file was derived from its base (a manifest row without file and base)."""

    format: str
    rate: int
    gain_db: float
    trim_start_s: float
    trim_end_s: float
    channels: int
    compression: float


def _slug(text: str) -> str:
    return "-".join(text.lower().replace("/", " ").split()) or "misc"


def demo_bases(limit: int, rng: np.random.Generator) -> list[Base]:
    """Demo clips, then mixes of two clips from different categories until `limit` bases."""
    meta = read_metadata(Path(DEMO_DIR) / "metadata.csv")
    clips = []
    for path, row in meta.items():
        audio = load_audio(path)
        label = row.get("instrument") or row.get("language") or Path(path).stem.split("_", 2)[-1]
        clips.append(Base(Path(path).stem, audio.samples, audio.sample_rate,
                          (_slug(row["category"]), _slug(label))))
    bases = clips[:limit]
    while len(bases) < limit:
        a, b = rng.choice(len(clips), 2, replace=False)
        if clips[a].folder[0] == clips[b].folder[0] or clips[a].rate != clips[b].rate:
            continue
        n = min(len(clips[a].wave), len(clips[b].wave))
        mix = clips[a].wave[:n] + 0.6 * clips[b].wave[:n]
        mix = mix / max(1.0, float(np.abs(mix).max()) / 0.9)
        bases.append(Base(f"mix{len(bases):03d}_{clips[a].name[:3]}_{clips[b].name[:3]}", mix.astype(np.float32),
                          clips[a].rate, ("mixes", clips[a].folder[1])))
    return bases


def random_variant(rng: np.random.Generator) -> Variant:
    return Variant(format=str(rng.choice(list(FORMATS))), rate=int(rng.choice(RATES)),
                   gain_db=round(float(rng.uniform(-12, 3)), 2),
                   trim_start_s=round(float(rng.choice([0, rng.uniform(0, 0.4)])), 3),
                   trim_end_s=round(float(rng.choice([0, rng.uniform(0, 0.4)])), 3),
                   channels=int(rng.choice([1, 2])), compression=round(float(rng.uniform(0, 0.95)), 2))  # mp3 rejects 1.0


IDENTITY = Variant("wav16", 0, 0.0, 0.0, 0.0, 1, 0.0)  # rate 0: keep the base's own rate


def render(base: Base, v: Variant, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """The variant's samples [n] or [n, 2] and its sample rate."""
    rate = v.rate or base.rate
    wave = resample(base.wave, base.rate, rate) if rate != base.rate else base.wave
    start, end = int(v.trim_start_s * rate), len(wave) - int(v.trim_end_s * rate)
    wave = wave[start:max(start + rate // 2, end)] * 10 ** (v.gain_db / 20)
    if v.channels == 2:
        pan = rng.uniform(0.7, 1.0)
        wave = np.stack([wave * pan, wave * (1.7 - pan)], axis=1)  # a small pan, both sides 0.7..1
    return np.clip(wave, -1.0, 1.0).astype(np.float32), rate


def write(path: Path, samples: np.ndarray, rate: int, v: Variant) -> None:
    _, fmt, subtype = FORMATS[v.format]
    lossy = v.format in ("mp3", "ogg")
    sf.write(path, samples, rate, format=fmt, subtype=subtype,
             compression_level=v.compression if lossy or v.format == "flac" else None)


def generate(out: Path, n_bases: int, n_variants: int, seed: int = 0) -> Path:
    """Write the library and its manifest; returns the manifest path."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for base in demo_bases(n_bases, rng):
        folder = out.joinpath(*base.folder)
        folder.mkdir(parents=True, exist_ok=True)
        for k, v in enumerate([IDENTITY] + [random_variant(rng) for _ in range(n_variants)]):
            path = folder / f"{base.name}__v{k:02d}.{FORMATS[v.format][0]}"
            samples, rate = render(base, v, rng)
            write(path, samples, rate, v)
            rows.append({"file": str(path.relative_to(out)), "base": base.name, **asdict(v), "rate": rate})
    manifest = out / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bases", type=int, default=300)
    parser.add_argument("--variants", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    manifest = generate(args.out, args.bases, args.variants, args.seed)
    print(f"wrote {sum(1 for _ in open(manifest)) - 1} files + {manifest} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
