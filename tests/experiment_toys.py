"""Toy embedders whose behaviour is known exactly, for testing the experiments.

`BandToy` sees only the power spectrum below `cutoff_hz` (32 linear bands, level-normalised,
so gain does not matter); with `level_weight > 0` it also encodes the clip's RMS level, so
gain does. Its text tower maps the register words "low" / "mid" / "high" onto the bands a
tone of that register excites, and every other word onto a small hashed vector: a caption's
register is "heard", its mood is not.
"""
from __future__ import annotations

import hashlib

import numpy as np

from app.embedders.base import Embedder, EmbedderInfo

BANDS = 32
REGISTER_HZ = {"low": (0, 330), "mid": (330, 1100), "high": (1100, 3500)}


def _word_vector(word: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
    v = np.random.default_rng(seed).standard_normal(dim)
    return v / np.linalg.norm(v)


class BandToy(Embedder):
    family = "toy"

    def __init__(self, name: str = "toy-band", cutoff_hz: float = 3500.0, level_weight: float = 0.0,
                 sample_rate: int = 16_000) -> None:
        super().__init__()
        self.name, self.cutoff_hz, self.level_weight = name, cutoff_hz, level_weight
        self.sample_rate = sample_rate
        self.dim = BANDS + 1
        self.edges = np.linspace(0, cutoff_hz, BANDS + 1)

    def info(self) -> EmbedderInfo:
        return EmbedderInfo(self.name, self.family, self.dim, self.sample_rate, 0)

    def _one(self, wave: np.ndarray) -> np.ndarray:
        power = np.abs(np.fft.rfft(wave.astype(np.float64))) ** 2
        freqs = np.fft.rfftfreq(len(wave), 1 / self.sample_rate)
        bands = np.array([power[(freqs >= lo) & (freqs < hi)].sum() for lo, hi in zip(self.edges[:-1], self.edges[1:])])
        total = bands.sum()
        rms = float(np.sqrt(np.mean(wave.astype(np.float64) ** 2)))
        # a -100 dB gate, like any real front end's floor: below it the clip is silence
        shape = np.sqrt(bands / total) if rms > 1e-5 and total > 0 else np.full(BANDS, 1 / np.sqrt(BANDS))
        level = (20 * np.log10(max(rms, 1e-6)) + 60) / 60  # -60 dB -> 0, 0 dB -> 1
        return np.concatenate([shape, [self.level_weight * level]])

    def _embed_waveforms(self, waves: list[np.ndarray]) -> np.ndarray:
        return np.stack([self._one(w) for w in waves])

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        out = []
        centres = (self.edges[:-1] + self.edges[1:]) / 2
        for text in texts:
            words = text.lower().replace(",", " ").split()
            v = 0.1 * sum((_word_vector(w, self.dim) for w in words), np.zeros(self.dim))
            for word, (lo, hi) in REGISTER_HZ.items():
                if word in words:
                    v[:BANDS] += ((centres >= lo) & (centres < hi)).astype(float)
            out.append(v)
        return np.stack(out)
