"""Configuration of the corpus: clip format, category mix, effect ranges and the held-out
split. Every tunable number lives here in a frozen dataclass so the generators stay free of
scattered constants."""
from __future__ import annotations

from dataclasses import dataclass, field

SAMPLE_RATE = 16_000
CLIP_SECONDS = 4.0
SPLITS = ("train", "test")
CATEGORIES = ("instrument", "drums", "percussion", "speech", "synthetic", "mixture", "silence")
MIN_CAPTIONS = 5
# categories of clips made from real recordings (TRAIN only; "loop" and "sound" are new)
REAL_CATEGORIES = ("instrument", "drums", "percussion", "loop", "sound", "speech", "mixture")


@dataclass(frozen=True)
class ClipSpec:
    """Length and rate of a rendered clip."""

    sample_rate: int = SAMPLE_RATE
    seconds: float = CLIP_SECONDS

    @property
    def n_samples(self) -> int:
        return int(round(self.sample_rate * self.seconds))


@dataclass(frozen=True)
class CategoryMix:
    """Share of each category in a split. Instruments dominate because the models are judged
    mostly on music; speech and synthetic classes still get thousands of clips."""

    instrument: float = 0.42
    drums: float = 0.06
    percussion: float = 0.08
    speech: float = 0.15
    synthetic: float = 0.13
    mixture: float = 0.14
    silence: float = 0.02

    def weights(self) -> tuple[tuple[str, ...], tuple[float, ...]]:
        """Category names and normalised weights in `CATEGORIES` order."""
        raw = tuple(getattr(self, c) for c in CATEGORIES)
        total = sum(raw)
        return CATEGORIES, tuple(w / total for w in raw)


@dataclass(frozen=True)
class EffectSpec:
    """Room / microphone / channel colouring applied after rendering, so models trained on
    clean synthesis still meet reverb, cheap microphones, noise and clipping."""

    reverb_p: float = 0.55
    reverb_seconds: tuple[float, float] = (0.1, 1.2)
    reverb_wet: tuple[float, float] = (0.08, 0.6)
    eq_p: float = 0.6
    eq_bands: tuple[int, int] = (2, 5)
    eq_gain_db: float = 9.0
    phone_p: float = 0.07
    phone_band_hz: tuple[float, float] = (300.0, 3400.0)
    cheap_mic_p: float = 0.15
    cheap_mic_low_hz: tuple[float, float] = (80.0, 400.0)
    cheap_mic_high_hz: tuple[float, float] = (2500.0, 7000.0)
    saturation_p: float = 0.15
    saturation_drive: tuple[float, float] = (1.5, 6.0)
    clip_p: float = 0.04
    clip_level: tuple[float, float] = (0.3, 0.7)
    codec_p: float = 0.05
    noise_p: float = 0.5
    snr_db: tuple[float, float] = (10.0, 50.0)
    peak: float = 0.9
    gain_db: tuple[float, float] = (-20.0, 0.0)
    silence_floor: float = 1e-4


@dataclass(frozen=True)
class SplitPolicy:
    """What keeps the TEST split out of distribution: its own soundfont, espeak voices,
    sentences and seed stream (split index enters every clip seed)."""

    held_out_soundfont: str = "Merlin"
    # espeak voice variants (files in espeak-ng-data/voices/!v) reserved for test.
    held_out_voices: tuple[str, ...] = ("f5", "m5", "m8", "Andrea", "steph3", "whisperf", "victor")
    test_sentence_slots: tuple[int, ...] = (4, 5)
    # Restrict to these font names (empty = every GM font found); tests use the small pip ones.
    soundfonts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RealSpec:
    """Real recordings from the allowed Debian packages (`python -m train.corpus.fetch`).
    `root` = that fetch folder ("" = synthetic only). Only TRAIN draws real clips, so the
    synthetic TEST split stays comparable across corpus versions; the dev hold-out lives in
    `real_catalog.py` / `festival.py` and is enforced there."""

    root: str = ""
    share: float = 0.42  # fraction of TRAIN clips made from real recordings
    instrument: float = 0.28
    drums: float = 0.12
    percussion: float = 0.12
    loop: float = 0.07
    sound: float = 0.13
    speech: float = 0.16
    mixture: float = 0.12

    def weights(self) -> tuple[tuple[str, ...], tuple[float, ...]]:
        raw = tuple(getattr(self, c) for c in REAL_CATEGORIES)
        return REAL_CATEGORIES, tuple(w / sum(raw) for w in raw)


@dataclass(frozen=True)
class CorpusConfig:
    """Everything a split render needs."""

    clip: ClipSpec = field(default_factory=ClipSpec)
    mix: CategoryMix = field(default_factory=CategoryMix)
    effects: EffectSpec = field(default_factory=EffectSpec)
    split: SplitPolicy = field(default_factory=SplitPolicy)
    real: RealSpec = field(default_factory=RealSpec)
    shard_size: int = 250
