"""CLAP checkpoints through transformers (`ClapModel.from_pretrained(id_or_dir)`).

Determinism: `rand_trunc` would randomly crop audio longer than 10 s, so long clips
are split here into consecutive 10 s windows (each <= max length, so the processor
never crops), embedded, mean-pooled and re-normalised. A clip of at most 10 s goes
through the checkpoint's own processor unchanged. Fused checkpoints use their own
fusion path on the whole clip, with the processor's random crop choice seeded.
"""
from __future__ import annotations

import numpy as np

from app.constants import CLAP_SAMPLE_RATE
from app.embedders.base import Embedder, EmbedderInfo, pool_windows
from app.embedders.hub import offline_first

FUSION_SEED = 0  # fixed so the fusion path's random crops repeat exactly


class HFClapEmbedder(Embedder):
    """Embedder over a transformers `ClapModel` + `ClapProcessor`."""

    family = "hf-clap"

    def __init__(self, model, processor, name: str, source: str, precision: str = "fp32") -> None:
        import torch

        super().__init__()
        self.model = model.eval()
        self.processor = processor
        self.name = name
        self.source = source
        self.precision = precision
        self.dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        if precision == "bf16":
            self.model = self.model.to(torch.bfloat16)
        extractor = processor.feature_extractor
        self.sample_rate = int(getattr(extractor, "sampling_rate", CLAP_SAMPLE_RATE))
        self.window = int(getattr(extractor, "nb_max_samples", 10 * self.sample_rate))
        self.fused = bool(getattr(model.config.audio_config, "enable_fusion", False))
        self.dim = int(model.config.projection_dim)

    @classmethod
    def from_pretrained(cls, id_or_dir: str, name: str | None = None, precision: str = "fp32",
                        licence: str = "") -> "HFClapEmbedder":
        """Load a checkpoint from a local dir, the local HF cache, or the hub when reachable."""
        from transformers import ClapModel, ClapProcessor

        def load(local_only: bool) -> "HFClapEmbedder":
            model = ClapModel.from_pretrained(id_or_dir, local_files_only=local_only)
            processor = ClapProcessor.from_pretrained(id_or_dir, local_files_only=local_only)
            return cls(model, processor, name or id_or_dir, id_or_dir, precision)

        emb = offline_first("CLAP checkpoint", id_or_dir, load,
                            "save it with ClapModel/ClapProcessor.save_pretrained")
        emb.licence = licence
        return emb

    @classmethod
    def from_spec(cls, spec, precision: str = "fp32") -> "HFClapEmbedder":
        """Build from a registry `ModelSpec` (the loader's one entry point per family)."""
        return cls.from_pretrained(spec.source, spec.name, precision, spec.licence)

    def info(self) -> EmbedderInfo:
        return self._info(sum(p.numel() for p in self.model.parameters()), self.precision)

    # --- audio --------------------------------------------------------------
    def _embed_waveforms(self, waves: list[np.ndarray]) -> np.ndarray:
        if self.fused:
            return self._features(waves)
        # consecutive windows of at most 10 s: the processor never crops, so nothing is random
        return pool_windows(waves, self.window, self._features, self.batch_size)

    def _features(self, waves: list[np.ndarray]) -> np.ndarray:
        import torch

        state = np.random.get_state()
        np.random.seed(FUSION_SEED)  # the processor draws crops from numpy's global RNG
        try:
            inputs = self.processor(audio=waves, sampling_rate=self.sample_rate, return_tensors="pt")
        finally:
            np.random.set_state(state)
        kwargs = {"input_features": inputs["input_features"].to(self.dtype)}
        if "is_longer" in inputs:
            kwargs["is_longer"] = inputs["is_longer"]
        with torch.inference_mode():
            out = self.model.get_audio_features(**kwargs)
        return _as_array(out)

    # --- text ---------------------------------------------------------------
    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        inputs = self.processor(text=texts, return_tensors="pt", padding=True, truncation=True)
        with torch.inference_mode():
            out = self.model.get_text_features(
                input_ids=inputs["input_ids"], attention_mask=inputs.get("attention_mask"))
        return _as_array(out)


def _as_array(out) -> np.ndarray:
    """transformers 5 returns an output object (embedding in `.pooler_output`); 4.x a tensor."""
    tensor = getattr(out, "pooler_output", out)
    return tensor.float().cpu().numpy()
