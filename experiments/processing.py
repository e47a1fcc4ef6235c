"""Experiment 1: audio processing parameters.

Each condition transforms every clip's *source* waveform (decoded at its own rate by
`app.audio`), resamples it to the model's rate with the app's resampler, and embeds it
with `Embedder.embed_audio`, i.e. through the model's own preprocessing (windowing,
mel / ClapProcessor). Measured against the untouched clip: cosine drift (1 - cos), and
zero-shot accuracy / caption->audio R@10 on the set (app.analysis.metrics).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from app.analysis import metrics
from app.analysis.similarity import rank_agreement
from app.audio import prepare_waveform, resample
from app.embedders.base import l2_normalize
from experiments.charts import Chart, series_by
from experiments.reading import models_of, num, one, pct, per_model, pick, relative_loss

NAME = "processing"
TITLE = "Audio processing parameters"
QUESTION = ("How much do clip length, sample rate (band-limiting), level, channel fold-down and embedding "
            "normalisation move a clip's embedding, and what does that cost in zero-shot accuracy and R@10?")
LENGTHS_S = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
RATES_HZ = (8_000, 11_025, 16_000, 22_050, 32_000, 44_100)
LEVELS_DB = (-40.0, -30.0, -20.0, -10.0, 0.0)
TARGET_RMS_DB = -20.0  # loudness normalisation target (RMS dBFS)
CHANNEL_DELAYS_MS = (0.5, 5.0)
TABLE_COLUMNS = ("model", "parameter", "value", "drift_mean", "drift_p90", "accuracy", "accuracy_change",
                 "recall_at_10", "note")
Transform = Callable[[np.ndarray, int], np.ndarray]  # ([T] at rate) -> [T'] at the same rate


@dataclass(frozen=True)
class Condition:
    parameter: str
    value: float | str
    transform: Transform
    note: str = ""


# --- transforms: source waveform [T] at `rate` -> [T'] at `rate` ---------------------
def crop_or_pad(seconds: float) -> Transform:
    def apply(wave: np.ndarray, rate: int) -> np.ndarray:
        n = max(1, int(round(seconds * rate)))
        return wave[:n] if len(wave) >= n else np.pad(wave, (0, n - len(wave)))
    return apply


def band_limit(rate_hz: int) -> Transform:
    """Down to `rate_hz` and back (soxr, as the app resamples): removes content above rate_hz / 2."""
    def apply(wave: np.ndarray, rate: int) -> np.ndarray:
        if rate_hz >= rate:
            return wave
        out = resample(resample(wave, rate, rate_hz), rate_hz, rate)
        return out[: len(wave)] if len(out) >= len(wave) else np.pad(out, (0, len(wave) - len(out)))
    return apply


def peak_level(db: float, normalise_rms: bool) -> Transform:
    """Peak to `db` dBFS, stored as 16-bit PCM; then optionally RMS-normalised to TARGET_RMS_DB."""
    def apply(wave: np.ndarray, rate: int) -> np.ndarray:
        peak = float(np.max(np.abs(wave), initial=0.0))
        out = wave * (10 ** (db / 20) / peak) if peak > 0 else wave
        out = np.round(out * 32767) / 32767  # what a 16-bit file holds: quiet clips lose bits
        if normalise_rms:
            rms = float(np.sqrt(np.mean(out ** 2)))
            out = np.clip(out * (10 ** (TARGET_RMS_DB / 20) / rms), -1, 1) if rms > 0 else out
        return out.astype(np.float32)
    return apply


def stereo_fold(delay_ms: float, invert: bool = False) -> Transform:
    """Simulate a stereo pair (R = L delayed, or polarity-inverted at 90 %) and fold it down
    with the app's own mono path (`prepare_waveform` averages channels)."""
    def apply(wave: np.ndarray, rate: int) -> np.ndarray:
        shift = int(round(delay_ms * rate / 1000))
        right = -0.9 * wave if invert else np.concatenate([np.zeros(shift, np.float32), wave[: len(wave) - shift]])
        return prepare_waveform(np.stack([wave, right], axis=1), rate).samples
    return apply


def conditions() -> list[Condition]:
    out = [Condition("clip length (s)", s, crop_or_pad(s), "crop, or pad with silence") for s in LENGTHS_S]
    out += [Condition("sample rate (kHz)", r / 1000, band_limit(r)) for r in RATES_HZ]
    out += [Condition("peak level (dBFS)", db, peak_level(db, False)) for db in LEVELS_DB]
    out += [Condition("peak level, RMS-normalised (dBFS)", db, peak_level(db, True)) for db in LEVELS_DB]
    out += [Condition("channels", "one channel", lambda w, r: w)]
    out += [Condition("channels", f"fold-down, {d:g} ms delay", stereo_fold(d)) for d in CHANNEL_DELAYS_MS]
    out += [Condition("channels", "fold-down, R inverted", stereo_fold(0, invert=True))]
    return out


