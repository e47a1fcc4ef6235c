"""The embedder contract shared by every model family (CLAP-style, PE-Audio, audio-only...).

An embedder maps audio (and, when it has a text tower, text) into one space. Both
methods return L2-normalised float32 arrays of shape [N, D], so cosine similarity is
a dot product. Audio-only encoders (MERT, wav2vec2, AST...) set `has_text = False`;
every text feature calls `require_text` first and gets one clear error for them.
"""
from __future__ import annotations

import abc
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence, Union

import numpy as np

from app.audio import fixed_windows, load_audio

AudioInput = Union[np.ndarray, str, Path]


def l2_normalize(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Row-wise L2 normalisation, returned as contiguous float32 [N, D]."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(norms, eps), dtype=np.float32)


class ModelUnavailableError(RuntimeError):
    """A model that exists in principle but cannot be loaded here (offline, missing files)."""


class TextUnsupportedError(ValueError):
    """A text feature was asked of an audio-only model (a user error, not a crash)."""


def supports_text(embedder) -> bool:
    """Whether `embedder` has a text tower (audio-only encoders do not)."""
    return bool(getattr(embedder, "has_text", True))


def require_text(embedder) -> None:
    """The one check every text feature makes: raise a readable error for audio-only models."""
    if not supports_text(embedder):
        raise TextUnsupportedError(
            f"model '{embedder.name}' has no text tower (audio only): text search, captions and ranking by "
            "text need a joint audio-text model; use audio→audio search (similar sounds, maps, duplicates)")


def pool_windows(waves: Sequence[np.ndarray], window: int,
                 embed_batch: Callable[[list[np.ndarray]], np.ndarray], batch_size: int = 16,
                 prepare: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Deterministic long-clip embedding shared by the model families.

    Each clip [T] is cut into consecutive windows of `window` samples (`fixed_windows`),
    `prepare` may pad a window (e.g. repeat-pad to the model's clip length), windows of
    equal length are embedded together (so no batch padding changes a result), each
    window vector is L2-normalised and a clip's vector is the mean of its windows
    (the caller renormalises). Returns [len(waves), D] float32.
    """
    windows, owner = [], []
    for i, wave in enumerate(waves):
        for chunk in fixed_windows(wave, window):
            windows.append(np.ascontiguousarray(prepare(chunk) if prepare else chunk, dtype=np.float32))
            owner.append(i)
    by_len: dict[int, list[int]] = {}
    for j, w in enumerate(windows):
        by_len.setdefault(len(w), []).append(j)
    per_window: np.ndarray | None = None
    for idx in by_len.values():
        for s in range(0, len(idx), batch_size):
            part = idx[s:s + batch_size]
            vectors = np.asarray(embed_batch([windows[j] for j in part]), dtype=np.float32)  # [b, D]
            if per_window is None:
                per_window = np.zeros((len(windows), vectors.shape[1]), dtype=np.float32)
            per_window[part] = vectors
    assert per_window is not None  # `waves` is never empty here (embed_audio checks)
    per_window = l2_normalize(per_window)
    owner_arr = np.asarray(owner)
    return np.stack([per_window[owner_arr == i].mean(axis=0) for i in range(len(waves))])


def repeat_pad(wave: np.ndarray, length: int) -> np.ndarray:
    """Tile a short clip [T] up to `length` samples (what CLAP-style models saw in training)."""
    if len(wave) >= length:
        return wave
    reps = int(np.ceil(length / max(len(wave), 1)))
    return np.tile(wave, reps)[:length]


@dataclass
class EmbedderInfo:
    """What the Status tab and `/models` report about a loaded embedder."""

    name: str
    family: str
    dim: int
    sample_rate: int
    parameters: int
    device: str = "cpu"
    precision: str = "fp32"
    source: str = ""
    last_timings_ms: dict[str, float] = field(default_factory=dict)
    licence: str = ""
    has_text: bool = True


class Embedder(abc.ABC):
    """Audio + text embedder with its own preprocessing.

    Subclasses implement `_embed_waveforms` (mono float32 waveforms already at
    `sample_rate`) and `_embed_texts`; this base class handles decoding paths,
    batching, validation, timing and normalisation, so every model behaves alike.
    """

    name: str
    family: str
    sample_rate: int
    dim: int
    batch_size: int = 16
    has_text: bool = True  # False for audio-only encoders: `embed_text` then raises TextUnsupportedError
    licence: str = ""  # of the weights, as the registry states it

    def __init__(self) -> None:
        self.last_timings_ms: dict[str, float] = {}

    # --- public API -------------------------------------------------------
    def embed_audio(self, audios: Sequence[AudioInput]) -> np.ndarray:
        """Embed waveforms (mono float32 at `self.sample_rate`) or audio file paths.

        Returns L2-normalised float32 [N, D].
        """
        waves = [self._as_waveform(a) for a in audios]
        if not waves:
            return np.zeros((0, self.dim), dtype=np.float32)
        start = time.perf_counter()
        out = [self._embed_waveforms(waves[i : i + self.batch_size])
               for i in range(0, len(waves), self.batch_size)]
        self.last_timings_ms["audio"] = (time.perf_counter() - start) * 1e3
        return l2_normalize(np.concatenate(out, axis=0))

    def embed_text(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a list of strings. Returns L2-normalised float32 [N, D].

        Raises TextUnsupportedError for an audio-only model.
        """
        require_text(self)
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        start = time.perf_counter()
        out = [self._embed_texts(texts[i : i + self.batch_size * 4])
               for i in range(0, len(texts), self.batch_size * 4)]
        self.last_timings_ms["text"] = (time.perf_counter() - start) * 1e3
        return l2_normalize(np.concatenate(out, axis=0))

    @abc.abstractmethod
    def info(self) -> EmbedderInfo:
        """Describe the loaded model (name, dim, parameters, device, precision)."""

    # --- subclass hooks ---------------------------------------------------
    @abc.abstractmethod
    def _embed_waveforms(self, waves: list[np.ndarray]) -> np.ndarray:
        """[B] mono float32 waveforms at `sample_rate` -> unnormalised [B, D]."""

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        """[B] strings -> unnormalised [B, D] (only models with a text tower override this)."""
        raise TextUnsupportedError(f"model '{self.name}' has no text tower")

    def _info(self, parameters: int, precision: str = "fp32") -> EmbedderInfo:
        """The common `info()` body: what every family reports."""
        return EmbedderInfo(self.name, self.family, self.dim, self.sample_rate, parameters, "cpu", precision,
                            getattr(self, "source", ""), dict(self.last_timings_ms), self.licence, self.has_text)

    # --- helpers ----------------------------------------------------------
    def _as_waveform(self, audio: AudioInput) -> np.ndarray:
        if isinstance(audio, (str, Path)):
            return load_audio(audio, self.sample_rate).samples
        wave = np.asarray(audio, dtype=np.float32)
        if wave.ndim != 1 or wave.size == 0:
            raise ValueError(f"expected a non-empty mono waveform, got shape {wave.shape}")
        if not np.all(np.isfinite(wave)):
            raise ValueError("waveform contains NaN or Inf samples")
        return wave
