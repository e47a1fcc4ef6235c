"""MuQ-MuLan (music-text, 24 kHz, 512-d) through the `muq` package (optional: `pip install muq`).

Loading is muq's own `MuQMuLan.from_pretrained(hub id or directory)`. MuQ-MuLan embeds
10 s clips (`clip_secs`): here consecutive 10 s windows, the last short one
repeat-padded (muq wraps it around the same way), are embedded with the model's audio
tower, normalised, mean-pooled and renormalised. Text: `MuQMuLan(texts=...)`.
Weights are CC-BY-NC 4.0 (non-commercial).
"""
from __future__ import annotations

import numpy as np

from app.embedders.base import Embedder, EmbedderInfo, pool_windows, repeat_pad
from app.embedders.families import FAMILIES
from app.embedders.hub import offline_first

class MuQMuLanEmbedder(Embedder):
    """Embedder over a `muq.MuQMuLan` module."""

    family = "muq-mulan"

    def __init__(self, model, name: str, source: str = "", window_seconds: float | None = None,
                 licence: str = "") -> None:
        super().__init__()
        self.model = model.eval()
        self.name, self.source, self.licence = name, source, licence
        self.sample_rate = int(model.sr)
        self.window = int(round((window_seconds or model.clip_secs) * self.sample_rate))
        self.dim = int(model.config.mulan.dim_latent)

    @classmethod
    def from_spec(cls, spec, precision: str = "fp32") -> "MuQMuLanEmbedder":
        if precision != "fp32":
            raise ValueError(f"model '{spec.name}': MuQ-MuLan runs in fp32 only")
        muq = FAMILIES["muq-mulan"].import_package("MuQ-MuLan")

        def load(local_only: bool) -> "MuQMuLanEmbedder":
            model = muq.MuQMuLan.from_pretrained(spec.source, local_files_only=local_only)
            return cls(model, spec.name, spec.source, spec.option("window_seconds"), spec.licence)

        return offline_first("MuQ-MuLan checkpoint", spec.source, load, "save it with MuQMuLan.save_pretrained")

    def info(self) -> EmbedderInfo:
        return self._info(sum(p.numel() for p in self.model.parameters()))

    def _embed_waveforms(self, waves: list[np.ndarray]) -> np.ndarray:
        return pool_windows(waves, self.window, self.audio_embeds, self.batch_size,
                            lambda w: repeat_pad(w, self.window))

    def audio_embeds(self, windows: list[np.ndarray]) -> np.ndarray:
        """[B] windows of `clip_secs` at 24 kHz -> [B, 512] from MuLan's audio tower."""
        import torch

        with torch.inference_mode():
            out = self.model.mulan_module.get_audio_latents(torch.from_numpy(np.stack(windows)))
        return out.float().cpu().numpy()

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self.model(texts=list(texts)).float().cpu().numpy()
