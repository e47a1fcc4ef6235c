"""Experiment 2: signal types, including sounds outside human hearing.

Probe signals (app.analysis.probes) are rendered at 48 or 96 kHz, resampled to each
model's rate by the app's resampler (which is where ultrasound disappears for a 16 kHz
model) and embedded. For each probe and for the demo categories: the nearest demo
category centroid, the nearest vocabulary captions, the model's confidence (margin
between the best and the runner-up caption) and the cosine to silence.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.analysis import probes
from app.analysis.similarity import pca_2d
from app.audio import resample
from app.embedders.base import l2_normalize
from experiments.charts import Chart, series_by
from experiments.reading import models_of, num, one, per_model, pick

NAME = "signals"
TITLE = "Signal types"
QUESTION = ("Where do music, speech, field sounds, synthetic tones and noises, and signals outside human hearing "
            "(infrasound, ultrasound, DC, silence) land relative to the demo clusters, what do the nearest captions "
            "say, and how confident is the model?")
SECONDS = 4.0
TABLE_COLUMNS = ("model", "signal", "kind", "nearest_category", "category_cosine", "top_captions", "margin",
                 "cosine_to_silence")


@dataclass(frozen=True)
class Probe:
    name: str
    kind: str  # "audible", "outside hearing"
    rate: int
    make: object  # () -> float32 [T] at `rate`


def _tone(kind: str, freq: float, rate: int, amp: float = 0.5):
    return lambda: probes.generate(kind, SECONDS, rate, freq, amp)


def _dc(level: float, rate: int):
    return lambda: np.full(int(SECONDS * rate), level, np.float32)


PROBES: tuple[Probe, ...] = (
    Probe("sine 440 Hz", "audible", 48_000, _tone("sine", 440, 48_000)),
    Probe("square 220 Hz", "audible", 48_000, _tone("square", 220, 48_000)),
    Probe("sawtooth 110 Hz", "audible", 48_000, _tone("sawtooth", 110, 48_000)),
    Probe("chirp 50 Hz-16 kHz", "audible", 48_000, lambda: probes.generate("chirp", SECONDS, 48_000, 50, 0.5,
                                                                             end_frequency=16_000)),
    Probe("white noise", "audible", 48_000, _tone("white noise", 0, 48_000)),
    Probe("pink noise", "audible", 48_000, _tone("pink noise", 0, 48_000)),
    Probe("brown noise", "audible", 48_000, _tone("brown noise", 0, 48_000)),
    Probe("clicks 4/s", "audible", 48_000, _tone("clicks", 4, 48_000)),
    Probe("infrasound 10 Hz", "outside hearing", 48_000, _tone("sine", 10, 48_000, 0.9)),
    Probe("infrasound 17 Hz", "outside hearing", 48_000, _tone("sine", 17, 48_000, 0.9)),
    Probe("ultrasound 21 kHz @48k", "outside hearing", 48_000, _tone("sine", 21_000, 48_000, 0.9)),
    Probe("ultrasound 30 kHz @96k", "outside hearing", 96_000, _tone("sine", 30_000, 96_000, 0.9)),
    Probe("ultrasound 40 kHz @96k", "outside hearing", 96_000, _tone("sine", 40_000, 96_000, 0.9)),
    Probe("DC offset 0.5", "outside hearing", 48_000, _dc(0.5, 48_000)),
    Probe("silence", "outside hearing", 48_000, _dc(0.0, 48_000)),
)


def run(session) -> list[dict]:
    rows: list[dict] = []
    data = session.data
    categories = [c or "uncategorised" for c in data.column("category")]
    if not any(data.column("category")):
        categories = list(data.labels)
    for model in session.steps(session.models, "signals"):
        emb = session.embedder(model)
        audio = session.audio_embeddings(model)
        texts, vocab = session.vocabulary(model)
        names = sorted(set(categories))
        centroids = l2_normalize(np.stack([audio[[i for i, c in enumerate(categories) if c == n]].mean(0)
                                           for n in names]))
        waves = [resample(p.make(), p.rate, emb.sample_rate) for p in PROBES]
        probe_emb = emb.embed_audio(waves)
        silence = probe_emb[[p.name for p in PROBES].index("silence")]
        # a 2-D PCA fitted on the set's clips; probes and category centres are projected into it
        _, xy = pca_2d(audio, np.concatenate([probe_emb, centroids]))
        for probe, vec, wave, (x, y) in zip(PROBES, probe_emb, waves, xy):
            rows.append(_row(model, probe.name, probe.kind, vec, centroids, names, vocab, texts, silence)
                        | {"rms_at_model_rate_db": _db(wave), "map_x": float(x), "map_y": float(y)})
        for name, (x, y) in zip(names, xy[len(PROBES):]):  # the set's clips per category: real material
            members = [i for i, c in enumerate(categories) if c == name]
            margins = [_margin(audio[i], vocab) for i in members]
            row = _row(model, f"{name} clips (mean of {len(members)})", "set category",
                       l2_normalize(audio[members].mean(0, keepdims=True))[0], centroids, names, vocab, texts, silence)
            rows.append(row | {"margin": float(np.mean(margins)), "rms_at_model_rate_db": None,
                               "map_x": float(x), "map_y": float(y)})
    return rows


def _row(model, signal, kind, vec, centroids, names, vocab, texts, silence) -> dict:
    cat_scores = centroids @ vec
    scores = vocab @ vec
    top = np.argsort(-scores)[:3]
    return {"model": model, "signal": signal, "kind": kind,
            "nearest_category": names[int(np.argmax(cat_scores))], "category_cosine": float(cat_scores.max()),
            "top_captions": " / ".join(texts[i] for i in top), "top_score": float(scores[top[0]]),
            "margin": float(scores[top[0]] - scores[top[1]]), "cosine_to_silence": float(vec @ silence)}


def _margin(vec: np.ndarray, vocab: np.ndarray) -> float:
    s = np.sort(vocab @ vec)
    return float(s[-1] - s[-2])


def _db(wave: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(wave, dtype=np.float64))))
    return 20 * np.log10(rms) if rms > 1e-10 else -200.0


def charts(rows: list[dict]) -> list[Chart]:
    maps = [Chart(f"map-{m}", f"{m}: probes and set categories in a PCA map of the set", "scatter", "PC 1", "PC 2",
                  series_by([r for r in rows if r["model"] == m and r.get("map_x") is not None], "kind", "map_x",
                            "map_y", hover="signal")) for m in models_of(rows)]
    return maps + [Chart("margin", "confidence: best minus runner-up caption score", "bar", "signal", "margin",
                  series_by(rows, "model", "signal", "margin")),
            Chart("silence", "cosine to the embedding of silence", "bar", "signal", "cosine",
                  series_by(pick(rows, kind="outside hearing") + pick(rows, kind="audible"), "model", "signal",
                            "cosine_to_silence"))]


def readings(rows: list[dict]) -> list[str]:
    models = models_of(rows)
    if not models:
        return []
    out = []

    def get(model, signal, key):
        row = one(rows, model=model, signal=signal)
        return None if row is None else row.get(key)

    out.append("Ultrasound at 30 kHz (96 kHz file) is this close to silence after the model's resampling: "
               f"{per_model(models, lambda m: get(m, 'ultrasound 30 kHz @96k', 'cosine_to_silence'), lambda v: num(v, 3))}; "
               f"a 10 Hz infrasound tone: {per_model(models, lambda m: get(m, 'infrasound 10 Hz', 'cosine_to_silence'), lambda v: num(v, 3))}; "
               f"a DC offset: {per_model(models, lambda m: get(m, 'DC offset 0.5', 'cosine_to_silence'), lambda v: num(v, 3))}.")
    for m in models:
        silence = one(rows, model=m, signal="silence")
        if silence:
            out.append(f"{m} describes silence as “{silence['top_captions'].split(' / ')[0]}” "
                       f"(margin {silence['margin']:.3f}) and places it nearest the "
                       f"'{silence['nearest_category']}' clips.")
    cats = [r for r in rows if r["kind"] == "set category"]
    for m in models:
        mine = [r for r in cats if r["model"] == m]
        if mine:
            best = max(mine, key=lambda r: r["margin"])
            worst = min(mine, key=lambda r: r["margin"])
            out.append(f"{m} is most confident on {best['signal'].split(' clips')[0]} (mean margin {best['margin']:.3f}) "
                       f"and least on {worst['signal'].split(' clips')[0]} ({worst['margin']:.3f}).")
    return out
