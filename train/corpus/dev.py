"""The real-audio dev set (sample_data/dev): short FLAC clips cut from the held-out files of
the allowed packages (whole hydrogen kits, freepats instruments, festvox voices / sentences,
single sonic-pi and lmms files), which TRAIN never draws from (`real_catalog.is_held_out`,
`festival.split_pool`). Three groups mirror the issue's evaluation: `instrument`, `language`,
`sound`. Clips are clean (no colouring): they are the recordings as shipped, or a phrase
played on a held-out instrument by resampling its notes.

    python -m train.corpus.dev --real /work/data/data/debs --out sample_data/dev
"""
from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np

from .base import Context
from .captions import article
from .config import CorpusConfig, RealSpec
from .dsp import normalize_peak
from .festival import HELD_OUT_VOICES, VOICE_BY_NAME, split_pool
from .festival_text import TRAIN_SLOTS
from .gm import PROGRAMS
from .real import program_for
from .provenance import source_rows
from .real_catalog import Sample, split_samples
from .sampler import fit_length, load_file, load_hit, load_patch, patch_note, render_notes, root_path
from .patterns import PATTERNS
from .instruments import plan_part
from .drums import percussion_notes
from .soundfonts import SoundFont

DEV_SECONDS = 4.0
PEAK = 0.9
# instrument names people use, where the GM label is too specific
DEV_NAMES = {"bright piano": "piano", "distortion guitar": "distorted guitar"}
PIECE_CLIPS = 4  # clips per drum-piece label from the held-out kits (taken from the kits in turn)
LANGUAGE_CLIPS = 4
MANIFEST = "manifest.csv"
SOURCES = "sources.csv"  # clip -> recorded file, package, version, licence
GROUP_FILES = {"instrument": "instruments.csv", "language": "languages.csv", "sound": "sounds.csv"}


def _ctx(seed: int, root: str) -> Context:
    cfg = CorpusConfig(real=RealSpec(root=root))
    return Context(np.random.default_rng(seed), "train", cfg)


def _phrase(ctx: Context, s: Sample, pattern: str) -> np.ndarray:
    """A held-out freepats instrument playing a pattern (notes by resampling, as in TRAIN)."""
    prog = PROGRAMS[s.key]
    font = SoundFont(s.kit, root_path(ctx.cfg.real.root, s.path), 0.0)
    plan = plan_part(ctx, prog, 0, font, pattern=pattern)
    notes = PATTERNS[plan.pattern](ctx.rng, plan.phrase)
    samples = load_patch(font.path)
    return render_notes(notes, lambda n: patch_note(samples, n.key, n.dur, ctx.sr), ctx.n_samples, ctx.sr)


def instrument_clips(root: str, held: list[Sample]) -> list[tuple[np.ndarray, str, str, str]]:
    """(audio, label, caption): 2 phrases per held-out patch, the file itself for one-shots,
    hits/rhythms for held-out freepats percussion."""
    out = []
    for i, s in enumerate(held):
        if s.kind == "patch":
            label = DEV_NAMES.get(s.label, s.label)
            for j, pattern in enumerate(("melody", "chords" if PROGRAMS[s.key].family in ("piano", "guitar",
                                                                                           "organ", "reed") else "scale")):
                ctx = _ctx(1000 + 10 * i + j, root)
                out.append((_phrase(ctx, s, pattern), label, f"{label} playing {article(pattern)}", s.path))
        elif s.kind == "note" or (s.kind == "loop" and s.group not in ("drums", "percussion", "electronic music")):
            label = DEV_NAMES.get(s.label, s.label)
            ctx = _ctx(2000 + i, root)
            audio = fit_length(load_file(root_path(root, s.path), ctx.sr), ctx.n_samples, ctx.rng)
            out.append((audio, label, f"a recording of {label}", s.path))
        elif s.kind == "drum" and s.kit == "freepats":
            for j, style in enumerate(("hits", "rhythm")):
                ctx = _ctx(3000 + 10 * i + j, root)
                hit = load_hit(root_path(root, s.path), ctx.sr)
                notes = percussion_notes(ctx, (0,), style, 0.9)
                out.append((render_notes(notes, lambda n: hit, ctx.n_samples, ctx.sr), s.label, f"{s.label} {style}",
                            s.path))
    return out


