"""Embedders: a name, hub id or local directory -> `Embedder` with `embed_audio` / `embed_text`."""
from app.embedders.base import (Embedder, EmbedderInfo, ModelUnavailableError, TextUnsupportedError, l2_normalize,
                                require_text, supports_text)
from app.embedders.families import FAMILIES, ModelSpec, UnknownModelError
from app.embedders.registry import (DEFAULT_MODELS, REGISTRY, all_specs, available_models, load_embedder,
                                    loaded_embedders, model_has_text, resolve)

__all__ = ["Embedder", "EmbedderInfo", "ModelUnavailableError", "TextUnsupportedError", "l2_normalize", "require_text",
           "supports_text", "FAMILIES", "ModelSpec", "UnknownModelError", "DEFAULT_MODELS", "REGISTRY", "all_specs",
           "available_models", "load_embedder", "loaded_embedders", "model_has_text", "resolve"]
