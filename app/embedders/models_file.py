"""Bring your own model: register models in a small TOML file, no code changes.

    [models.my-mert]                      # the name offered in the UI and to --model
    family = "hf-audio"                   # optional for a local directory (detected from its files)
    source = "/models/MERT-v1-95M"        # hub id or local directory
    licence = "CC-BY-NC-4.0"
    description = "MERT, layer 6"
    options = { layer = 6, trust_remote_code = true }

The file is `--models-file PATH`, else `$AEB_MODELS_FILE`, else `$AEB_DATA_DIR/models.toml`
(default `data/models.toml`), else `models.toml` at the repository root; it is read once,
on the first registry lookup. Every mistake fails with the file and model named.
"""
from __future__ import annotations

import os
import threading
import tomllib
from pathlib import Path
from typing import Any

from app.embedders.detect import family_of_dir
from app.embedders.families import FAMILIES, ModelSpec, UnknownModelError, family

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_KEYS = frozenset({"family", "source", "licence", "description", "dim", "sample_rate", "options"})
OPTION_TYPES: dict[str, tuple[type, ...]] = {"layer": (int,), "pooling": (str,), "window_seconds": (int, float),
                                             "trust_remote_code": (bool,), "version": (str,)}

_LOCK = threading.Lock()
_USER: dict[str, ModelSpec] | None = None
_EXPLICIT: Path | None = None


class ModelsFileError(ValueError):
    """A models file that cannot be used, with the file and the entry named."""


def default_models_file() -> Path | None:
    """The first models file that exists among the default places, else None."""
    data_dir = Path(os.environ.get("AEB_DATA_DIR", REPO_ROOT / "data")).expanduser()
    candidates = [os.environ.get("AEB_MODELS_FILE"), data_dir / "models.toml", REPO_ROOT / "models.toml"]
    for candidate in candidates:
        if candidate and Path(candidate).expanduser().is_file():
            return Path(candidate).expanduser()
    if os.environ.get("AEB_MODELS_FILE"):
        raise ModelsFileError(f"AEB_MODELS_FILE={os.environ['AEB_MODELS_FILE']}: no such file")
    return None


def use_models_file(path: str | Path | None) -> list[str]:
    """Register the models of `path` (replacing any earlier file); returns their names."""
    global _USER, _EXPLICIT
    specs = read_models_file(Path(path)) if path else {}
    with _LOCK:
        _EXPLICIT, _USER = (Path(path) if path else None), specs
    return list(specs)


def user_models() -> dict[str, ModelSpec]:
    """Models from the user's file, read on the first call."""
    global _USER
    with _LOCK:
        if _USER is None:
            found = default_models_file()
            _USER = read_models_file(found) if found else {}
        return dict(_USER)


def read_models_file(path: Path) -> dict[str, ModelSpec]:
    """Parse and validate a models file into specs (ModelsFileError on any mistake)."""
    from app.embedders.registry import REGISTRY

    if not path.is_file():
        raise ModelsFileError(f"{path}: no such models file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ModelsFileError(f"{path}: not valid TOML ({exc})") from exc
    entries = data.get("models", {})
    if not isinstance(entries, dict) or set(data) - {"models"}:
        raise ModelsFileError(f"{path}: expected only [models.NAME] tables, found {sorted(data)}")
    specs = {}
    for name, entry in entries.items():
        if name in REGISTRY:
            raise ModelsFileError(f"{path}: model '{name}' is built in; register yours under another name")
        specs[name] = _spec(path, name, entry)
    return specs


def _spec(path: Path, name: str, entry: Any) -> ModelSpec:
    where = f"{path}: model '{name}'"
    if not isinstance(entry, dict):
        raise ModelsFileError(f"{where}: expected a table of keys ({', '.join(sorted(SPEC_KEYS))})")
    unknown = set(entry) - SPEC_KEYS
    if unknown:
        raise ModelsFileError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {', '.join(sorted(SPEC_KEYS))}")
    source = str(entry.get("source", "")).strip()
    if not source:
        raise ModelsFileError(f"{where}: 'source' (a hub id or a local directory) is required")
    local = Path(source).expanduser()
    if not local.is_absolute() and (path.parent / local).is_dir():
        local = path.parent / local  # a relative directory is relative to the models file
    if local.is_dir():
        source = str(local.resolve())
    try:
        fam = family(entry["family"]).name if "family" in entry else (
            family_of_dir(local) if local.is_dir() else None)
    except UnknownModelError as exc:
        raise ModelsFileError(f"{where}: {exc}") from exc
    if fam is None:
        raise ModelsFileError(f"{where}: 'family' is required for a hub id (one of {', '.join(FAMILIES)})")
    options = _options(where, fam, entry.get("options", {}))
    for key in ("dim", "sample_rate"):
        if key in entry and (not isinstance(entry[key], int) or entry[key] <= 0):
            raise ModelsFileError(f"{where}: '{key}' must be a positive integer")
    return ModelSpec(name, fam, source, str(entry.get("description", "")), str(entry.get("licence", "")),
                     entry.get("dim"), entry.get("sample_rate"), tuple(sorted(options.items())))


def _options(where: str, fam: str, options: Any) -> dict[str, Any]:
    if not isinstance(options, dict):
        raise ModelsFileError(f"{where}: 'options' must be a table")
    allowed = family(fam).options
    for key, value in options.items():
        if key not in allowed:
            raise ModelsFileError(f"{where}: option '{key}' does not apply to family {fam} "
                                  f"(it takes: {', '.join(allowed) or 'no options'})")
        types = OPTION_TYPES[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise ModelsFileError(f"{where}: option '{key}' must be {' or '.join(t.__name__ for t in types)}, "
                                  f"not {value!r}")
    if "window_seconds" in options and not 0.5 <= options["window_seconds"] <= 60:
        raise ModelsFileError(f"{where}: option 'window_seconds' must be between 0.5 and 60")
    if options.get("pooling", "mean") not in ("mean", "max"):
        raise ModelsFileError(f"{where}: option 'pooling' must be 'mean' or 'max'")
    return dict(options)
