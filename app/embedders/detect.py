"""Which family a local model directory belongs to, read from its files (never by loading it).

- `config.json` `"architecture": "mini-audio-text"`        -> mini
- `config.json` `model_type` "clap" / "pe_audio"            -> hf-clap / pe-audio
- `CLAP_weights_2022.pth` / `CLAP_weights_2023.pth`         -> ms-clap (msclap's own file names)
- `config.json` with `mulan`, `audio_model`, `text_model`   -> muq-mulan (MuQMuLan.save_pretrained)
- `config.json` of an audio encoder (wav2vec2, HuBERT, WavLM, data2vec-audio, AST) or with
  an `auto_map` for AutoModel (MERT ships its own modelling code)      -> hf-audio
"""
from __future__ import annotations

import json
from pathlib import Path

from app.embedders.families import UnknownModelError

MINI_ARCHITECTURE = "mini-audio-text"
MSCLAP_WEIGHTS = {"CLAP_weights_2022.pth": "2022", "CLAP_weights_2023.pth": "2023"}
AUDIO_ENCODER_TYPES = frozenset({"wav2vec2", "hubert", "wavlm", "data2vec-audio", "audio-spectrogram-transformer",
                                 "wav2vec2-conformer", "unispeech", "unispeech-sat", "sew", "sew-d", "mert_model"})
MUQ_MULAN_KEYS = frozenset({"mulan", "audio_model", "text_model"})


def msclap_version(path: Path) -> str | None:
    """The msclap version whose weights file the directory holds (2023 preferred), else None."""
    found = [version for fname, version in MSCLAP_WEIGHTS.items() if (path / fname).is_file()]
    return max(found) if found else None


def read_config(path: Path) -> dict:
    """`config.json` of a model directory, with errors naming the file."""
    config_file = path / "config.json"
    if not config_file.is_file():
        raise UnknownModelError(f"'{path}' has no config.json (nor msclap weights): not a saved model directory")
    try:
        config = json.loads(config_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnknownModelError(f"'{config_file}' is not valid JSON: {exc}") from exc
    if not isinstance(config, dict):
        raise UnknownModelError(f"'{config_file}' is not a JSON object")
    return config


def family_of_dir(path: str | Path) -> str:
    """The family of the model saved in `path` (UnknownModelError naming the file otherwise)."""
    path = Path(path)
    if msclap_version(path):
        return "ms-clap"
    config = read_config(path)
    model_type = config.get("model_type")
    if config.get("architecture") == MINI_ARCHITECTURE:
        return "mini"
    if model_type == "clap":
        return "hf-clap"
    if model_type == "pe_audio":
        return "pe-audio"
    if MUQ_MULAN_KEYS <= set(config):
        return "muq-mulan"
    if model_type in AUDIO_ENCODER_TYPES or "AutoModel" in (config.get("auto_map") or {}):
        return "hf-audio"
    raise UnknownModelError(
        f"'{path}' holds no model this browser knows (config.json model_type={model_type!r}, "
        f"architectures={config.get('architectures')!r}): expected CLAP, PE-Audio, MuQ-MuLan, msclap weights, "
        "a mini model, or an audio encoder (wav2vec2/HuBERT/WavLM/AST/MERT)")
