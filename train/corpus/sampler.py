"""Playing recorded samples: decode + cache files at the corpus rate, pitch-shift by
resampling (the way hardware samplers do), sustain through loops, and place notes/hits.

Caches are per process (workers fork before first use) and bounded by the sample set.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from .dsp import place
from .gus import PatchSample, midi_hz, read_patch, sample_for
from .performance import Note

RELEASE_S = 0.08
MAX_SHIFT_SEMITONES = 14.0


@lru_cache(maxsize=2048)
def load_file(path: str, sr: int) -> np.ndarray:
    """Mono float32 at `sr`, peak-normalised (levels are set by velocity and mixing)."""
    import soundfile as sf
    import soxr

    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    if rate != sr:
        mono = soxr.resample(mono, rate, sr).astype(np.float32)
    peak = float(np.abs(mono).max()) if mono.size else 0.0
    return mono / peak if peak > 0 else mono


@lru_cache(maxsize=256)
def load_patch(path: str) -> tuple[PatchSample, ...]:
    return tuple(read_patch(path))


@lru_cache(maxsize=512)
def load_hit(path: str, sr: int) -> np.ndarray:
    """A one-shot (drum hit, effect) from an audio file or, for `.pat`, a patch's first
    sample at its recorded pitch; mono float32 at `sr`, peak 1."""
    if not path.endswith(".pat"):
        return load_file(path, sr)
    s = load_patch(path)[0]
    y = resample_by(s.audio, s.rate / sr)
    peak = float(np.abs(y).max()) if y.size else 0.0
    return y / peak if peak > 0 else y


def _sustain(src: np.ndarray, loop: tuple[int, int] | None, needed: int) -> np.ndarray:
    """Extend a sample to `needed` source frames by repeating its loop (if it has one)."""
    if src.size >= needed or loop is None:
        return src
    a, b = loop
    b = min(b, src.size)
    if b - a < 16:
        return src
    reps = int(np.ceil((needed - a) / (b - a)))
    return np.concatenate([src[:a], np.tile(src[a:b], reps)])


def resample_by(x: np.ndarray, ratio: float, n_out: int | None = None) -> np.ndarray:
    """Read `x` at `ratio` source frames per output frame (ratio > 1 = higher and shorter)."""
    n = int(x.size / ratio) if n_out is None else n_out
    pos = np.arange(n) * ratio
    pos = pos[pos < x.size - 1]
    return np.interp(pos, np.arange(x.size), x).astype(np.float32)


def _envelope(y: np.ndarray, hold: int, sr: int) -> np.ndarray:
    """Hold, then a short release fade (note off); leaves one-shots that end earlier alone."""
    rel = int(RELEASE_S * sr)
    if y.size > hold:
        y = y[: hold + rel].copy()
        tail = y[hold:]
        tail *= np.linspace(1.0, 0.0, tail.size, dtype=np.float32)
    return y


def patch_note(samples: tuple[PatchSample, ...], key: float, dur_s: float, sr: int) -> np.ndarray:
    """One note of a GUS patch at MIDI `key` held for `dur_s` seconds."""
    hz = midi_hz(key)
    s = sample_for(list(samples), hz)
    ratio = (hz / max(s.root_hz, 1e-3)) * (s.rate / sr)
    hold = int(dur_s * sr)
    src = _sustain(s.audio, s.loop, int((hold + RELEASE_S * sr) * ratio) + 2)
    return _envelope(resample_by(src, ratio), hold, sr)


def shifted_note(audio: np.ndarray, semitones: float, dur_s: float, sr: int, sustain: bool = False) -> np.ndarray:
    """A one-shot recording moved by `semitones` (resampling), cut to `dur_s` + release."""
    ratio = 2.0 ** (float(np.clip(semitones, -MAX_SHIFT_SEMITONES, MAX_SHIFT_SEMITONES)) / 12.0)
    y = resample_by(audio, ratio)
    if sustain and y.size < dur_s * sr:
        reps = int(np.ceil(dur_s * sr / max(y.size, 1)))
        y = np.tile(y, reps)
    return _envelope(y, int(dur_s * sr), sr)


def velocity_gain(vel: int) -> float:
    return float((max(vel, 1) / 127.0) ** 1.6)


def render_notes(notes: list[Note], voice, n_samples: int, sr: int) -> np.ndarray:
    """Mix `voice(note) -> audio` for every note at its start time (mono float32)."""
    out = np.zeros(n_samples, np.float32)
    for n in notes:
        place(out, voice(n) * velocity_gain(n.vel), int(n.start * sr))
    return out


def fit_length(x: np.ndarray, n: int, rng: np.random.Generator, loop: bool = False) -> np.ndarray:
    """Exactly `n` samples: a random window of a longer file, looped or zero-padded if shorter."""
    if x.size >= n:
        start = int(rng.integers(0, x.size - n + 1))
        return x[start:start + n].copy()
    if loop and x.size > 0:
        return np.tile(x, int(np.ceil(n / x.size)))[:n].copy()
    out = np.zeros(n, np.float32)
    place(out, x, int(rng.integers(0, max(1, (n - x.size) // 3))))
    return out


def root_path(root: str, rel: str) -> str:
    return str(Path(root) / rel)
