"""Experiment 3: what descriptions are sensitive to.

(a) Per clip, a caption built from its metadata and variants that change exactly one
aspect (instrument, mood, tempo, key/mode, register, recording space, language); the score
drop from the true caption to its variants says whether the model hears that aspect.
(b) The text-text similarity structure of the built-in vocabulary.
(c) Audio-audio vs audio-text agreement: do clips the model puts close get close captions?
The set has no genre labels, so genre is not tested (no ground truth to swap from).
"""
from __future__ import annotations

import numpy as np

from app.analysis import metrics
from experiments.charts import Chart, series_by
from experiments.reading import models_of, num, one, per_model, pick

NAME = "descriptions"
TITLE = "What the descriptions are sensitive to"
QUESTION = ("Which aspects of a caption (instrument, mood, tempo, mode, register, recording space, language) does "
            "a model actually hear, how is its text space structured, and do audio neighbours get similar captions?")
ALTERNATIVES = 3  # variants per clip and aspect
NEIGHBOURS = 5
TEMPO, MODE, REGISTER = ("slow", "moderate", "fast"), ("major", "minor"), ("low", "mid", "high")
SPACES = {"large hall": "in a large hall", "room": "in a small room", "small room": "in a small room"}
DRY = "close-miked and dry"
TABLE_COLUMNS = ("model", "part", "aspect", "score_drop", "win_rate", "n", "value", "note")


def aspects_of(data, i: int) -> dict[str, str]:
    """The known aspects of clip i, from its metadata and tags ("" fields are unknown)."""
    tags = set(data.tags[i]) if data.tags else set()
    out = {"instrument": data.column("instrument")[i], "mood": data.column("mood")[i],
           "language": data.column("language")[i]}
    out["tempo"] = next((t for t in TEMPO if t in tags), "")
    out["mode"] = next((t for t in MODE if t in tags), "")
    out["register"] = next((t for t in REGISTER if t in tags), "")
    if data.tags:
        out["space"] = next((SPACES[t] for t in SPACES if t in tags), DRY)
    return {k: v for k, v in out.items() if v}


def caption_from(a: dict[str, str]) -> str:
    """A caption from aspects; every aspect sits in a fixed slot so a swap changes one word or phrase."""
    if "language" in a and "instrument" not in a:
        head = f"{a['language']} speech"
    else:
        words = [a.get("mood", ""), f"{a['tempo']} tempo" if "tempo" in a else "", a.get("instrument", "sound")]
        head = " ".join(w for w in words if w)
        if "mode" in a:
            head += f" in a {a['mode']} key"
        if "register" in a:
            head += f", {a['register']} register"
    return f"{head}, {a['space']}" if "space" in a else head


def variants(data) -> list[tuple[int, str, str, list[str]]]:
    """(clip, aspect, true caption, captions with that aspect swapped) for every known aspect."""
    values: dict[str, list[str]] = {}
    per_clip = [aspects_of(data, i) for i in range(len(data))]
    for a in per_clip:
        for k, v in a.items():
            values.setdefault(k, [])
            if v not in values[k]:
                values[k].append(v)
    values["space"] = list(dict.fromkeys([*SPACES.values(), DRY]))
    rng = np.random.default_rng(0)
    out = []
    for i, a in enumerate(per_clip):
        for aspect, value in a.items():
            others = [v for v in values[aspect] if v != value]
            if not others:
                continue
            pick_ = rng.choice(len(others), min(ALTERNATIVES, len(others)), replace=False)
            out.append((i, aspect, caption_from(a), [caption_from({**a, aspect: others[j]}) for j in pick_]))
    return out


def run(session) -> list[dict]:
    rows: list[dict] = []
    data = session.data
    tests = variants(data)
    for model in session.steps(session.models, "descriptions"):
        emb = session.embedder(model)
        audio = session.audio_embeddings(model)
        texts = list(dict.fromkeys([t for _, _, true, alts in tests for t in (true, *alts)]))
        index = {t: j for j, t in enumerate(texts)}
        text_emb = emb.embed_text(texts) if texts else np.zeros((0, emb.dim), np.float32)
        rows += _aspect_rows(model, tests, audio, text_emb, index)
        session.check()
        rows += _structure_rows(model, *session.vocabulary(model))
        rows += _agreement_rows(model, data, audio, emb)
    return rows


def _aspect_rows(model, tests, audio, text_emb, index) -> list[dict]:
    drops: dict[str, list[float]] = {}
    wins: dict[str, list[float]] = {}
    for i, aspect, true, alts in tests:
        s_true = float(audio[i] @ text_emb[index[true]])
        s_alt = np.array([audio[i] @ text_emb[index[t]] for t in alts])
        drops.setdefault(aspect, []).append(s_true - float(s_alt.mean()))
        wins.setdefault(aspect, []).append(float(np.mean(s_true > s_alt)))
    return [{"model": model, "part": "aspect", "aspect": k, "score_drop": float(np.mean(drops[k])),
             "win_rate": float(np.mean(wins[k])), "n": len(drops[k])} for k in drops]


