"""Model zoo speed on CPU: per family, one 10 s clip and text throughput, real-size random weights.

No weights can be downloaded here, so each family is built from its library's default
configuration (the published architecture size) with random weights and wrapped in the
same adapter the app uses. Speed does not depend on the weights. Families whose package
is not installed (msclap, muq) are skipped with the reason; so is any model above
`--max-gb` of fp32 weights.

    python -m benchmarks.bench_zoo [--threads 1] [--repeats 3] [--max-gb 4]
"""
from __future__ import annotations

import argparse
import importlib.util
import time
from typing import Callable

import numpy as np

from benchmarks.bench_embed import CAPTIONS, _timed


def pe_audio():
    """PeAudioModel(PeAudioConfig()): the transformers default (DAC + 6-layer 1792-d encoder, ModernBERT-large)."""
    from transformers import PeAudioConfig, PeAudioFeatureExtractor, PeAudioModel

    from app.embedders.pe_audio import PeAudioEmbedder
    from tests.zoo_checkpoints import minilm_tokenizer

    model = PeAudioModel(PeAudioConfig())
    return PeAudioEmbedder(model, PeAudioFeatureExtractor(), minilm_tokenizer(), "pe-audio (default config)")


def _hubert(name: str, rate: int, **config):
    from transformers import HubertConfig, HubertModel, Wav2Vec2FeatureExtractor

    from app.embedders.hf_audio import HFAudioEmbedder

    model = HubertModel(HubertConfig(**config))
    return HFAudioEmbedder(model, Wav2Vec2FeatureExtractor(sampling_rate=rate), name)


def mert_95m():
    """MERT-v1-95M's architecture: HuBERT-base at 24 kHz."""
    return _hubert("mert-v1-95m (HuBERT-base, 24 kHz)", 24000)


def mert_330m():
    """MERT-v1-330M's architecture: HuBERT-large at 24 kHz."""
    return _hubert("mert-v1-330m (HuBERT-large, 24 kHz)", 24000, hidden_size=1024, num_hidden_layers=24,
                   num_attention_heads=16, intermediate_size=4096, feat_extract_norm="layer",
                   do_stable_layer_norm=True)


def ast():
    """ASTModel(ASTConfig()): the AudioSet AST architecture (1024 frames, 16 kHz)."""
    from transformers import ASTConfig, ASTFeatureExtractor, ASTModel

    from app.embedders.hf_audio import HFAudioEmbedder

    return HFAudioEmbedder(ASTModel(ASTConfig()), ASTFeatureExtractor(), "ast (default config)")


def laion_clap():
    """ClapModel(ClapConfig()): the laion/clap-htsat-unfused architecture."""
    import tempfile
    from pathlib import Path

    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel, ClapProcessor

    from app.embedders.hf_clap import HFClapEmbedder
    from tests.conftest import _tiny_tokenizer

    processor = ClapProcessor(feature_extractor=ClapFeatureExtractor(truncation="rand_trunc"),
                              tokenizer=_tiny_tokenizer(Path(tempfile.gettempdir())))
    return HFClapEmbedder(ClapModel(ClapConfig()), processor, "clap-htsat-unfused (default config)", "")


def _not_measured(what: str, package: str) -> Callable:
    """msclap / muq build their modules from configs and text encoders on the HF hub: not offline."""
    def skipped():
        reason = ("not installed (pip install " + package + ")" if importlib.util.find_spec(package) is None
                  else "its text encoder / sub-models come from the HF hub (not reachable here)")
        raise RuntimeError(f"{what}: skipped, {package} {reason}")
    return skipped


FAMILIES: list[tuple[str, Callable]] = [
    ("hf-clap", laion_clap), ("pe-audio", pe_audio), ("hf-audio", mert_95m), ("hf-audio", mert_330m),
    ("hf-audio", ast), ("ms-clap", _not_measured("Microsoft CLAP 2023", "msclap")),
    ("muq-mulan", _not_measured("MuQ-MuLan", "muq")),
]


def bench(build: Callable, repeats: int, max_gb: float) -> dict:
    """Build time, parameters, median ms for one 10 s clip, text throughput for 32 captions."""
    import torch

    torch.manual_seed(0)
    start = time.perf_counter()
    emb = build()
    row = {"model": emb.name, "build_s": time.perf_counter() - start}
    params = emb.info().parameters
    row.update(params_m=params / 1e6, dim=emb.dim, rate=emb.sample_rate)
    if params * 4 / 2**30 > max_gb:
        return {**row, "skipped": f"{params * 4 / 2**30:.1f} GB of fp32 weights > {max_gb} GB"}
    clip = (0.3 * np.random.default_rng(0).standard_normal(10 * emb.sample_rate)).astype(np.float32)
    row["audio10s_ms"], _ = _timed(lambda: emb.embed_audio([clip]), repeats)
    if emb.has_text:
        text_ms, _ = _timed(lambda: emb.embed_text(CAPTIONS), repeats)
        row["texts_per_s"] = len(CAPTIONS) / (text_ms / 1e3)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-gb", type=float, default=4.0)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    print(f"threads={args.threads} repeats={args.repeats} (median); random weights, default configs")
    print("| family | model | params | dim | rate | 10 s clip (ms) | texts/s (32 captions) | build (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for fam, build in FAMILIES:
        try:
            r = bench(build, args.repeats, args.max_gb)
        except RuntimeError as exc:
            print(f"| {fam} | {exc} | | | | | | |")
            continue
        text = f"{r['texts_per_s']:.0f}" if "texts_per_s" in r else "no text tower"
        audio = r.get("skipped") or f"{r['audio10s_ms']:.0f}"
        print(f"| {fam} | {r['model']} | {r['params_m']:.0f} M | {r['dim']} | {r['rate']} | {audio} | "
              f"{text} | {r['build_s']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
