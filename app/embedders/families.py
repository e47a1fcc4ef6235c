"""The model families the registry knows, and the spec of one registered model.

A family says how a model loads (its adapter class, imported lazily), whether it has
a text tower, which options a models file may set for it, and which optional package
it needs. Adding a family = one `Family` line here + one adapter module.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


class UnknownModelError(ValueError):
    """A name that is neither registered, a known hub id, nor a model directory."""


@dataclass(frozen=True)
class Family:
    """How the models of one family load and what they can do."""

    name: str
    adapter_path: str  # "module:Class" with a `from_spec(spec, precision)` classmethod
    has_text: bool
    options: tuple[str, ...]  # keys a models file may set under [models.NAME.options]
    description: str
    package: str = ""  # optional import the family needs ("" = always installed)
    install: str = ""  # the one command that installs it

    def adapter(self):
        """The adapter class (imported now, not at registry import: torch stays unloaded)."""
        module, _, cls = self.adapter_path.partition(":")
        return getattr(importlib.import_module(module), cls)

    def import_package(self, what: str):
        """The optional package this family needs, or a one-line error naming the install command."""
        from app.embedders.base import ModelUnavailableError

        try:
            return importlib.import_module(self.package)
        except ImportError as exc:
            raise ModelUnavailableError(f"{what} needs the optional package {self.package}: {self.install}") from exc


FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("mini", "app.embedders.mini:MiniEmbedder", True, (), "shipped mini models (CNN + frozen MiniLM)"),
    Family("hf-clap", "app.embedders.hf_clap:HFClapEmbedder", True, (), "LAION CLAP via transformers ClapModel"),
    Family("pe-audio", "app.embedders.pe_audio:PeAudioEmbedder", True, ("window_seconds",),
           "Meta Perception Encoder Audio via transformers PeAudioModel"),
    Family("ms-clap", "app.embedders.ms_clap:MSClapEmbedder", True, ("version",),
           "Microsoft CLAP via the msclap package", "msclap", "pip install msclap"),
    Family("muq-mulan", "app.embedders.muq_mulan:MuQMuLanEmbedder", True, ("window_seconds",),
           "MuQ-MuLan via the muq package", "muq", "pip install muq"),
    Family("hf-audio", "app.embedders.hf_audio:HFAudioEmbedder", False,
           ("layer", "pooling", "window_seconds", "trust_remote_code"),
           "audio-only encoders via transformers AutoModel (wav2vec2, HuBERT, AST, MERT...)"),
]}


def family(name: str) -> Family:
    """The family called `name`, or an error listing the known ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise UnknownModelError(f"unknown model family {name!r}: use one of {', '.join(FAMILIES)}") from None


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: family, where its weights come from, and what the registry knows."""

    name: str
    family: str
    source: str  # local directory or hub id
    description: str = ""
    licence: str = ""  # of the weights
    dim: int | None = None  # None: known once loaded
    sample_rate: int | None = None
    options: tuple[tuple[str, Any], ...] = ()  # sorted (key, value) pairs, e.g. (("layer", 6),)

    @property
    def has_text(self) -> bool:
        """Whether the family has a text tower."""
        return family(self.family).has_text

    def option(self, key: str, default: Any = None) -> Any:
        """One option's value (the family's default when the spec does not set it)."""
        return dict(self.options).get(key, default)

    def as_row(self) -> dict[str, Any]:
        """What `/models` and the Status tab list before a model is loaded."""
        return {"family": self.family, "dim": self.dim, "sample_rate": self.sample_rate, "licence": self.licence,
                "has_text": self.has_text, "source": self.source, "description": self.description,
                "options": dict(self.options)}
