"""One clip end to end: seed -> category -> render -> colour -> normalise -> captions -> meta.

Every clip's RNG comes from (seed, split, index) only, so any sharding or worker count gives
bit-identical output and the test split's seed stream never overlaps the train one.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import speech
from .base import Clip, Context
from .captions_misc import make_captions
from .config import SPLITS, CorpusConfig
from .drums import drums_clip, percussion_clip
from .effects import colour, finalize
from .instruments import instrument_clip
from .mixture import band_clip, duet_clip, mixture_clip
from .real import REAL_MAKERS
from .synthetic import silence_clip, synthetic_clip

MAKERS: dict[str, Callable[[Context], Clip]] = {
    "instrument": instrument_clip, "drums": drums_clip, "percussion": percussion_clip,
    "speech": speech.speech_clip, "synthetic": synthetic_clip, "mixture": mixture_clip,
    "silence": silence_clip,
}
_SPEECH_OK: list[bool] = []
MAX_ATTEMPTS = 4
SILENT_PEAK = 1e-3  # raw synth peak below this = the font rendered nothing audible


def speech_ok() -> bool:
    if not _SPEECH_OK:
        _SPEECH_OK.append(speech.available())
    return _SPEECH_OK[0]


def clip_rng(seed: int, split: str, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, SPLITS.index(split), index]))


def _category(rng: np.random.Generator, cfg: CorpusConfig) -> str:
    names, weights = cfg.mix.weights()
    return names[int(rng.choice(len(names), p=weights))]


def _real_category(rng: np.random.Generator, split: str, cfg: CorpusConfig) -> str | None:
    """A real-recording category for a TRAIN clip drawn into the real share, else None.
    TEST draws nothing here, so its random stream (and content) matches synthetic-only runs."""
    if split != "train" or not cfg.real.root or rng.random() >= cfg.real.share:
        return None
    names, weights = cfg.real.weights()
    return names[int(rng.choice(len(names), p=weights))]


def _make_once(ctx: Context, category: str) -> Clip:
    """Render a clip; without espeak, speech falls back to synthetic and mixtures to music."""
    if not speech_ok():
        if category == "speech":
            category = "synthetic"
        if category == "mixture":
            return (band_clip if ctx.chance(0.5) else duet_clip)(ctx)
    return MAKERS[category](ctx)


def _make(ctx: Context, category: str) -> Clip:
    """Render, redrawing (deterministically, from the same RNG) when a font produced nothing -
    some fonts have no samples for extreme keys of an instrument."""
    for _ in range(MAX_ATTEMPTS):
        clip = _make_once(ctx, category)
        if category == "silence" or float(np.abs(clip.audio).max()) > SILENT_PEAK:
            return clip
    return synthetic_clip(ctx)


def render_clip(seed: int, split: str, index: int, cfg: CorpusConfig) -> tuple[np.ndarray, dict]:
    """(audio float32 [n_samples], meta dict) for one clip of a split."""
    rng = clip_rng(seed, split, index)
    ctx = Context(rng, split, cfg)
    real = _real_category(rng, split, cfg)
    clip = REAL_MAKERS[real](ctx) if real else _make(ctx, _category(rng, cfg))
    return finish_clip(ctx, clip, f"{split}-{index:06d}")


def finish_clip(ctx: Context, clip: Clip, clip_id: str) -> tuple[np.ndarray, dict]:
    """Colour, normalise and caption a rendered clip; returns (audio, meta)."""
    rng, cfg = ctx.rng, ctx.cfg
    audio = np.nan_to_num(clip.audio.astype(np.float32))
    silent = clip.category == "silence"
    effect_labels: dict = {}
    if not silent:
        audio, effect_labels = colour(rng, audio, ctx.sr, cfg.effects)
    audio, gain_db = finalize(rng, audio, cfg.effects, silent)
    clip.labels.update(effect_labels)
    clip.labels["gain_db"] = round(gain_db, 1)
    meta = {"id": clip_id, "category": clip.category, "labels": clip.labels,
            "label": clip.label, "group": clip.group, "class_key": clip.class_key,
            "captions": make_captions(clip, rng), "source": clip.source}
    return audio, meta
