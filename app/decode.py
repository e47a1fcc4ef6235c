"""Streaming decode behind `app.audio.load_audio`: file -> [n, C] blocks -> mono -> resampled.

Blocks of at most `BLOCK_FRAMES` frames come from soundfile (libsndfile) or PyAV
(ffmpeg); `MonoSink` folds each to mono, pushes it through one streaming resampler
per output rate and stops at `config.max_seconds`, so a file's header cannot make
this hold more than max_seconds x output rate float32 samples per rate.
Callers use `app.audio` (load_audio, load_audio_rates); this module is its engine.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from app.audio import BLOCK_FRAMES, SOUNDFILE_EXTS, Audio, AudioConfig, AudioError, PathLike


def decode_rates(source: PathLike | bytes, rates: list[int | None], config: AudioConfig) -> list[Audio]:
    """Decode `source` once; the mono clip at each of `rates` (None: the file's rate, capped).

    soundfile first for its formats, PyAV (ffmpeg) for the rest or when soundfile fails.
    """
    label = "<bytes>" if isinstance(source, bytes) else str(source)
    raw, ext = _open_source(source, label)
    sf_error: Exception | None = None
    if ext in SOUNDFILE_EXTS or ext == "":
        try:
            return _decode_soundfile(raw, label, rates, config)
        except AudioError:
            raise
        except Exception as exc:  # libsndfile's errors are RuntimeError/LibsndfileError
            sf_error = exc
    if isinstance(raw, io.BytesIO):
        raw.seek(0)
    try:
        return _decode_av(raw, label, rates, config)
    except AudioError:
        raise
    except Exception as exc:
        kind = ext.lstrip(".") or "unknown"
        raise AudioError(f"{label}: not a readable audio file (format {kind}: "
                         f"{_reason(exc, sf_error)})") from exc


# --- streaming mono/resample --------------------------------------------------
class MonoSink:
    """Takes [n, C] float32 blocks as they are decoded; keeps only the mono result at each output rate.

    Rate and channel count are checked before the first block, and `add` refuses
    input past `config.max_seconds`, so no file can make this hold more than
    max_seconds x output rate samples per output rate.
    """

    def __init__(self, label: str, rate: int, channels: int, target_rates: Sequence[int | None],
                 config: AudioConfig) -> None:
        if not config.min_sample_rate <= rate <= config.max_sample_rate:
            raise AudioError(f"{label}: sample rate {rate} Hz is implausible (supported: "
                             f"{config.min_sample_rate}-{config.max_sample_rate} Hz)")
        if not 1 <= channels <= config.max_channels:
            raise AudioError(f"{label}: {channels} channels is outside the 1-{config.max_channels} supported")
        self.label, self.rate, self.channels, self.config = label, rate, channels, config
        self.out_rates = [int(r or min(rate, config.max_output_rate)) for r in target_rates]
        self.max_frames = int(config.max_seconds * rate)
        self.frames = 0
        self.cropped = False
        self._parts: list[list[np.ndarray]] = [[] for _ in self.out_rates]
        self._streams = [None if out == rate else _resample_stream(rate, out) for out in self.out_rates]

    def add(self, block: np.ndarray) -> bool:
        """Fold and resample one block; False once the duration limit is reached."""
        if self.frames >= self.max_frames:
            self.cropped = self.cropped or len(block) > 0
            return False
        if block.ndim != 2 or not 1 <= block.shape[1] <= self.config.max_channels:
            raise AudioError(f"{self.label}: a block of shape {list(block.shape)} is not audio "
                             f"with 1-{self.config.max_channels} channels")
        if self.frames == 0:
            self.channels = block.shape[1]  # what the decoder delivers (some headers omit it)
        take = min(len(block), self.max_frames - self.frames)
        self.cropped = self.cropped or take < len(block)
        block = block[:take]
        if not np.isfinite(block).all():
            raise AudioError(f"{self.label}: contains NaN or infinite sample values")
        mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
        self.frames += take
        self._push(np.ascontiguousarray(mono, dtype=np.float32), last=False)
        return self.frames < self.max_frames

    def _push(self, mono: np.ndarray, last: bool) -> None:
        for parts, stream in zip(self._parts, self._streams):
            parts.append(mono if stream is None else stream.resample_chunk(mono, last=last))

    def finish(self, path: str | None) -> list[Audio]:
        """The decoded clip at each output rate, with warnings for cropping and silence."""
        if self.frames == 0:
            raise AudioError(f"{self.label}: contains no audio samples (empty or truncated)")
        if self.frames < self.config.min_seconds * self.rate:
            raise AudioError(f"{self.label}: too short ({1000 * self.frames / self.rate:.1f} ms; "
                             f"the minimum is {1000 * self.config.min_seconds:g} ms)")
        self._push(np.zeros(0, np.float32), last=True)
        clips = []
        for out_rate, parts in zip(self.out_rates, self._parts):
            audio = Audio(np.concatenate(parts).astype(np.float32, copy=False), out_rate, self.rate,
                          self.channels, path)
            parts.clear()
            if self.cropped:
                audio.warnings.append(f"cropped to the first {self.config.max_seconds:g} s")
            if audio.is_silent:
                audio.warnings.append("the audio is silent")
            clips.append(audio)
        return clips


def _resample_stream(rate_in: int, rate_out: int):
    """A soxr stream with the same quality as `resample`, for block-by-block input."""
    import soxr

    return soxr.ResampleStream(rate_in, rate_out, 1, dtype="float32", quality="HQ")


# --- decoding ---------------------------------------------------------------
def _open_source(source: PathLike | bytes, label: str) -> tuple[io.BytesIO | str, str]:
    """(what the decoders open, lower-case extension); AudioError for what is not a file."""
    if isinstance(source, bytes):
        if not source:
            raise AudioError(f"{label}: the data is empty")
        return io.BytesIO(source), ""
    path = Path(source)
    if not path.exists():
        raise AudioError(f"{label}: no such file")
    if path.is_dir():
        raise AudioError(f"{label}: is a folder, not an audio file")
    if not path.is_file():  # a pipe or a device (/dev/zero behind a link) would never end
        raise AudioError(f"{label}: not a regular file (a pipe, socket or device)")
    if path.stat().st_size == 0:
        raise AudioError(f"{label}: the file is empty (0 bytes)")
    return str(path), path.suffix.lower()


def _decode_soundfile(raw: io.BytesIO | str, label: str, rates: list[int | None],
                      config: AudioConfig) -> list[Audio]:
    import soundfile as sf

    with sf.SoundFile(raw) as f:
        sink = MonoSink(label, int(f.samplerate), int(f.channels), rates, config)
        while sink.add(block := f.read(BLOCK_FRAMES, dtype="float32", always_2d=True)) and len(block):
            pass
        if sink.frames >= sink.max_frames and not sink.cropped:  # exactly at the limit, or more?
            sink.add(f.read(1, dtype="float32", always_2d=True))
    return sink.finish(None if isinstance(raw, io.BytesIO) else label)


def _decode_av(raw: io.BytesIO | str, label: str, rates: list[int | None], config: AudioConfig) -> list[Audio]:
    import av  # PyAV bundles ffmpeg: m4a/aac without system packages

    with av.open(raw) as container:
        if not container.streams.audio:
            raise AudioError(f"{label}: the file has no audio stream")
        stream = container.streams.audio[0]
        rate = int(stream.codec_context.sample_rate or stream.rate or 0)
        # A container may leave the channel count to the first frame: then check it there.
        sink = MonoSink(label, rate, int(stream.codec_context.channels or 1), rates, config)
        resampler = av.AudioResampler(format="flt", layout=None, rate=rate)  # packed: one plane
        for block in _av_blocks(container.decode(stream), resampler):
            if not sink.add(block):
                break
    return sink.finish(None if isinstance(raw, io.BytesIO) else label)


def _av_blocks(frames: Iterable, resampler) -> Iterator[np.ndarray]:
    """Decoded PyAV frames as [n, C] float32 blocks.

    Packed ("flt") frames are one interleaved plane [1, n*C]; PyAV 18 crashes stacking
    the planes of planar frames with many channels, so planar output is not used.
    """
    for frame in frames:
        for out in resampler.resample(frame):
            channels = len(out.layout.channels)
            yield out.to_ndarray().reshape(-1, channels)


def _reason(exc: Exception, sf_error: Exception | None) -> str:
    """One short line on why decoding failed, without the decoders' misleading boilerplate.

    libsndfile says "File does not exist or is not a regular file (possibly a pipe?)" for
    an existing file it cannot parse; ffmpeg prefixes errno numbers and repeats the path.
    """
    text = str(getattr(exc, "strerror", None) or exc).strip().splitlines()[0] if str(exc).strip() else ""
    if not text and sf_error is not None:
        text = str(sf_error).strip().splitlines()[0]
    text = text.split("': ", 1)[-1] if text.startswith("Error opening") else text
    if "possibly a pipe" in text or not text:
        text = "unrecognised or corrupt data"
    return text[:160].rstrip(".")