# --- the run -------------------------------------------------------------------------
def run(session) -> list[dict]:
    rows: list[dict] = []
    sources = session.sources()
    max_rate = max(r for _, r in sources)
    for model in session.steps(session.models, "processing"):
        emb = session.embedder(model)
        ref = session.audio_embeddings(model)
        scorer = _Scorer(session, model)
        base = scorer.score(ref)
        for cond in session.steps(conditions(), f"processing {model}"):
            note = cond.note
            if cond.parameter.startswith("sample rate") and cond.value * 1000 >= max_rate:
                vectors, note = ref, f"no-op: the set is at most {max_rate / 1000:g} kHz"
            else:
                waves = [resample(cond.transform(w, r), r, emb.sample_rate) for w, r in sources]
                vectors = emb.embed_audio(waves)
            drift = 1.0 - np.sum(ref * vectors, axis=1)
            scores = scorer.score(vectors)
            rows.append({"model": model, "parameter": cond.parameter, "value": cond.value,
                         "drift_mean": float(drift.mean()), "drift_p90": float(np.quantile(drift, 0.9)),
                         **scores, "accuracy_change": scores["accuracy"] - base["accuracy"], "note": note})
        rows += normalisation_rows(session, model)
    return rows


class _Scorer:
    """Zero-shot accuracy over the set's labels and caption->audio R@10 for one model."""

    def __init__(self, session, model: str) -> None:
        data = session.data
        self.classes = session.class_embeddings(model)
        self.labels = data.label_index()
        captions = [c for c in dict.fromkeys(data.captions) if c]
        self.caption_emb = session.embedder(model).embed_text(captions) if captions else None
        self.gt = [[i for i, c in enumerate(data.captions) if c == cap] for cap in captions]

    def score(self, audio: np.ndarray) -> dict[str, float | None]:
        acc, _ = metrics.zero_shot_accuracy(audio, self.classes, self.labels)
        r10 = None
        if self.caption_emb is not None:
            r10 = metrics.recall_at_k(self.caption_emb, audio, self.gt, ks=(10,))["R@10"]
        return {"accuracy": acc, "recall_at_10": r10}


def normalisation_rows(session, model: str) -> list[dict]:
    """Raw dot products vs cosines. The raw vectors come from the embedder's own hooks
    (`_embed_waveforms`, `_embed_texts`: the model output before the final L2 norm)."""
    emb, data = session.embedder(model), session.data
    waves = session.waves(model)
    raw_audio = np.concatenate([emb._embed_waveforms(waves[i:i + emb.batch_size])
                                for i in range(0, len(waves), emb.batch_size)])
    raw_text = emb._embed_texts(data.classes)
    unit_audio, unit_text = l2_normalize(raw_audio), l2_normalize(raw_text)
    labels = np.asarray(data.label_index())
    out = []
    for name, a, t in (("cosine", unit_audio, unit_text), ("raw dot product", raw_audio, raw_text)):
        acc = float(np.mean(np.argmax(a @ t.T, axis=1) == labels))
        agree = [rank_agreement(unit_audio @ unit_text[c], a @ t[c], k=10) for c in range(len(t))]
        out.append({"model": model, "parameter": "embedding normalisation", "value": name,
                    "drift_mean": 0.0, "drift_p90": 0.0, "accuracy": acc, "recall_at_10": None,
                    "accuracy_change": acc - float(np.mean(np.argmax(unit_audio @ unit_text.T, axis=1) == labels)),
                    "rank_spearman_vs_cosine": float(np.nanmean([g.spearman for g in agree])),
                    "top10_overlap_vs_cosine": float(np.mean([g.top_k_overlap for g in agree])),
                    "norm_cv_audio": float(np.std(np.linalg.norm(raw_audio, axis=1)) / np.mean(np.linalg.norm(raw_audio, axis=1))),
                    "norm_cv_text": float(np.std(np.linalg.norm(raw_text, axis=1)) / np.mean(np.linalg.norm(raw_text, axis=1))),
                    "note": "labels as plain text (no prompt ensemble)"})
    return out


# --- figures and reading ---------------------------------------------------------------
NUMERIC = ("clip length (s)", "sample rate (kHz)", "peak level (dBFS)", "peak level, RMS-normalised (dBFS)")


