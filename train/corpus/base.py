"""Shared types: the render context handed to every generator and the clip it returns."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import CorpusConfig
from .soundfonts import SoundFont, SynthBank, get_bank, split_soundfonts

LabelValue = str | int | float


@dataclass
class Clip:
    """Raw rendered audio plus everything captions and metadata are built from."""

    audio: np.ndarray
    category: str
    label: str
    group: str
    class_key: str
    source: str
    labels: dict[str, LabelValue] = field(default_factory=dict)
    captioner: str = ""  # caption builder name; "" = the category's (real recordings have their own)


@dataclass
class Context:
    """Per-clip render context: RNG, split policy and the fonts this split may use."""

    rng: np.random.Generator
    split: str
    cfg: CorpusConfig

    @property
    def sr(self) -> int:
        return self.cfg.clip.sample_rate

    @property
    def n_samples(self) -> int:
        return self.cfg.clip.n_samples

    @property
    def seconds(self) -> float:
        return self.cfg.clip.seconds

    @property
    def bank(self) -> SynthBank:
        return get_bank(self.sr)

    def fonts(self) -> tuple[SoundFont, ...]:
        policy = self.cfg.split
        return split_soundfonts(self.split, policy.held_out_soundfont, policy.soundfonts)

    def pick_font(self) -> SoundFont:
        """A font of this split, drawn by weight."""
        fonts = self.fonts()
        w = np.array([f.weight for f in fonts], dtype=float)
        return fonts[int(self.rng.choice(len(fonts), p=w / w.sum()))]

    def choice(self, seq):
        """Uniform pick from a sequence (keeps element type, unlike rng.choice)."""
        return seq[int(self.rng.integers(len(seq)))]

    def uniform(self, lo_hi: tuple[float, float]) -> float:
        return float(self.rng.uniform(*lo_hi))

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)