def sound_clips(root: str, held: list[Sample]) -> list[tuple[np.ndarray, str, str, str]]:
    """Held-out sound files, loops and drum hits as shipped; PIECE_CLIPS hits per label from the kits."""
    out, per_piece = [], Counter()
    for i, s in enumerate(_kits_in_turn(held)):
        ctx = _ctx(4000 + i, root)
        if s.kind in ("sound", "loop") and not (s.kind == "loop" and s.group not in ("drums", "percussion",
                                                                                    "electronic music")):
            audio = fit_length(load_file(root_path(root, s.path), ctx.sr), ctx.n_samples, ctx.rng, loop=s.kind == "loop")
            out.append((audio, s.label, f"the sound of {s.label}", s.path))
        elif s.kind == "drum" and s.kit != "freepats" and per_piece[s.label] < PIECE_CLIPS:
            per_piece[s.label] += 1
            hit = load_hit(root_path(root, s.path), ctx.sr)  # repeated: one 4 s hit is mostly silence
            audio = render_notes(percussion_notes(ctx, (0,), "hits", 0.9), lambda n: hit, ctx.n_samples, ctx.sr)
            out.append((audio, s.label, f"{s.label} hits", s.path))
    return out


def _kits_in_turn(held: list[Sample]) -> list[Sample]:
    """Order drum hits so each piece label cycles through the held-out kits (variety per label)."""
    rank: Counter = Counter()
    keyed = []
    for s in held:
        rank[(s.kit, s.label)] += 1
        keyed.append((rank[(s.kit, s.label)], s.kit, s))
    return [s for _, _, s in sorted(keyed, key=lambda t: (t[0], t[1]))]


def language_clips(root: str) -> list[tuple[np.ndarray, str, str, str]]:
    """Held-out sentences, LANGUAGE_CLIPS per language at normal speed, held-out voices first."""
    rows = [r for r in split_pool(root, "dev") if r["stretch"] == 1.0]
    out = []
    for lang in sorted({VOICE_BY_NAME[r["voice"]].language for r in rows}):
        mine = sorted((r for r in rows if VOICE_BY_NAME[r["voice"]].language == lang),
                      key=lambda r: (r["slot"] in TRAIN_SLOTS, r["voice"] not in HELD_OUT_VOICES, r["slot"], r["voice"]))
        for r in mine[:LANGUAGE_CLIPS]:
            audio = load_file(str(Path(root) / r["path"]), 16_000)
            audio = np.pad(audio, (0, max(0, int(DEV_SECONDS * 16_000) - audio.size)))[: int(DEV_SECONDS * 16_000)]
            voice = VOICE_BY_NAME[r["voice"]]
            out.append((audio, f"{lang.lower()} speech", f"a {voice.voice} voice speaking {lang}", r["path"]))
    return out


def write_dev(root: str, out_dir: str | Path) -> dict:
    """Write FLACs, manifest.csv (all groups) and one CSV per group; returns counts."""
    import soundfile as sf

    out = Path(out_dir)
    (out / "audio").mkdir(parents=True, exist_ok=True)
    held = list(split_samples(root, "dev"))
    provenance = {r["path"]: {k: r[k] for k in ("package", "version", "licence")} for r in source_rows(root)}
    groups = {"instrument": instrument_clips(root, held), "language": language_clips(root),
              "sound": sound_clips(root, held)}
    rows, sources = [], []
    for group, clips in groups.items():
        for k, (audio, label, caption, src) in enumerate(clips):
            name = f"audio/{group}-{k:03d}-{label.replace(' ', '_').replace('/', '_')}.flac"
            sf.write(out / name, normalize_peak(audio.astype(np.float32), PEAK), 16_000, subtype="PCM_16")
            rows.append({"path": name, "label": label, "caption": caption, "group": group})
            sources.append({"path": name, "source": src, **provenance[src]})
    with open(out / SOURCES, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["path", "source", "package", "version", "licence"])
        writer.writeheader()
        writer.writerows(sources)
    for fname, keep in [(MANIFEST, None), *[(f, g) for g, f in GROUP_FILES.items()]]:
        with open(out / fname, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["path", "label", "caption", "group"])
            writer.writeheader()
            writer.writerows(r for r in rows if keep in (None, r["group"]))
    return {g: dict(Counter(r["label"] for r in rows if r["group"] == g)) for g in groups}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m train.corpus.dev", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--real", required=True, help="fetch folder of `python -m train.corpus.fetch`")
    p.add_argument("--out", default="sample_data/dev")
    args = p.parse_args(argv)
    print(json.dumps(write_dev(str(Path(args.real).resolve()), args.out), indent=1))


if __name__ == "__main__":
    main()
