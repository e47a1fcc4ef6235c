"""Meta Perception Encoder Audio (PE-A) through transformers `PeAudioModel`, 48 kHz.

Audio: `PeAudioFeatureExtractor` (reflect-pads to a multiple of its hop) ->
`get_audio_embeds(input_values, padding_mask)` per consecutive window of
`window_seconds` -> mean over windows -> L2. Text: the checkpoint's tokenizer ->
the text model's last hidden state at the first token -> `text_audio_head`, exactly as
`PeAudioModel.forward` does (its `get_text_audio_embeds` fails in 5.24). The feature extractor and tokenizer are called separately because
`PeAudioProcessor(audio=..., text=..., padding=True)` fails in transformers 5.24
(`pad_to_multiple_of` reaches the feature extractor).
"""
from __future__ import annotations

import numpy as np

from app.embedders.base import Embedder, EmbedderInfo, pool_windows
from app.embedders.hub import offline_first

DEFAULT_WINDOW_SECONDS = 10.0
MAX_TEXT_TOKENS = 77


class PeAudioEmbedder(Embedder):
    """Embedder over `PeAudioModel` + `PeAudioFeatureExtractor` + tokenizer."""

    family = "pe-audio"

    def __init__(self, model, extractor, tokenizer, name: str, source: str = "",
                 window_seconds: float = DEFAULT_WINDOW_SECONDS, precision: str = "fp32", licence: str = "") -> None:
        import torch

        super().__init__()
        self.model = model.eval()
        self.extractor, self.tokenizer = extractor, tokenizer
        self.name, self.source, self.licence, self.precision = name, source, licence, precision
        self.dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        if precision == "bf16":
            self.model = self.model.to(torch.bfloat16)
        self.sample_rate = int(extractor.sampling_rate)
        self.dim = int(model.config.text_config.hidden_size)  # both heads project to the text width
        self.window = int(round(window_seconds * self.sample_rate))

    @classmethod
    def from_spec(cls, spec, precision: str = "fp32") -> "PeAudioEmbedder":
        """Load `spec.source` (dir or hub id) with the transformers PE-Audio classes."""
        from transformers import AutoTokenizer, PeAudioFeatureExtractor, PeAudioModel

        def load(local_only: bool) -> "PeAudioEmbedder":
            model = PeAudioModel.from_pretrained(spec.source, local_files_only=local_only)
            extractor = PeAudioFeatureExtractor.from_pretrained(spec.source, local_files_only=local_only)
            tokenizer = AutoTokenizer.from_pretrained(spec.source, local_files_only=local_only)
            return cls(model, extractor, tokenizer, spec.name, spec.source,
                       float(spec.option("window_seconds", DEFAULT_WINDOW_SECONDS)), precision, spec.licence)

        return offline_first("PE-Audio checkpoint", spec.source, load,
                             "save it with PeAudioModel/PeAudioProcessor.save_pretrained")

    def info(self) -> EmbedderInfo:
        return self._info(sum(p.numel() for p in self.model.parameters()), self.precision)

    def _embed_waveforms(self, waves: list[np.ndarray]) -> np.ndarray:
        return pool_windows(waves, self.window, self.audio_embeds, self.batch_size)

    def audio_embeds(self, windows: list[np.ndarray]) -> np.ndarray:
        """[B] equal-length windows at 48 kHz -> unnormalised [B, D]."""
        import torch

        inputs = self.extractor(windows, sampling_rate=self.sample_rate, return_tensors="pt")
        with torch.inference_mode():
            out = self.model.get_audio_embeds(inputs["input_values"].to(self.dtype),
                                              padding_mask=inputs.get("padding_mask"))
        return out.float().cpu().numpy()

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TEXT_TOKENS, return_tensors="pt")
        with torch.inference_mode():
            # What PeAudioModel.forward computes for text. `get_text_audio_embeds` itself fails in
            # 5.24: it reads `hidden_states` without asking the text model for them.
            hidden = self.model.text_model(input_ids=tokens["input_ids"], attention_mask=tokens.get("attention_mask"),
                                           output_hidden_states=True, return_dict=True).hidden_states[-1]
            out = self.model.text_audio_head(hidden[:, 0])  # [B, tokens, H] -> first token -> [B, D]
        return out.float().cpu().numpy()