def _structure_rows(model, texts, vocab) -> list[dict]:
    stats = metrics.collapse_stats(vocab)
    sims = vocab @ vocab.T
    iu = np.triu_indices(len(vocab), 1)
    pairs = sims[iu]
    order = np.argsort(-pairs)
    close = [f"{texts[iu[0][j]]} ~ {texts[iu[1][j]]}" for j in order[:3]]
    far = f"{texts[iu[0][order[-1]]]} ~ {texts[iu[1][order[-1]]]}"
    hist, edges = np.histogram(pairs, bins=20, range=(-1, 1))
    out = [{"model": model, "part": "text structure", "aspect": key, "value": float(val), "n": len(texts)}
           for key, val in stats.items()]
    out.append({"model": model, "part": "text structure", "aspect": "most similar pairs", "value": None,
                "n": len(texts), "note": " | ".join(close) + f" || least similar: {far}"})
    out += [{"model": model, "part": "text cosine histogram", "aspect": f"{(lo + hi) / 2:.2f}",
             "value": float(c / len(pairs)), "bin_centre": float((lo + hi) / 2)} for lo, hi, c in zip(edges[:-1], edges[1:], hist)]
    return out


def _agreement_rows(model, data, audio, emb) -> list[dict]:
    """Spearman between the audio-audio and caption-caption similarity of the same clip pairs,
    and how many of a clip's audio neighbours are also its caption's neighbours."""
    from scipy.stats import spearmanr

    keep = [i for i, c in enumerate(data.captions) if c]
    if len(keep) < NEIGHBOURS + 2:
        return [{"model": model, "part": "agreement", "aspect": "audio-audio vs caption-caption", "value": None,
                 "note": "the set has too few captions"}]
    a = audio[keep]
    t = emb.embed_text([data.captions[i] for i in keep])
    sa, st = a @ a.T, t @ t.T
    iu = np.triu_indices(len(keep), 1)
    rho = float(spearmanr(sa[iu], st[iu]).statistic)
    np.fill_diagonal(sa, -np.inf)
    np.fill_diagonal(st, -np.inf)
    na = np.argsort(-sa, axis=1)[:, :NEIGHBOURS]
    nt = np.argsort(-st, axis=1)[:, :NEIGHBOURS]
    overlap = float(np.mean([len(set(x) & set(y)) / NEIGHBOURS for x, y in zip(na, nt)]))
    chance = NEIGHBOURS / (len(keep) - 1)
    return [{"model": model, "part": "agreement", "aspect": "spearman audio-audio vs caption-caption", "value": rho,
             "n": len(keep)},
            {"model": model, "part": "agreement", "aspect": f"neighbour overlap@{NEIGHBOURS}", "value": overlap,
             "n": len(keep), "note": f"chance {chance:.3f}"}]


def table_rows(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["part"] != "text cosine histogram"]


def charts(rows: list[dict]) -> list[Chart]:
    aspects = pick(rows, part="aspect")
    hist = pick(rows, part="text cosine histogram")
    return [Chart("aspects", "score drop when one aspect of the caption is swapped", "bar", "aspect",
                  "true minus swapped caption score", series_by(aspects, "model", "aspect", "score_drop")),
            Chart("aspect-wins", "how often the true caption beats a swapped one", "bar", "aspect", "win rate",
                  series_by(aspects, "model", "aspect", "win_rate")),
            Chart("text-cosines", "pairwise cosines between vocabulary captions", "line", "cosine",
                  "share of pairs", series_by(hist, "model", "bin_centre", "value"))]


def readings(rows: list[dict]) -> list[str]:
    models = models_of(rows)
    if not models:
        return []
    out = []
    for m in models:
        mine = sorted(pick(rows, model=m, part="aspect"), key=lambda r: -r["win_rate"])
        if mine:
            heard = ", ".join(f"{r['aspect']} ({100 * r['win_rate']:.0f} %)" for r in mine)
            out.append(f"{m}: the true caption beats a one-aspect swap most often for {heard}; "
                       "50 % is chance.")
    out.append("Vocabulary captions: mean pairwise cosine "
               f"{per_model(models, lambda m: (one(rows, model=m, aspect='mean_pairwise_cosine') or {}).get('value'), num)}, "
               "effective rank "
               f"{per_model(models, lambda m: (one(rows, model=m, aspect='effective_rank') or {}).get('value'), lambda v: num(v, 1))}.")
    agree = lambda m: (one(rows, model=m, aspect="spearman audio-audio vs caption-caption") or {}).get("value")  # noqa: E731
    overlap = lambda m: (one(rows, model=m, aspect=f"neighbour overlap@{NEIGHBOURS}") or {}).get("value")  # noqa: E731
    note = next((r.get("note") for r in rows if r.get("aspect") == f"neighbour overlap@{NEIGHBOURS}"), "")
    out.append(f"Audio-audio vs caption-caption similarity (Spearman): {per_model(models, agree, num)}; "
               f"shared neighbours@{NEIGHBOURS}: {per_model(models, overlap, num)} ({note}).")
    return out
