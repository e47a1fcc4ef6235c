"""The one audio path: decode -> mono -> resample -> fixed windows.

Shared by the app, the ingest worker, training and evaluation, so a file gives the
same samples wherever it is read. Bad input raises `AudioError` with a message that
names the file and says why; nothing here prints tracebacks into the UI.

Memory is bounded whatever the file claims: a few KB of FLAC can promise hours of
many-channel, high-rate audio. Decoding therefore runs block by block (at most
`BLOCK_FRAMES` frames of all channels at once), each block is folded to mono and
resampled through a streaming resampler, and reading stops at `max_seconds`. The
only large array is the mono output, at most max_seconds x output rate float32
(600 s x 48 kHz = 115 MB). The streaming decoder is app/decode.py; it is imported
when first used (it imports the types defined here).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence, Union

import numpy as np

PathLike = Union[str, Path]

# Extensions soundfile (libsndfile) reads; everything else goes through PyAV (ffmpeg).
SOUNDFILE_EXTS = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff"})
AUDIO_EXTS = SOUNDFILE_EXTS | frozenset({".m4a", ".aac", ".mp4", ".webm", ".wma"})

# Limits applied to every decode (defaults of AudioConfig; defined here only).
MAX_SECONDS = 600.0  # longer files are cropped, with a warning
MIN_SECONDS = 0.01  # 10 ms: shorter clips hold less than one STFT frame of any model -> refused
MIN_SAMPLE_RATE = 1_000  # below this a "rate" is almost surely a broken header
MAX_SAMPLE_RATE = 384_000  # DXD (352.8 kHz) is the highest rate real recordings use
MAX_CHANNELS = 32  # 7.1.4 and 4th-order ambisonics (25) fit; more is a broken or hostile header
MAX_OUTPUT_RATE = 48_000  # target_rate=None keeps the file's rate up to this (no model needs more)
BLOCK_FRAMES = 65_536  # frames decoded at once: <= 8 MB at MAX_CHANNELS float32


@dataclass(frozen=True)
class AudioConfig:
    """Limits applied to every decoded file (see the module constants for the why)."""

    max_seconds: float = MAX_SECONDS
    min_seconds: float = MIN_SECONDS
    min_sample_rate: int = MIN_SAMPLE_RATE
    max_sample_rate: int = MAX_SAMPLE_RATE
    max_channels: int = MAX_CHANNELS
    max_output_rate: int = MAX_OUTPUT_RATE


DEFAULT_AUDIO_CONFIG = AudioConfig()


class AudioError(ValueError):
    """An input that cannot be turned into a usable waveform; the message says why."""


@dataclass
class Audio:
    """A decoded mono waveform and what happened on the way."""

    samples: np.ndarray  # float32 [T], mono, at `sample_rate`
    sample_rate: int
    source_rate: int
    source_channels: int
    path: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)

    @property
    def is_silent(self) -> bool:
        return bool(np.max(np.abs(self.samples), initial=0.0) < 1e-6)


def load_audio(
    source: PathLike | bytes,
    target_rate: int | None = None,
    config: AudioConfig = DEFAULT_AUDIO_CONFIG,
) -> Audio:
    """Decode a file (or raw bytes) to a mono float32 waveform at `target_rate`.

    `target_rate=None` keeps the file's rate, resampled down to `config.max_output_rate`
    when higher. Many-channel input is down-mixed by averaging; a file longer than
    `config.max_seconds` is cropped and flagged in `Audio.warnings`; silence is allowed
    but flagged. Raises `AudioError` (naming the file) for missing, empty, undecodable,
    non-finite, too short or implausible input.
    """
    from app.decode import decode_rates

    return decode_rates(source, [target_rate], config)[0]


def load_audio_rates(
    source: PathLike | bytes,
    rates: Sequence[int],
    config: AudioConfig = DEFAULT_AUDIO_CONFIG,
) -> dict[int, Audio]:
    """Decode once and return the clip at each of `rates`: `{rate: Audio}`.

    Each result is exactly `load_audio(source, rate)` (the same blocks go through one
    resampler per rate), so a multi-model ingest stores what a query with each model sees.
    """
    from app.decode import decode_rates

    return {rate: audio for rate, audio in zip(rates, decode_rates(source, list(rates), config))}


def prepare_waveform(
    data: np.ndarray,
    rate: int,
    target_rate: int | None = None,
    config: AudioConfig = DEFAULT_AUDIO_CONFIG,
    path: str | None = None,
) -> Audio:
    """Validate an in-memory signal ([T] or [T, C]) and bring it to mono at `target_rate`."""
    from app.decode import MonoSink

    label = path or "audio"
    data = np.asarray(data)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.shape[0] == 0:
        raise AudioError(f"{label}: contains no audio samples")
    if data.shape[1] > config.max_channels and data.shape[0] <= config.max_channels:
        data = data.T  # channels-first array: turn into [T, C]
    sink = MonoSink(label, int(rate), data.shape[1], [target_rate], config)
    scale = float(np.iinfo(data.dtype).max) if data.dtype.kind in "iu" else None  # integer PCM -> [-1, 1]
    for start in range(0, data.shape[0], BLOCK_FRAMES):
        block = data[start:start + BLOCK_FRAMES].astype(np.float32)
        if not sink.add(block / scale if scale else block):
            break
    return sink.finish(path)[0]


def resample(wave: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """High-quality resampling (soxr); a no-op when the rates match. [T] -> [T']."""
    if rate_in == rate_out:
        return wave.astype(np.float32, copy=False)
    import soxr  # light import, kept local so `import app.audio` stays instant

    return soxr.resample(wave, rate_in, rate_out, quality="HQ").astype(np.float32)


def fixed_windows(wave: np.ndarray, window: int, min_tail: float = 0.25) -> list[np.ndarray]:
    """Split [T] into consecutive windows of `window` samples, deterministically.

    A clip shorter than one window is returned whole (the model pads it); a tail
    shorter than `min_tail` of a window is dropped when other windows exist, so a
    few stray samples at the end do not get the weight of a full window.
    """
    if len(wave) <= window:
        return [wave]
    starts = range(0, len(wave), window)
    chunks = [wave[s : s + window] for s in starts]
    if len(chunks[-1]) < min_tail * window:
        chunks = chunks[:-1]
    return chunks


def is_audio_file(path: PathLike) -> bool:
    """Whether the extension is one the decoder handles."""
    return Path(path).suffix.lower() in AUDIO_EXTS
