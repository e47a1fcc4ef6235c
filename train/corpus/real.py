"""Clips from real recordings (the allowed Debian packages, see `fetch.py`/`real_catalog.py`):
freepats instruments and one-shot notes played as phrases and chords by resampling, recorded
drum kits sequenced into grooves, single drum pieces, loops layered, sound effects, and
mixtures of these. TRAIN only: the dev hold-out is excluded by `split_samples`.
"""
from __future__ import annotations

import numpy as np

from .base import Clip, Context
from .drums import GROOVES, groove_notes, percussion_notes
from .festival import real_speech_clip
from .gm import PERCUSSION, PROGRAMS, Program
from .instruments import MUSICAL_PATTERNS, part_labels, patterns_for, plan_part
from .mixture import LEVELS, MOOD_BPM_SLACK, _mix
from .music import MOODS, tempo_word
from .patterns import PATTERNS
from .performance import Note
from .real_catalog import Sample, split_samples
from .sampler import fit_length, load_hit, load_patch, patch_note, render_notes, resample_by, root_path, shifted_note
from .soundfonts import SoundFont
from .speech import DELIVERY

DRUM_KEYS = {36: "kick drum", 38: "snare drum", 37: "rimshot", 39: "hand clap", 42: "hi-hat", 44: "hi-hat",
             46: "hi-hat", 49: "crash cymbal", 51: "ride cymbal", 56: "cowbell", 62: "conga", 63: "conga",
             64: "conga", 60: "bongo", 45: "tom", 47: "tom", 48: "tom", 50: "tom", 43: "tom", 41: "tom"}
FALLBACK = {"rimshot": "snare drum", "hand clap": "snare drum", "ride cymbal": "hi-hat", "cowbell": "hi-hat",
            "crash cymbal": "ride cymbal", "tom": "snare drum", "conga": "tom", "bongo": "tom"}
_EXTRA_PROGRAMS = {"piano": 0, "distortion guitar": 30, "synth pad": 89, "electric organ": 16}
ELECTRONIC_KITS = ("ElectricEmpireKit", "HardElectro1", "VariBreaks", "sonic-pi", "lmms")
_ROLL = {"snare drum", "crash cymbal", "ride cymbal", "tambourine", "maracas", "shaker", "tom"}


def _samples(ctx: Context, kind: str | None = None) -> tuple[Sample, ...]:
    pool = split_samples(ctx.cfg.real.root, "train")
    return tuple(s for s in pool if kind is None or s.kind == kind)


def _file(ctx: Context, s: Sample) -> np.ndarray:
    return load_hit(root_path(ctx.cfg.real.root, s.path), ctx.sr)


def program_for(label: str) -> Program:
    num = _EXTRA_PROGRAMS.get(label)
    return PROGRAMS[num] if num is not None else next(p for p in PROGRAMS if p.label == label)


def _src(s: Sample) -> str:
    return f"{s.package}:{s.path.split('/', 2)[2]}"


def _by_label(ctx: Context, pool: tuple[Sample, ...]) -> Sample:
    """Uniform over labels, then over that label's files (20 electronic blips must not outweigh one crow)."""
    label = ctx.choice(sorted({s.label for s in pool}))
    return ctx.choice([s for s in pool if s.label == label])


def _pick_melodic(ctx: Context) -> Sample:
    """A freepats patch (2/3) or a one-shot instrument note (1/3)."""
    patches = [s for s in _samples(ctx, "patch") if PROGRAMS[s.key].family != "sound effects"]
    notes = [s for s in _samples(ctx, "note")]
    return ctx.choice(patches if ctx.chance(0.67) or not notes else notes)


def _part(ctx: Context, s: Sample, **plan_kw) -> tuple[np.ndarray, dict, Program]:
    """Render a planned phrase (melody, chords, ...) on a recorded sample; (audio, labels, program)."""
    prog = PROGRAMS[s.key] if s.kind == "patch" else program_for(s.label)
    font = SoundFont(s.kit, root_path(ctx.cfg.real.root, s.path), 0.0)
    plan = plan_part(ctx, prog, 0, font, **plan_kw)
    notes = PATTERNS[plan.pattern](ctx.rng, plan.phrase)
    if s.kind == "patch":
        samples = load_patch(font.path)
        audio = render_notes(notes, lambda n: patch_note(samples, n.key, n.dur, ctx.sr), ctx.n_samples, ctx.sr)
    else:  # one-shot of unknown pitch: intervals relative to the phrase centre
        src, centre = _file(ctx, s), plan.phrase.center
        sustain = prog.family in ("organ", "strings", "ensemble", "synth pad", "pipe", "reed", "brass")
        audio = render_notes(notes, lambda n: shifted_note(src, n.key - centre, n.dur, ctx.sr, sustain),
                             ctx.n_samples, ctx.sr)
    labels = part_labels(plan, notes)
    labels.update(soundfont=s.kit, package=s.package, recorded="yes")
    return audio, labels, prog


