"""Experiment 5: applications.

(a) Similar-track suggestions: precision@k of audio->audio neighbours (cosine, the clip
itself excluded) that share the clip's instrument / family / mood / category / label —
`app.analysis.metrics.knn_purity` over the clips that have the field — next to chance.
(b) From a recording to speech: each clip's pseudo-caption (its nearest vocabulary caption)
spoken by espeak-ng (`app.speech`); the WAVs go under <out>/speech/ when an output folder
is given, and each spoken caption is embedded back to see whether the model hears speech.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from app.analysis import metrics
from experiments.charts import Chart, series_by
from experiments.reading import models_of, num, one, per_model, pick

NAME = "applications"
TITLE = "Applications: similar tracks and spoken pseudo-captions"
QUESTION = ("Do a clip's nearest neighbours share its instrument, mood or category (precision@k vs chance)? "
            "Can the app say aloud what it hears?")
KS = (1, 5, 10)
FIELDS = ("label", "instrument", "family", "mood", "category")
TABLE_COLUMNS = ("model", "part", "field", "k", "precision", "chance", "n", "clip", "caption", "file",
                 "heard_as", "note")


def run(session) -> list[dict]:
    rows: list[dict] = []
    data = session.data
    out_dir = session.out_dir
    for model in session.steps(session.models, "applications"):
        audio = session.audio_embeddings(model)
        for field in FIELDS:
            values = list(data.labels) if field == "label" else list(data.column(field))
            keep = [i for i, v in enumerate(values) if v]
            if len(keep) < 3 or len(set(values[i] for i in keep)) < 2:
                continue
            labels = [values[i] for i in keep]
            chance = _chance(labels)
            for k in KS:
                rows.append({"model": model, "part": "similar tracks", "field": field, "k": k,
                             "precision": metrics.knn_purity(audio[keep], labels, k), "chance": chance,
                             "n": len(keep)})
        rows += spoken_rows(session, model, out_dir)
    return rows


def _chance(labels: list[str]) -> float:
    """Expected precision of random neighbours: mean over clips of (same-label others) / (N - 1)."""
    _, counts = np.unique(labels, return_counts=True)
    n = len(labels)
    return float(np.sum(counts * (counts - 1)) / (n * (n - 1)))


def spoken_rows(session, model: str, out_dir: Path | None) -> list[dict]:
    from app import speech

    data, emb = session.data, session.embedder(model)
    count = min(session.config.speak, len(data))
    if count <= 0:
        return []
    if not speech.available():
        return [{"model": model, "part": "spoken caption", "note": "espeak-ng is not installed "
                 "(pip install espeakng-loader): no speech"}]
    texts, vocab = session.vocabulary(model)
    audio = session.audio_embeddings(model)
    picks = np.unique(np.linspace(0, len(data) - 1, count).round().astype(int))
    rows = []
    for i in picks:
        session.check()
        order = np.argsort(-(vocab @ audio[i]))
        caption = speech.describe([texts[j] for j in order[:2]])
        samples, rate = speech.speak(caption)
        file = ""
        if out_dir is not None:
            from app.analysis.probes import write_wav

            folder = Path(out_dir) / "speech"
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{model.replace('/', '_')}-{Path(data.files[i]).stem}.wav"
            write_wav(samples, rate, folder / name)
            file = f"speech/{name}"
        from app.audio import resample

        back = emb.embed_audio([resample(samples, rate, emb.sample_rate)])[0]
        heard = texts[int(np.argmax(vocab @ back))]
        rows.append({"model": model, "part": "spoken caption", "clip": Path(data.files[i]).name,
                     "caption": caption, "reference": data.captions[i], "file": file,
                     "seconds": len(samples) / rate, "heard_as": heard})
    return rows


def charts(rows: list[dict]) -> list[Chart]:
    tracks = pick(rows, part="similar tracks")
    out = []
    for k in (5,):
        sel = pick(tracks, k=k)
        out.append(Chart(f"precision-at-{k}", f"similar tracks: precision@{k} by shared field", "bar", "field",
                         f"precision@{k}", series_by(sel, "model", "field", "precision")
                         + series_by([{**r, "model": "chance"} for r in sel if r["model"] == sel[0]["model"]],
                                     "model", "field", "chance") if sel else ()))
    return out


def readings(rows: list[dict]) -> list[str]:
    models = models_of(rows)
    if not models:
        return []
    out = []
    for field in FIELDS:
        ref = one(rows, part="similar tracks", field=field, k=5)
        if ref:
            out.append(f"Precision@5 for the same {field}: "
                       f"{per_model(models, lambda m: (one(rows, model=m, part='similar tracks', field=field, k=5) or {}).get('precision'), num)} "
                       f"(chance {ref['chance']:.2f}).")
    for m in models:
        spoken = pick(rows, model=m, part="spoken caption")
        said = [r for r in spoken if r.get("caption")]
        if said:
            speechy = sum("speech" in r["heard_as"].lower() or "voice" in r["heard_as"].lower()
                          or "speak" in r["heard_as"].lower() for r in said)
            out.append(f"{m} spoke {len(said)} pseudo-captions (e.g. “{said[0]['caption']}” for "
                       f"{said[0]['clip']}); played back to the model, {speechy} of {len(said)} were heard as speech "
                       f"(first: “{said[0]['heard_as']}”).")
        elif spoken:
            out.append(f"{m}: {spoken[0].get('note', 'no speech')}.")
    return out
