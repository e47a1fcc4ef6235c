"""Reader for Gravis UltraSound patches (`.pat`, the format of `freepats`): recorded samples
with their root pitch, key range and loop points, so notes can be played by resampling."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEADER_BYTES = 239  # patch header 129 + instrument header 63 + layer header 47
SAMPLE_HEADER_BYTES = 96
MODE_16BIT, MODE_UNSIGNED, MODE_LOOP = 1, 2, 4


@dataclass(frozen=True)
class PatchSample:
    """One recorded sample of a patch; frequencies in Hz, loop in samples."""

    audio: np.ndarray  # float32 [n], -1..1
    rate: int
    root_hz: float
    low_hz: float
    high_hz: float
    loop: tuple[int, int] | None


def read_patch(path: str | Path) -> list[PatchSample]:
    """All samples of a GUS patch; raises ValueError naming the file when it is not one."""
    data = Path(path).read_bytes()
    if not data.startswith(b"GF1PATCH"):
        raise ValueError(f"{path}: not a GUS patch (no GF1PATCH header)")
    n_samples = data[198]  # layer header: samples count
    pos, out = HEADER_BYTES, []
    for _ in range(n_samples):
        head = data[pos:pos + SAMPLE_HEADER_BYTES]
        if len(head) < SAMPLE_HEADER_BYTES:
            raise ValueError(f"{path}: truncated sample header at byte {pos}")
        size, loop_start, loop_end, rate, low, high, root = struct.unpack_from("<IIIHIII", head, 8)
        modes = head[55]
        raw = data[pos + SAMPLE_HEADER_BYTES:pos + SAMPLE_HEADER_BYTES + size]
        pos += SAMPLE_HEADER_BYTES + size
        if modes & MODE_16BIT:
            audio = np.frombuffer(raw[: len(raw) // 2 * 2], np.uint16 if modes & MODE_UNSIGNED else np.int16)
            audio = audio.astype(np.float32) - (32768.0 if modes & MODE_UNSIGNED else 0.0)
            audio /= 32768.0
            width = 2
        else:
            audio = np.frombuffer(raw, np.uint8 if modes & MODE_UNSIGNED else np.int8).astype(np.float32)
            audio = (audio - (128.0 if modes & MODE_UNSIGNED else 0.0)) / 128.0
            width = 1
        loop = (loop_start // width, loop_end // width) if modes & MODE_LOOP and loop_end > loop_start else None
        out.append(PatchSample(audio, int(rate), root / 1000.0, low / 1000.0, high / 1000.0, loop))
    if not out:
        raise ValueError(f"{path}: patch holds no samples")
    return out


def midi_hz(key: float) -> float:
    return 440.0 * 2.0 ** ((key - 69) / 12.0)


def sample_for(samples: list[PatchSample], hz: float) -> PatchSample:
    """The sample whose key range holds `hz`, else the one with the nearest root."""
    inside = [s for s in samples if s.low_hz <= hz <= s.high_hz]
    pool = inside or samples
    return min(pool, key=lambda s: abs(np.log(hz / max(s.root_hz, 1e-3))))
