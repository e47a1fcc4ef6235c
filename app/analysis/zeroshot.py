"""Zero-shot class prompts: a label -> one text embedding averaged over prompt templates.

Averaging the unit text embeddings of several phrasings ("prompt ensembling", as in
CLIP and LAION-CLAP) makes a class vector less sensitive to how one template happens
to be worded. The defaults are deliberately generic (sounds, instruments, music and
speech alike); pass your own with `--templates` when your labels suit a narrower
phrasing (e.g. "music played on {label}" for instrument names).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PLACEHOLDER = "{label}"
DEFAULT_TEMPLATES: tuple[str, ...] = (
    "{label}",
    "the sound of {label}",
    "a recording of {label}",
    "this is a sound of {label}",
)


def model_templates(embedder) -> tuple[str, ...]:
    """The templates a model was trained and validated with (its `prompt_templates`,
    recorded in the shipped models' config.json), else `DEFAULT_TEMPLATES`."""
    return validate_templates(getattr(embedder, "prompt_templates", None) or DEFAULT_TEMPLATES)


def prompt_label(label: str) -> str:
    """How a label reads inside a prompt: underscores to spaces, whitespace collapsed."""
    return " ".join(str(label).replace("_", " ").split())


def validate_templates(templates: Sequence[str]) -> tuple[str, ...]:
    """Return the templates as a tuple; ValueError when empty or one lacks "{label}"."""
    out = tuple(str(t) for t in templates)
    if not out:
        raise ValueError("at least one prompt template is needed")
    bad = [t for t in out if PLACEHOLDER not in t]
    if bad:
        raise ValueError(f"every template must contain {PLACEHOLDER}; these do not: {bad}")
    return out


def fill(template: str, label: str) -> str:
    """Put a label into a template (plain replace, so braces in labels are harmless)."""
    return template.replace(PLACEHOLDER, prompt_label(label))


def class_text_embeddings(embedder, labels: Sequence[str],
                          templates: Sequence[str] | None = None) -> np.ndarray:
    """[C, D] float32: per label, the renormalised mean of its templates' unit text embeddings.

    `embedder` is anything with `embed_text(list[str]) -> [N, D]` (an `Embedder`);
    `templates` default to the model's own (`model_templates`).
    All C x T prompts go through one `embed_text` call so the model batches them.
    """
    templates = validate_templates(templates) if templates is not None else model_templates(embedder)
    labels = [str(label) for label in labels]
    if not labels:
        raise ValueError("no labels to embed")
    prompts = [fill(t, label) for label in labels for t in templates]
    emb = np.asarray(embedder.embed_text(prompts), dtype=np.float32)
    emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    mean = emb.reshape(len(labels), len(templates), -1).mean(axis=1)
    return (mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)).astype(np.float32)
