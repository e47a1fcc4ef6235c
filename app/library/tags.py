"""Zero-shot auto-tags per facet, computed from a clip's audio embedding and the built-in vocabulary.

Facets (sample_data/vocab/facets.json): a gating facet `kind` (instrument / drums / speech /
sound effect / signal) decides which other facets apply (instrument, family, mood, genre for
music; drum piece for drums; category for sound effects; voice + language guess for speech;
tone/noise/silence for signals). Within a facet the cosines to its prompts go through a
softmax at `TagConfig.temperature`, so a score is a probability among that facet's tags —
comparable across models, unlike raw cosines.

Tags need only the stored vectors, never the audio: ingest tags each batch as it is embedded
(`tag_payloads`), and `retag_collection` recomputes every point of a collection after a model
or vocabulary change. Payload fields written:
- `auto_tags`: [{"facet", "tag", "score", "model"}], best facet first;
- `file_tags`: the tags ingest derived from folders / file name / metadata (kept apart so
  re-tagging can rebuild `tags` without losing them);
- `tags`: file tags + auto tag words — the keyword-indexed field filters and BM25 use.
"""
from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from app.settings import VOCAB_DIR

AUTO_FIELD = "auto_tags"
FILE_TAGS_FIELD = "file_tags"
KIND_FACET = "kind"
FACETS_FILE = "facets.json"


@dataclass(frozen=True)
class Facet:
    """One facet: tag words, the prompt embedded for each, and the kinds it applies to."""

    name: str
    tags: tuple[str, ...]
    prompts: tuple[str, ...]
    applies_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagConfig:
    """Softmax temperature over a facet's cosines, and which tags are kept.

    A facet's best tag is kept when its probability is at least `min_lift` times uniform
    (1/len(tags)); a runner-up is kept too when it reaches `second_ratio` of the best.
    """

    temperature: float = 0.02
    min_lift: float = 1.5
    second_ratio: float = 0.6

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")


def load_facets(path: str | Path | None = None) -> tuple[Facet, ...]:
    """Facets from facets.json; `kind` first. Raises ValueError naming the file on bad content."""
    path = Path(path) if path else Path(VOCAB_DIR) / FACETS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        facets = []
        for name, spec in raw.items():
            if name.startswith("_"):
                continue
            words = spec["tags"]
            pairs = list(words.items()) if isinstance(words, dict) else [(w, spec["template"].format(w)) for w in words]
            facets.append(Facet(name, tuple(w for w, _ in pairs), tuple(p for _, p in pairs),
                                tuple(spec.get("applies_to", ()))))
    except (OSError, ValueError, KeyError, AttributeError, TypeError) as exc:
        raise ValueError(f"{path}: not a valid facets file ({type(exc).__name__}: {exc})") from None
    facets.sort(key=lambda f: f.name != KIND_FACET)
    if not facets or facets[0].name != KIND_FACET:
        raise ValueError(f"{path}: needs a '{KIND_FACET}' facet")
    return tuple(facets)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class Tagger:
    """Tags audio embeddings of one model. Prompt embeddings [P, D] are computed on first use."""

    def __init__(self, embedder, facets: Sequence[Facet] | None = None, config: TagConfig = TagConfig()):
        self.embedder = embedder
        self.facets = tuple(facets) if facets is not None else load_facets()
        self.config = config
        self._prompts: np.ndarray | None = None  # [P, D], facets concatenated in order
        bounds = np.cumsum([0] + [len(f.tags) for f in self.facets])
        self._slices = {f.name: slice(int(a), int(b)) for f, a, b in zip(self.facets, bounds[:-1], bounds[1:])}

    @property
    def model(self) -> str:
        return self.embedder.name

    def facet_slice(self, facet: str) -> slice:
        """Columns of `prompt_vectors()` that belong to `facet`."""
        return self._slices[facet]

    def prompt_vectors(self) -> np.ndarray:
        if self._prompts is None:
            self._prompts = self.embedder.embed_text([p for f in self.facets for p in f.prompts])
        return self._prompts

    def tag(self, vectors: np.ndarray) -> list[list[dict]]:
        """Tags for each row of `vectors` [N, D] (unit audio embeddings of this model)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.embedder.dim:
            raise ValueError(f"expected vectors [N, {self.embedder.dim}] of {self.model}, got {list(vectors.shape)}")
        cosines = vectors @ self.prompt_vectors().T  # [N, P]
        probs = {f.name: _softmax(cosines[:, self.facet_slice(f.name)] / self.config.temperature) for f in self.facets}
        kinds = self.facets[0]
        out = []
        for i in range(len(vectors)):
            kind = kinds.tags[int(np.argmax(probs[kinds.name][i]))]
            tags: list[dict] = []
            for facet in self.facets:
                if facet is kinds or kind in facet.applies_to:
                    tags.extend(self._facet_tags(facet, probs[facet.name][i], always=facet is kinds))
            out.append(tags)
        return out

    def _facet_tags(self, facet: Facet, p: np.ndarray, always: bool) -> list[dict]:
        order = np.argsort(-p)[:2]
        best = float(p[order[0]])
        if not always and best < self.config.min_lift / len(facet.tags):
            return []
        # `kind` is exclusive (it gates the other facets); elsewhere a close runner-up is kept too
        keep = [order[0]] + [j for j in order[1:] if not always and p[j] >= self.config.second_ratio * best]
        return [{"facet": facet.name, "tag": facet.tags[j], "score": round(float(p[j]), 4), "model": self.model}
                for j in keep]


_TAGGERS: "weakref.WeakKeyDictionary[object, Tagger]" = weakref.WeakKeyDictionary()


def tagger_for(embedder) -> Tagger:
    """The embedder's Tagger, kept as long as the embedder lives (prompts embedded once)."""
    if embedder not in _TAGGERS:
        _TAGGERS[embedder] = Tagger(embedder)
    return _TAGGERS[embedder]


