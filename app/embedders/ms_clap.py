"""Microsoft CLAP (2022 / 2023) through the `msclap` package (optional: `pip install msclap`).

Loading is msclap's own: `msclap.CLAP(model_fp=..., version=...)` builds the model from
the package's config for that version and loads the weights file
(`CLAP_weights_<version>.pth`: from a local directory, or msclap's own hub download).
Audio: 44.1 kHz; msclap embeds fixed clips of `duration` seconds (5 s in 2022, 7 s in
2023), repeat-padding short ones and randomly cropping long ones. Here long clips are
cut into consecutive clips of that length instead (deterministic), short ones are
repeat-padded as msclap does, and the clip vectors are mean-pooled.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from app.embedders.base import Embedder, EmbedderInfo, ModelUnavailableError, pool_windows, repeat_pad
from app.embedders.detect import MSCLAP_WEIGHTS, msclap_version
from app.embedders.families import FAMILIES
from app.embedders.hub import hub_offline, hub_reachable

def _cached_weights(repo_id: str, filename: str) -> str | None:
    """The weights file from the local HF cache, or None when it is not there."""
    from huggingface_hub import hf_hub_download

    try:
        return hf_hub_download(repo_id, filename, local_files_only=True)
    except Exception:  # noqa: BLE001 - any cache miss (not found, offline, bad repo id) means "not cached"
        return None


class MSClapEmbedder(Embedder):
    """Embedder over an `msclap.CLAP` wrapper (its `clap` module and tokenizer)."""

    family = "ms-clap"

    def __init__(self, wrapper, name: str, source: str = "", licence: str = "") -> None:
        super().__init__()
        self.wrapper = wrapper
        self.name, self.source, self.licence = name, source, licence
        args = wrapper.args
        self.sample_rate = int(args.sampling_rate)
        self.window = int(args.duration) * self.sample_rate
        self.dim = int(args.d_proj)

    @classmethod
    def from_spec(cls, spec, precision: str = "fp32") -> "MSClapEmbedder":
        """`msclap.CLAP(model_fp, version)`; the weights come from a directory or msclap's hub download."""
        if precision != "fp32":
            raise ValueError(f"model '{spec.name}': msclap runs in fp32 only")
        msclap = FAMILIES["ms-clap"].import_package("Microsoft CLAP")
        path = Path(spec.source).expanduser()
        version = str(spec.option("version") or (msclap_version(path) if path.is_dir() else None) or "2023")
        if path.is_dir():
            weights = path / f"CLAP_weights_{version}.pth"
            if not weights.is_file():
                raise ModelUnavailableError(f"model '{spec.name}': {path} has no {weights.name} "
                                            f"(msclap weights files: {', '.join(MSCLAP_WEIGHTS)})")
            model_fp: str | None = str(weights)
        else:
            model_fp = _cached_weights(spec.source, f"CLAP_weights_{version}.pth")
            if model_fp is None and (hub_offline() or not hub_reachable()):
                raise ModelUnavailableError(
                    f"Microsoft CLAP '{spec.name}': CLAP_weights_{version}.pth is not in the local Hugging Face cache "
                    f"and the hub ({spec.source}) is not reachable; download it where it is and pass its directory "
                    "as --model")
            # model_fp None: msclap downloads the weights itself (hf_hub_download)
        try:
            wrapper = msclap.CLAP(model_fp=model_fp, version=version, use_cuda=False)
        except OSError as exc:  # the text encoder (BERT / GPT-2) comes from the HF hub or cache
            raise ModelUnavailableError(f"Microsoft CLAP '{spec.name}' could not load its text encoder or weights "
                                        f"({type(exc).__name__}: {str(exc).splitlines()[0][:160]})") from exc
        return cls(wrapper, spec.name, spec.source, spec.licence)

    def info(self) -> EmbedderInfo:
        return self._info(sum(p.numel() for p in self.wrapper.clap.parameters()))

    def _embed_waveforms(self, waves: list[np.ndarray]) -> np.ndarray:
        return pool_windows(waves, self.window, self.audio_embeds, self.batch_size,
                            lambda w: repeat_pad(w, self.window))

    def audio_embeds(self, windows: list[np.ndarray]) -> np.ndarray:
        """[B] windows of exactly `duration` s at 44.1 kHz -> [B, 1024] (msclap's audio encoder)."""
        import torch

        batch = torch.from_numpy(np.stack(windows))[:, None, :]  # [B, 1, T]: msclap's collated shape
        with torch.inference_mode():
            return self.wrapper._get_audio_embeddings(batch).float().cpu().numpy()

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self.wrapper.get_text_embeddings(texts).float().cpu().numpy()
