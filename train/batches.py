"""Training batches for the mini models: random crops, caption sampling and augmentation.

`MelBatcher` samples batches from a `train.data.SplitFeatures`: a random time crop (same
length within a batch, drawn from `crop_seconds`), one random caption per clip, and cheap
augmentation in the dB domain (EQ tilt and bumps, additive noise floors, small mel-bin
shifts, SpecAugment time/frequency masks). The corpus already bakes reverb, EQ, noise,
codecs and gain into the audio; these augmentations add variety on top at no render cost.
Batches are dicts in the shape `train.loop.training_step` expects: `audio0` (dB log-mels
[B, M, T]), `text0` (MiniLM vectors [B, 384]), `caption_ids0`, `class_ids`, `rows`, and a
second view `audio1`/`text1` when asked for (SLAP targets).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from app.embedders.mel import MelConfig
from train.data import CaptionBank, SplitFeatures


# --- augmentation + batches ----------------------------------------------------------------
@dataclass(frozen=True)
class AugmentConfig:
    crop_seconds: tuple[float, ...] = (1.5, 2.0, 2.5, 3.0, 3.5)
    eq_p: float = 0.7
    eq_tilt_db: float = 10.0  # +- dB from lowest to highest mel bin
    eq_bump_db: float = 6.0  # +- dB of a few smooth random bumps
    noise_p: float = 0.4
    noise_snr_db: tuple[float, float] = (12.0, 50.0)  # below the clip's loudest bin
    shift_p: float = 0.3
    shift_bins: int = 1  # +- mel bins (small pitch/formant shift)
    time_masks: int = 2
    time_mask_frac: float = 0.1
    freq_masks: int = 2
    freq_mask_bins: int = 8
    mask_p: float = 0.8


def augment_db(x: torch.Tensor, rng: np.random.Generator, cfg: AugmentConfig) -> torch.Tensor:
    """In-place-free augmentation of a dB mel batch [B, M, T] (float32)."""
    b, m, t = x.shape
    x = x.clone()
    freq = torch.linspace(-0.5, 0.5, m)
    ref = x.amax(dim=(1, 2))  # [B]
    # EQ: tilt + smooth bumps (a few cosines over the mel axis)
    on = torch.from_numpy(rng.random(b) < cfg.eq_p)
    tilt = torch.from_numpy(rng.uniform(-cfg.eq_tilt_db, cfg.eq_tilt_db, b).astype(np.float32))
    k = torch.arange(1, 4, dtype=torch.float32)
    phase = torch.from_numpy(rng.uniform(0, 2 * np.pi, (b, 3)).astype(np.float32))
    amp = torch.from_numpy(rng.uniform(-1, 1, (b, 3)).astype(np.float32)) * cfg.eq_bump_db / 2
    bumps = (amp[:, :, None] * torch.cos(np.pi * k[None, :, None] * (freq[None, None, :] + 0.5) * 2 + phase[:, :, None])).sum(1)
    curve = tilt[:, None] * freq[None, :] + bumps  # [B, M]
    x = x + (curve * on[:, None])[:, :, None]
    # additive noise floor (coloured, slightly fluctuating), mixed in the power domain
    on = rng.random(b) < cfg.noise_p
    if on.any():
        idx = torch.from_numpy(np.flatnonzero(on))
        snr = torch.from_numpy(rng.uniform(*cfg.noise_snr_db, len(idx)).astype(np.float32))
        colour = torch.from_numpy(rng.uniform(-15, 5, len(idx)).astype(np.float32))
        level = (ref[idx] - snr)[:, None, None] + colour[:, None, None] * freq[None, :, None]
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        level = level + 2.0 * torch.randn((len(idx), m, t), generator=gen)
        x[idx] = 10.0 * torch.log10(torch.pow(10.0, x[idx] / 10.0) + torch.pow(10.0, level / 10.0))
    # small mel-bin shift (edge bins repeated)
    for i in np.flatnonzero(rng.random(b) < cfg.shift_p):
        s = int(rng.integers(-cfg.shift_bins, cfg.shift_bins + 1))
        if s > 0:
            x[i, s:] = x[i, :-s].clone()
        elif s < 0:
            x[i, :s] = x[i, -s:].clone()
    # SpecAugment: masked cells set to the clip's floor
    floor = x.amin(dim=(1, 2))
    for i in np.flatnonzero(rng.random(b) < cfg.mask_p):
        for _ in range(cfg.time_masks):
            w = int(rng.integers(0, max(1, int(t * cfg.time_mask_frac)) + 1))
            s = int(rng.integers(0, max(1, t - w)))
            x[i, :, s : s + w] = floor[i]
        for _ in range(cfg.freq_masks):
            w = int(rng.integers(0, cfg.freq_mask_bins + 1))
            s = int(rng.integers(0, max(1, m - w)))
            x[i, s : s + w, :] = floor[i]
    return x


class MelBatcher:
    """Random batches of (augmented mel crops, caption vectors, class ids, caption ids)."""

    def __init__(self, feats: SplitFeatures, bank: CaptionBank, rows: np.ndarray, batch_size: int,
                 mel_cfg: MelConfig, seed: int = 0, augment: AugmentConfig | None = AugmentConfig()) -> None:
        self.feats = feats
        self.bank_vectors = torch.from_numpy(bank.vectors)
        self.rows = np.asarray(rows)
        self.batch_size = min(batch_size, len(self.rows))
        self.mel_cfg = mel_cfg
        self.augment = augment
        self.rng = np.random.default_rng(seed)
        self._perm: np.ndarray = np.zeros(0, dtype=np.int64)
        self.epoch = 0

    def _next_rows(self) -> np.ndarray:
        if len(self._perm) < self.batch_size:
            self._perm = np.concatenate([self._perm, self.rng.permutation(self.rows)])
            self.epoch += 1
        out, self._perm = self._perm[: self.batch_size], self._perm[self.batch_size :]
        return out

    def state_dict(self) -> dict:
        """Sampler position and RNG, so a resumed run draws the same next batches."""
        return {"rng": self.rng.bit_generator.state, "perm": self._perm.copy(), "epoch": self.epoch}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
        self._perm = np.asarray(state["perm"], dtype=np.int64)
        self.epoch = int(state["epoch"])

    def crop_frames(self) -> int:
        seconds = float(self.rng.choice(self.augment.crop_seconds)) if self.augment else None
        total = self.feats.n_frames
        if seconds is None:
            return total
        return min(total, self.mel_cfg.frames(int(seconds * self.mel_cfg.sample_rate)))

    def view(self, rows: np.ndarray, frames: int) -> torch.Tensor:
        """One augmented view (independent crop positions and augmentations) of `rows`."""
        starts = self.rng.integers(0, self.feats.n_frames - frames + 1, len(rows))
        xt = self.feats.mel_crops(rows, starts, frames)
        return augment_db(xt, self.rng, self.augment) if self.augment else xt

    def captions(self, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """One random caption per clip: (MiniLM vectors [B, 384], caption ids [B])."""
        ids = np.array([self.feats.caption_ids[r][int(self.rng.integers(len(self.feats.caption_ids[r])))]
                        for r in rows], dtype=np.int64)
        idt = torch.from_numpy(ids)
        return self.bank_vectors[idt], idt

    def next(self, views: int = 1) -> dict[str, torch.Tensor]:
        rows = self._next_rows()
        frames = self.crop_frames()
        batch = {"rows": torch.from_numpy(rows), "class_ids": torch.from_numpy(self.feats.class_ids[rows])}
        for v in range(views):
            batch[f"audio{v}"] = self.view(rows, frames)
            batch[f"text{v}"], batch[f"caption_ids{v}"] = self.captions(rows)
        return batch