def with_tags(payload: dict, tags: list[dict]) -> dict:
    """A copy of `payload` whose auto tags are `tags`; file tags are kept, `tags` rebuilt."""
    out = dict(payload)
    file_tags = out.get(FILE_TAGS_FIELD)
    if file_tags is None:  # first tagging: whatever `tags` holds now came from folders/metadata
        file_tags = list(out.get("tags") or [])
    out[FILE_TAGS_FIELD] = file_tags
    out[AUTO_FIELD] = tags
    out["tags"] = list(dict.fromkeys([*file_tags, *(t["tag"] for t in tags)]))
    return out


def tag_payloads(embedder, vectors: np.ndarray, payloads: list[dict]) -> list[dict]:
    """The ingest hook: payloads of one embedded batch with this model's auto tags added.

    Zero-shot tags need a text tower: an audio-only model's payloads keep their file tags only.
    """
    from app.embedders.base import supports_text

    if not supports_text(embedder):
        return payloads
    return [with_tags(p, t) for p, t in zip(payloads, tagger_for(embedder).tag(vectors))]


def retag_collection(store, name: str, tagger: Tagger, batch: int = 512,
                     progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute the auto tags of every point in collection `name`; returns how many were tagged.

    Ids are listed first, then points are read and written back in batches (vectors
    unchanged, new payload: the store API has no payload-only update), so memory holds one
    batch of vectors plus the id list. Rebuilds the index at the end.
    """
    ids = [hit.id for hit, _ in store.scroll(name)]
    for start in range(0, len(ids), batch):
        points = store.retrieve(name, ids[start:start + batch], with_vectors=True)
        if points:
            matrix = np.stack([vec for _, vec in points])
            payloads = [with_tags(hit.payload, tags) for (hit, _), tags in zip(points, tagger.tag(matrix))]
            store.upsert(name, [hit.id for hit, _ in points], matrix, payloads)
        if progress:
            progress(min(start + batch, len(ids)), len(ids))
    if ids:
        store.optimize(name)
    store.flush()
    return len(ids)


def facet_counts(store, name: str, set_name: str | None = None) -> dict[str, list[tuple[str, int]]]:
    """{facet: [(tag, number of clips), ...] most common first} over a collection's auto tags."""
    counts: dict[str, dict[str, int]] = {}
    for hit, _ in store.scroll(name, set_name=set_name):
        for t in {(t.get("facet"), t.get("tag")) for t in hit.payload.get(AUTO_FIELD) or []}:
            counts.setdefault(t[0], {}).setdefault(t[1], 0)
            counts[t[0]][t[1]] += 1
    return {facet: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for facet, c in counts.items()}
