"""One registry, one loader: a model name, hub id or local directory -> a cached `Embedder`.

The registry lists every model a researcher may compare (`REGISTRY`, plus the user's
`models.toml`, see `app/embedders/models_file.py`), each with its family, dimension,
sample rate, licence and whether it has a text tower. A local directory is recognised
by its files (`detect.family_of_dir`). Each family's adapter builds itself from a
`ModelSpec` with `from_spec`, through the family's real loading code.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from app.embedders.base import Embedder, ModelUnavailableError
from app.embedders.detect import family_of_dir
from app.embedders.families import FAMILIES, ModelSpec, UnknownModelError, family

REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO_ROOT / "models"
APACHE, MIT, CC_BY_NC = "Apache-2.0", "MIT", "CC-BY-NC-4.0"


def _spec(name, fam, source, description, licence, dim=None, rate=None, **options) -> ModelSpec:
    return ModelSpec(name, fam, source, description, licence, dim, rate, tuple(sorted(options.items())))


REGISTRY: dict[str, ModelSpec] = {spec.name: spec for spec in [
    _spec("mini-clap", "mini", str(MODELS_DIR / "mini-clap"),
          "shipped: small CNN audio encoder + frozen MiniLM, contrastive (InfoNCE)", "see models/mini-clap", 384, 16000),
    _spec("mini-slap", "mini", str(MODELS_DIR / "mini-slap"),
          "shipped: same architecture, negative-free SLAP objective (EMA targets)", "see models/mini-slap", 384, 16000),
    _spec("clap-htsat-unfused", "hf-clap", "laion/clap-htsat-unfused", "LAION CLAP, HTS-AT, unfused",
          APACHE, 512, 48000),
    _spec("clap-htsat-fused", "hf-clap", "laion/clap-htsat-fused", "LAION CLAP, HTS-AT, fusion", APACHE, 512, 48000),
    _spec("larger-clap-general", "hf-clap", "laion/larger_clap_general", "LAION larger CLAP, general audio",
          APACHE, 512, 48000),
    _spec("larger-clap-music", "hf-clap", "laion/larger_clap_music", "LAION larger CLAP, music", APACHE, 512, 48000),
    _spec("larger-clap-music-and-speech", "hf-clap", "laion/larger_clap_music_and_speech",
          "LAION larger CLAP, music and speech", APACHE, 512, 48000),
    _spec("pe-a-frame-small", "pe-audio", "facebook/pe-a-frame-small",
          "Meta Perception Encoder Audio (frame model; clip vector = pooled encoder output)", APACHE, None, 48000),
    _spec("pe-a-frame-base", "pe-audio", "facebook/pe-a-frame-base",
          "Meta Perception Encoder Audio, base (frame model; clip vector = pooled encoder output)", APACHE, None, 48000),
    _spec("pe-a-frame-large", "pe-audio", "facebook/pe-a-frame-large",
          "Meta Perception Encoder Audio, large (frame model; clip vector = pooled encoder output)", APACHE, None, 48000),
    _spec("ms-clap-2022", "ms-clap", "microsoft/msclap", "Microsoft CLAP 2022 (CNN14 + BERT)", MIT, 1024, 44100,
          version="2022"),
    _spec("ms-clap-2023", "ms-clap", "microsoft/msclap", "Microsoft CLAP 2023 (HTS-AT + GPT-2)", MIT, 1024, 44100,
          version="2023"),
    _spec("muq-mulan-large", "muq-mulan", "OpenMuQ/MuQ-MuLan-large", "MuQ-MuLan, music-text (en/zh)",
          CC_BY_NC + " (weights), MIT (code)", 512, 24000),
    _spec("mert-v1-95m", "hf-audio", "m-a-p/MERT-v1-95M", "MERT v1, music SSL, 95M (audio only; remote code)",
          CC_BY_NC, 768, 24000, trust_remote_code=True),
    _spec("mert-v1-330m", "hf-audio", "m-a-p/MERT-v1-330M", "MERT v1, music SSL, 330M (audio only; remote code)",
          CC_BY_NC, 1024, 24000, trust_remote_code=True),
    _spec("ast-audioset", "hf-audio", "MIT/ast-finetuned-audioset-10-10-0.4593",
          "Audio Spectrogram Transformer, AudioSet (audio only)", "BSD-3-Clause", 768, 16000),
    _spec("wav2vec2-base", "hf-audio", "facebook/wav2vec2-base", "wav2vec 2.0 base, speech SSL (audio only)",
          APACHE, 768, 16000),
]}
DEFAULT_MODELS: tuple[str, ...] = ("mini-clap", "mini-slap")
log = logging.getLogger(__name__)


def all_specs() -> dict[str, ModelSpec]:
    """Built-in models, then the ones registered in the user's models file."""
    from app.embedders.models_file import user_models

    return {**REGISTRY, **user_models()}