def real_instrument_clip(ctx: Context) -> Clip:
    """A recorded instrument playing a mood-driven pattern (freepats patch or one-shot note)."""
    s = _pick_melodic(ctx)
    audio, labels, prog = _part(ctx, s)
    return Clip(audio, "instrument", prog.label, prog.family, f"inst:{prog.label}", _src(s), labels, "real_instrument")


def _kits(ctx: Context) -> dict[str, dict[str, list[Sample]]]:
    kits: dict[str, dict[str, list[Sample]]] = {}
    for s in _samples(ctx, "drum"):
        kits.setdefault(s.kit, {}).setdefault(s.label, []).append(s)
    return {k: v for k, v in kits.items() if "kick drum" in v and ("snare drum" in v or "hand clap" in v)}


def _piece(kit: dict[str, list[Sample]], key: int) -> list[Sample]:
    label = DRUM_KEYS.get(key, PERCUSSION[key].label if key in PERCUSSION else "")
    while label and label not in kit:
        label = FALLBACK.get(label, "")
    return kit.get(label, [])


def drum_audio(ctx: Context, kit: dict[str, list[Sample]], notes: list[Note]) -> np.ndarray:
    """Sequence kit hits; each note picks one of the piece's recorded layers/variants."""
    out_notes, sources = [], []
    for n in notes:
        pool = _piece(kit, n.key)
        if pool:
            out_notes.append(n)
            sources.append(ctx.choice(pool))
    by_note = {id(n): src for n, src in zip(out_notes, sources)}
    return render_notes(out_notes, lambda n: _file(ctx, by_note[id(n)]), ctx.n_samples, ctx.sr)


def _kit_src(kit: dict[str, list[Sample]], name: str) -> str:
    return f"{next(iter(kit.values()))[0].package}:drumkit/{name}"


def kit_words(kit: str) -> str:
    return "electronic drum kit" if kit in ELECTRONIC_KITS else "acoustic drum kit"


def real_drums_clip(ctx: Context) -> Clip:
    """A groove sequenced from a recorded drum kit (hydrogen kits, freepats, lmms, sonic-pi)."""
    kits = _kits(ctx)
    name = ctx.choice(sorted(kits))
    groove = ctx.choice(GROOVES[:13])
    bpm = float(ctx.rng.integers(*groove.bpm))
    dyn = ctx.choice(("soft", "medium", "medium", "loud"))
    fill = ctx.chance(0.25)
    notes = groove_notes(ctx, groove, bpm, {"soft": 0.6, "medium": 0.85, "loud": 1.05}[dyn], fill)
    labels = {"instrument": "drum kit", "kit": kit_words(name), "kit_name": name, "pattern": groove.name,
              "tempo": tempo_word(bpm), "bpm": int(bpm), "dynamics": dyn, "fill": "yes" if fill else "no",
              "recorded": "yes"}
    return Clip(drum_audio(ctx, kits[name], notes), "drums", "drum kit", "drums", f"drums:{groove.name}",
                _kit_src(kits[name], name), labels, "real_drums")


def real_percussion_clip(ctx: Context) -> Clip:
    """One recorded drum piece or percussion instrument: a hit, hits, a rhythm or a roll."""
    hits = _samples(ctx, "drum")
    label = ctx.choice(sorted({s.label for s in hits}))
    pool = [s for s in hits if s.label == label]
    style = ctx.choice(("single hit", "hits", "rhythm") + (("roll",) if label in _ROLL else ()))
    dyn = ctx.choice(("soft", "medium", "loud"))
    notes = percussion_notes(ctx, (0,), style, {"soft": 0.6, "medium": 0.85, "loud": 1.05}[dyn])
    first = ctx.choice(pool)
    same_kit = [s for s in pool if s.kit == first.kit]
    picks = {id(n): ctx.choice(same_kit) for n in notes}
    audio = render_notes(notes, lambda n: _file(ctx, picks[id(n)]), ctx.n_samples, ctx.sr)
    labels = {"instrument": label, "pattern": style, "dynamics": dyn, "kit": first.kit, "recorded": "yes"}
    return Clip(audio, "percussion", label, "percussion", f"perc:{label}", _src(first), labels, "real_hit")


def _loop_audio(ctx: Context, s: Sample) -> np.ndarray:
    """A loop at a slightly changed speed, tiled/cropped to the clip."""
    x = _file(ctx, s)
    if ctx.chance(0.5):
        x = resample_by(x, ctx.uniform((0.9, 1.1)))
    return fit_length(x, ctx.n_samples, ctx.rng, loop=True)


