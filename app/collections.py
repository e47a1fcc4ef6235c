"""One resolver per concept: which collection a model's vectors live in, and what "all sets" means.

Every caller (search, indexing, bootstrap, maps, the API) goes through these functions, so a
model given as a registry name, a hub id or a directory always lands in the same collection.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from app.store import collection_name, model_slug

if TYPE_CHECKING:
    from app.embedders import Embedder
    from app.store import VectorStore

Kind = Literal["audio", "captions"]
ALL_SETS = "(all sets)"  # the set pickers' label for "no set filter"


def model_key(model: "str | Embedder") -> str:
    """The model's slug: a loaded embedder's name, or a name / hub id / directory resolved first.

    "laion/clap-htsat-unfused" and "clap-htsat-unfused" resolve to the same registered model,
    so both give "clap-htsat-unfused" (raises UnknownModelError for a name nothing resolves).
    """
    if isinstance(model, str):
        from app.embedders import resolve

        return model_slug(resolve(model).name)
    return model_slug(model.name)


def collection_of(model: "str | Embedder", kind: Kind = "audio") -> str:
    """`<slug>__audio` or `<slug>__captions` for a model name, directory or loaded embedder."""
    return collection_name(model_key(model), kind)


def set_filter(value: str | None) -> str | None:
    """A set picker's or API argument's value -> the store's set filter (None = every set)."""
    text = "" if value is None else str(value).strip()
    return None if text in ("", ALL_SETS) else text


def stored_sets(store: "VectorStore", model: "str | Embedder") -> dict[str, int]:
    """{set name: clip count} in the model's audio collection; {} when it has none yet."""
    name = collection_of(model, "audio")
    return dict(store.sets(name)) if store.has_collection(name) else {}
