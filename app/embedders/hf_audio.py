"""Audio-only encoders through transformers: wav2vec2, HuBERT, WavLM, AST, MERT (remote code).

`AutoModel.from_pretrained` + `AutoFeatureExtractor.from_pretrained`, the checkpoint's
own preprocessing at its own rate. A clip vector is the hidden states of one layer
(option `layer`, default the last; MERT's useful layers are in the middle), pooled over
time (`pooling` "mean" or "max"), per consecutive window of `window_seconds`, then
mean-pooled over windows and L2-normalised. These models have no text tower.

MERT ships its own modelling code (`config.json` `auto_map`): it only loads with
`trust_remote_code`, which this adapter sets only when the registry (or the user's
models file) says so for that model — never for an arbitrary directory.
"""
from __future__ import annotations

import numpy as np

from app.embedders.base import Embedder, EmbedderInfo, ModelUnavailableError, pool_windows
from app.embedders.hub import offline_first

DEFAULT_WINDOW_SECONDS = 10.0
MIN_SECONDS = 0.5  # the conv front ends need a few hundred samples; shorter windows are zero-padded


class HFAudioEmbedder(Embedder):
    """Pooled hidden states of a transformers audio encoder (audio only)."""

    family = "hf-audio"
    has_text = False

    def __init__(self, model, extractor, name: str, source: str = "", layer: int = -1, pooling: str = "mean",
                 window_seconds: float = DEFAULT_WINDOW_SECONDS, precision: str = "fp32", licence: str = "") -> None:
        import torch

        super().__init__()
        self.model = model.eval()
        self.extractor = extractor
        self.name, self.source, self.licence = name, source, licence
        self.precision = precision
        self.dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        if precision == "bf16":
            self.model = self.model.to(torch.bfloat16)
        n_layers = int(model.config.num_hidden_layers)
        if not -(n_layers + 1) <= layer <= n_layers:  # hidden_states holds the embeddings + every layer
            raise ValueError(f"model '{name}': layer {layer} out of range (it has {n_layers} layers; 0 = embeddings)")
        if pooling not in ("mean", "max"):
            raise ValueError(f"model '{name}': pooling must be 'mean' or 'max', not {pooling!r}")
        self.layer, self.pooling = int(layer), pooling
        self.sample_rate = int(extractor.sampling_rate)
        self.dim = int(model.config.hidden_size)
        self.window = int(round(window_seconds * self.sample_rate))
        self.min_len = int(round(MIN_SECONDS * self.sample_rate))

    @classmethod
    def from_spec(cls, spec, precision: str = "fp32") -> "HFAudioEmbedder":
        """Load `spec.source` (dir or hub id) with AutoModel + AutoFeatureExtractor."""
        from transformers import AutoFeatureExtractor, AutoModel

        remote = bool(spec.option("trust_remote_code", False))

        def load(local_only: bool) -> "HFAudioEmbedder":
            kwargs = {"local_files_only": local_only, "trust_remote_code": remote}
            try:
                model = AutoModel.from_pretrained(spec.source, **kwargs)
                extractor = AutoFeatureExtractor.from_pretrained(spec.source, **kwargs)
            except ValueError as exc:
                if "trust_remote_code" in str(exc) and not remote:
                    raise ModelUnavailableError(
                        f"model '{spec.name}' ships its own modelling code (config.json auto_map, e.g. MERT): "
                        "register it in models.toml with options = { trust_remote_code = true } if you trust "
                        "that code") from exc
                raise
            return cls(model, extractor, spec.name, spec.source, int(spec.option("layer", -1)),
                       str(spec.option("pooling", "mean")),
                       float(spec.option("window_seconds", DEFAULT_WINDOW_SECONDS)), precision, spec.licence)

        return offline_first("audio encoder", spec.source, load,
                             "save it with save_pretrained (model and feature extractor)")

    def info(self) -> EmbedderInfo:
        return self._info(sum(p.numel() for p in self.model.parameters()), self.precision)

    def _pad(self, window: np.ndarray) -> np.ndarray:
        return np.pad(window, (0, self.min_len - len(window))) if len(window) < self.min_len else window

    def _embed_waveforms(self, waves: list[np.ndarray]) -> np.ndarray:
        return pool_windows(waves, self.window, self.hidden_pooled, self.batch_size, self._pad)

    def hidden_pooled(self, windows: list[np.ndarray]) -> np.ndarray:
        """[B] equal-length windows -> the chosen layer pooled over time, [B, hidden]."""
        import torch

        inputs = self.extractor(windows, sampling_rate=self.sample_rate, return_tensors="pt")
        inputs = {k: (v.to(self.dtype) if v.is_floating_point() else v) for k, v in inputs.items()}
        with torch.inference_mode():
            out = self.model(**inputs, output_hidden_states=True)
        hidden = out.hidden_states[self.layer]  # [B, frames, hidden]
        pooled = hidden.mean(dim=1) if self.pooling == "mean" else hidden.amax(dim=1)
        return pooled.float().cpu().numpy()