def real_loop_clip(ctx: Context) -> Clip:
    """A recorded loop (breakbeat, tabla, bass line, strings...), sometimes two layered."""
    loops = _samples(ctx, "loop")
    s = _by_label(ctx, loops)
    audio = _loop_audio(ctx, s)
    labels = {"sound": s.label, "kind": "loop", "loop_group": s.group, "recorded": "yes"}
    label, key = s.label, f"loop:{s.label}"
    others = [o for o in loops if o.group != s.group and o.label != s.label]
    if others and ctx.chance(0.3):
        o = ctx.choice(others)
        audio = _mix(audio, _loop_audio(ctx, o), ctx.uniform(LEVELS.second_db))
        labels["sound2"] = o.label
        label, key = f"{s.label} and {o.label}", f"loops:{'+'.join(sorted((s.label, o.label)))}"
    return Clip(audio, "loop", label, s.group, key, _src(s), labels, "real_loop")


def real_sound_clip(ctx: Context) -> Clip:
    """A recorded sound effect (ambience, bell, vinyl, robot voice, applause, ...), once or repeated."""
    s = _by_label(ctx, _samples(ctx, "sound"))
    x = _file(ctx, s)
    if ctx.chance(0.4):
        x = resample_by(x, ctx.uniform((0.85, 1.15)))
    repeat = x.size < ctx.n_samples // 3 and ctx.chance(0.5)
    if repeat:
        gap = int(ctx.uniform((0.1, 0.8)) * ctx.sr)
        x = np.concatenate([np.concatenate([x, np.zeros(gap, np.float32)])] * 6)
    audio = fit_length(x, ctx.n_samples, ctx.rng, loop=False)
    labels = {"sound": s.label, "kind": s.group, "repeated": "yes" if repeat else "no", "recorded": "yes"}
    return Clip(audio, "sound", s.label, s.group, f"sound:{s.label}", _src(s), labels, "real_sound")


def real_band_clip(ctx: Context) -> Clip:
    """A recorded instrument over a recorded-kit groove in a shared tempo."""
    groove = ctx.choice(GROOVES[:12])
    bpm = float(ctx.rng.integers(*groove.bpm))
    fitting = [m for m in MOODS if m.bpm[0] - MOOD_BPM_SLACK <= bpm <= m.bpm[1] + MOOD_BPM_SLACK]
    s = _pick_melodic(ctx)
    prog = PROGRAMS[s.key] if s.kind == "patch" else program_for(s.label)
    pattern = ctx.choice([p for p in patterns_for(prog) if p in MUSICAL_PATTERNS] or ["melody"])
    audio, labels, prog = _part(ctx, s, bpm=bpm, pattern=pattern, mood=ctx.choice(fitting) if fitting else None)
    kits = _kits(ctx)
    kit = ctx.choice(sorted(kits))
    drums = drum_audio(ctx, kits[kit], groove_notes(ctx, groove, bpm, 0.9, False))
    audio = _mix(audio, drums, ctx.uniform(LEVELS.drums_db))
    labels.update(instrument2="drum kit", groove=groove.name, tempo=tempo_word(bpm), bpm=int(bpm), kit_name=kit)
    return Clip(audio, "mixture", f"{prog.label} and drums", "mixture", f"mix:{prog.label}+drums",
                f"{_src(s)}|{_kit_src(kits[kit], kit)}", {"mix": "band", **labels}, "mixture")


def real_speech_music_clip(ctx: Context) -> Clip:
    """A festvox voice over a recorded instrument playing chords or a held chord."""
    speech = real_speech_clip(ctx)
    s = _pick_melodic(ctx)
    prog = PROGRAMS[s.key] if s.kind == "patch" else program_for(s.label)
    pattern = "sustained chord" if prog.family in ("synth pad", "ensemble", "organ") else ctx.choice(("chords", "arpeggio"))
    music, mlabels, prog = _part(ctx, s, pattern=pattern)
    audio = _mix(speech.audio, music, -ctx.uniform(DELIVERY.speech_gain_for_music))
    lang = str(speech.labels["language"]).lower()
    labels = {"mix": "speech over music", **speech.labels, **{k: v for k, v in mlabels.items() if k not in speech.labels}}
    return Clip(audio, "mixture", f"{lang} speech with music", "mixture", f"speechmusic:{lang}",
                f"{speech.source}|{_src(s)}", labels, "mixture")


def real_mixture_clip(ctx: Context) -> Clip:
    return real_band_clip(ctx) if ctx.chance(0.65) else real_speech_music_clip(ctx)


REAL_MAKERS = {"instrument": real_instrument_clip, "drums": real_drums_clip, "percussion": real_percussion_clip,
               "loop": real_loop_clip, "sound": real_sound_clip, "speech": real_speech_clip, "mixture": real_mixture_clip}