def charts(rows: list[dict]) -> list[Chart]:
    out = []
    for param, stem in zip(NUMERIC, ("length", "rate", "level", "level-normalised")):
        for metric, label in (("drift_mean", "mean cosine drift (1 - cos)"), ("accuracy", "zero-shot accuracy")):
            series = series_by(rows, "model", "value", metric, where={"parameter": param})
            if series:
                out.append(Chart(f"{stem}-{metric.split('_')[0]}", f"{label} vs {param}", "line", param, label,
                                 series, log_x=param.startswith("clip length")))
    categorical = [r for r in rows if r["parameter"] in ("channels",)]
    if categorical:
        out.append(Chart("channels-drift", "cosine drift of channel fold-downs", "bar", "condition",
                         "mean cosine drift", series_by(categorical, "model", "value", "drift_mean")))
    return out


def readings(rows: list[dict]) -> list[str]:
    models = models_of(rows)
    if not models:
        return []
    out = []

    def value(model: str, param: str, val, key: str = "accuracy"):
        row = one(rows, model=model, parameter=param, value=val)
        return None if row is None else row.get(key)

    ref = {m: _reference_accuracy(rows, m) for m in models}
    lowest = min(RATES_HZ) / 1000
    loss = lambda m: relative_loss(ref[m], value(m, "sample rate (kHz)", lowest))  # noqa: E731
    out.append(f"Band-limited to {lowest:g} kHz (nothing above {lowest / 2:g} kHz), the models lose this share of "
               f"their zero-shot accuracy: {per_model(models, loss, pct)} (untouched accuracy "
               f"{per_model(models, lambda m: ref[m], num)}; drift "
               f"{per_model(models, lambda m: value(m, 'sample rate (kHz)', lowest, 'drift_mean'), num)}).")
    noop = [r for r in pick(rows, parameter="sample rate (kHz)") if r.get("note", "").startswith("no-op")]
    if noop:
        out.append(f"Rates of {min(r['value'] for r in noop):g} kHz and above change nothing here: "
                   f"{noop[0]['note'].removeprefix('no-op: ')}.")
    short = min(LENGTHS_S)
    out.append(f"A {short:g} s crop moves the embedding by {per_model(models, lambda m: value(m, 'clip length (s)', short, 'drift_mean'), num)} "
               f"and changes accuracy by {per_model(models, lambda m: value(m, 'clip length (s)', short, 'accuracy_change'), _signed)}; "
               f"padding to {max(LENGTHS_S):g} s with silence: drift "
               f"{per_model(models, lambda m: value(m, 'clip length (s)', max(LENGTHS_S), 'drift_mean'), num)}.")
    quiet = min(LEVELS_DB)
    out.append(f"At {quiet:g} dBFS peak (16-bit) the drift is {per_model(models, lambda m: value(m, 'peak level (dBFS)', quiet, 'drift_mean'), num)}; "
               f"with RMS normalisation it is {per_model(models, lambda m: value(m, 'peak level, RMS-normalised (dBFS)', quiet, 'drift_mean'), num)}.")
    out.append("Folding an out-of-phase stereo pair to mono (R = -0.9 L) drifts by "
               f"{per_model(models, lambda m: value(m, 'channels', 'fold-down, R inverted', 'drift_mean'), num)}; "
               f"a 5 ms inter-channel delay by {per_model(models, lambda m: value(m, 'channels', 'fold-down, 5 ms delay', 'drift_mean'), num)}.")
    out.append("Raw dot products instead of cosines change zero-shot accuracy by "
               f"{per_model(models, lambda m: value(m, 'embedding normalisation', 'raw dot product', 'accuracy_change'), _signed)} "
               "(text norms vary: coefficient of variation "
               f"{per_model(models, lambda m: value(m, 'embedding normalisation', 'raw dot product', 'norm_cv_text'), num)}); "
               "text->audio rankings keep a Spearman rho of "
               f"{per_model(models, lambda m: value(m, 'embedding normalisation', 'raw dot product', 'rank_spearman_vs_cosine'), lambda v: num(v, 3))}.")
    return out


def _reference_accuracy(rows: list[dict], model: str) -> float | None:
    """Accuracy on the untouched clips: every row stores accuracy and its change from it."""
    row = next((r for r in rows if r["model"] == model and r.get("accuracy") is not None
                and r.get("accuracy_change") is not None and r["parameter"] != "embedding normalisation"), None)
    return None if row is None else row["accuracy"] - row["accuracy_change"]


def _signed(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:+.0f} pts"