def available_models() -> list[str]:
    """Registered model names, shipped defaults first."""
    return list(all_specs())


def resolve(name_or_path: str) -> ModelSpec:
    """Turn a registry name, a registered hub id, or a local model directory into a spec."""
    key = str(name_or_path).strip()
    specs = all_specs()
    if key in specs:
        return specs[key]
    for spec in specs.values():
        if spec.family != "mini" and spec.source == key:
            return spec
    path = Path(key).expanduser()
    if path.is_dir():
        found = str(path.resolve())
        return ModelSpec(found, family_of_dir(path), found, "local directory")
    raise UnknownModelError(
        f"unknown model '{key}': use one of {', '.join(specs)}, a model directory "
        f"(families: {', '.join(FAMILIES)}), or register it in models.toml")


def model_has_text(name_or_path: str) -> bool:
    """Whether a model has a text tower, from the registry alone (nothing is loaded)."""
    return resolve(name_or_path).has_text


def model_label(name_or_path: str) -> str:
    """How a model is shown in a picker: its name, marked when it has no text tower."""
    try:
        return name_or_path if model_has_text(name_or_path) else f"{name_or_path} · audio only"
    except ValueError:  # unknown or unreadable: shown as is, loading it explains
        return name_or_path


_CACHE: dict[tuple[str, str], Embedder] = {}
_LOCK = threading.Lock()


def load_embedder(name_or_path: str, precision: str = "fp32") -> Embedder:
    """Load (once, then from cache) the embedder for a name or directory.

    `precision` is "fp32" or "bf16" (CPU bfloat16 inference, ~2-3x faster for CLAP).
    """
    if precision not in ("fp32", "bf16"):
        raise ValueError(f"precision must be 'fp32' or 'bf16', not {precision!r}")
    spec = resolve(name_or_path)
    if precision == "bf16" and not cpu_has_native_bf16():
        log.warning("bf16 requested but this CPU has no avx512_bf16/AMX: bfloat16 is emulated and "
                    "slower than fp32 here (measured 4x, docs/benchmarks.md)")
    key = (spec.name, precision)
    with _LOCK:  # one load per model even when several UI events ask at once
        if key not in _CACHE:
            _CACHE[key] = _build(spec, precision)
        return _CACHE[key]


def cpu_has_native_bf16() -> bool:
    """Whether the CPU computes bfloat16 natively (avx512_bf16 or AMX); Linux only, else False."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def loaded_embedders() -> list[Embedder]:
    """Embedders loaded so far in this process (for the Status tab)."""
    with _LOCK:
        return list(_CACHE.values())


def _build(spec: ModelSpec, precision: str) -> Embedder:
    if spec.family == "mini":
        from app.embedders.mini import MiniEmbedder

        if not Path(spec.source).is_dir():
            raise ModelUnavailableError(f"model '{spec.name}': no checkpoint at {spec.source}")
        emb = MiniEmbedder.from_pretrained(spec.source, name=spec.name, precision=precision)
        emb.licence = spec.licence
        return emb
    return family(spec.family).adapter().from_spec(spec, precision)
