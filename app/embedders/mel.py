"""Log-mel frontend for the shipped mini models, in pure torch.

The mel filterbank (Slaney scale and area normalisation, as librosa's default) is
built once with numpy; the STFT and the projection run in torch, so training,
feature caching and inference share one exact path and no librosa/torchaudio is
needed at run time.

Output is in decibels (10*log10 of power, floored at 1e-10), shape [B, n_mels, frames]
with frames = 1 + len(wave) // hop (centered STFT, reflect padding). The model
normalises the dB values itself (see `mini_model.normalize_db`), so cached
features and live audio go through the same normalisation.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import torch

from app.constants import MINI_SAMPLE_RATE

AMIN = 1e-10


@dataclass(frozen=True)
class MelConfig:
    sample_rate: int = MINI_SAMPLE_RATE
    n_fft: int = 1024
    hop: int = 160
    n_mels: int = 64
    fmin: float = 20.0
    fmax: float = 8000.0

    def to_dict(self) -> dict:
        return asdict(self)

    def frames(self, n_samples: int) -> int:
        """Number of STFT frames for a waveform of `n_samples` (centered)."""
        return 1 + n_samples // self.hop


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-12) / min_log_hz) / logstep, mels)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filterbank(cfg: MelConfig) -> np.ndarray:
    """Slaney-normalised triangular filters, float32 [n_mels, n_fft // 2 + 1]."""
    n_freq = cfg.n_fft // 2 + 1
    fft_freqs = np.linspace(0.0, cfg.sample_rate / 2.0, n_freq)
    mel_pts = np.linspace(_hz_to_mel(cfg.fmin), _hz_to_mel(min(cfg.fmax, cfg.sample_rate / 2.0)), cfg.n_mels + 2)
    hz_pts = _mel_to_hz(mel_pts)
    fdiff = np.diff(hz_pts)
    ramps = hz_pts[:, None] - fft_freqs[None, :]
    weights = np.zeros((cfg.n_mels, n_freq), dtype=np.float64)
    for i in range(cfg.n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0.0, np.minimum(lower, upper))
    enorm = 2.0 / (hz_pts[2 : cfg.n_mels + 2] - hz_pts[: cfg.n_mels])
    weights *= enorm[:, None]
    return weights.astype(np.float32)


@lru_cache(maxsize=8)
def _cached_basis(cfg: MelConfig) -> tuple[torch.Tensor, torch.Tensor]:
    window = torch.hann_window(cfg.n_fft, periodic=True, dtype=torch.float32)
    basis = torch.from_numpy(mel_filterbank(cfg))
    return window, basis


class LogMel(torch.nn.Module):
    """[B, T] float waveform at cfg.sample_rate -> [B, n_mels, frames] dB (float32)."""

    def __init__(self, cfg: MelConfig = MelConfig()) -> None:
        super().__init__()
        self.cfg = cfg
        window, basis = _cached_basis(cfg)
        # buffers, not parameters: never trained, never saved in checkpoints
        self.register_buffer("window", window.clone(), persistent=False)
        self.register_buffer("basis", basis.clone(), persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        if wave.dim() == 1:
            wave = wave[None]
        wave = wave.float()
        pad = self.cfg.n_fft // 2
        if wave.shape[-1] <= pad:  # reflect padding needs more samples than the pad
            wave = torch.nn.functional.pad(wave, (0, pad + 1 - wave.shape[-1]))
        spec = torch.stft(
            wave, self.cfg.n_fft, hop_length=self.cfg.hop, window=self.window,
            center=True, pad_mode="reflect", return_complex=True,
        )
        power = spec.real.square() + spec.imag.square()  # [B, F, frames]
        mel = torch.matmul(self.basis, power)
        return 10.0 * torch.log10(torch.clamp(mel, min=AMIN))


def log_mel(wave: np.ndarray | torch.Tensor, cfg: MelConfig = MelConfig()) -> torch.Tensor:
    """Functional form: [T] or [B, T] -> [B, n_mels, frames] dB."""
    x = torch.as_tensor(np.asarray(wave, dtype=np.float32)) if not isinstance(wave, torch.Tensor) else wave
    return LogMel(cfg)(x)
