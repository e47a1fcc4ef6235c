"""Speech from festvox voices (diphone / unit-selection / HTS voices built from recordings),
synthesised once by festival into a pool of WAV files (`python -m train.corpus.fetch`), then
cut into clips. Voices and sentence slots are split between TRAIN and the dev set.

festival runs from the extracted packages (`<fetch root>/festival`) with LD_LIBRARY_PATH; its
compiled-in library path is /usr/share/festival, so the wrapper script points `libdir`,
`datadir` and the Czech voices' index files at the extracted tree first.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .base import Clip, Context
from .festival_text import SENTENCES, TRAIN_SLOTS

POOL_DIR = "speech"
POOL_JSON = "pool.json"
STRETCHES = (0.85, 1.0, 1.2)  # festival Duration_Stretch: fast, normal, slow


@dataclass(frozen=True)
class Voice:
    """A festvox voice: festival name, package, language, voice type, input encoding."""

    name: str
    package: str
    language: str
    voice: str  # female / male / child
    encoding: str = "utf-8"


VOICES: tuple[Voice, ...] = (
    Voice("kal_diphone", "festvox-kallpc16k", "English", "male"),
    Voice("ked_diphone", "festvox-kdlpc16k", "English", "male"),
    Voice("cmu_us_slt_arctic_hts", "festvox-us-slt-hts", "English", "female"),
    Voice("lp_diphone", "festvox-italp16k", "Italian", "female", "latin-1"),
    Voice("pc_diphone", "festvox-itapc16k", "Italian", "male", "latin-1"),
    Voice("czech_dita", "festvox-czech-dita", "Czech", "female", "iso-8859-2"),
    Voice("czech_krb", "festvox-czech-krb", "Czech", "child", "iso-8859-2"),
    Voice("czech_machac", "festvox-czech-machac", "Czech", "male", "iso-8859-2"),
    Voice("czech_ph", "festvox-czech-ph", "Czech", "male", "iso-8859-2"),
    Voice("suo_fi_lj_diphone", "festvox-suopuhe-lj", "Finnish", "female", "latin-1"),
    Voice("hy_fi_mv_diphone", "festvox-suopuhe-mv", "Finnish", "male", "latin-1"),
    Voice("msu_ru_nsh_clunits", "festvox-ru", "Russian", "male"),
    Voice("hindi_NSK_diphone", "festvox-hi-nsk", "Hindi", "male"),
    Voice("marathi_NSK_diphone", "festvox-mr-nsk", "Marathi", "male"),
    Voice("telugu_NSK_diphone", "festvox-te-nsk", "Telugu", "male"),
    Voice("upc_ca_ona_hts", "festvox-ca-ona-hts", "Catalan", "female", "latin-1"),
)
# One voice per language with two or more voices is kept for the dev set only.
HELD_OUT_VOICES = ("ked_diphone", "pc_diphone", "czech_machac", "hy_fi_mv_diphone")
VOICE_BY_NAME = {v.name: v for v in VOICES}


def festival_env(festroot: Path) -> dict[str, str]:
    lib = festroot / "usr" / "lib" / "x86_64-linux-gnu"
    return {**os.environ, "LD_LIBRARY_PATH": f"{lib}:{lib / 'pulseaudio'}"}


def _script(festroot: Path, voice: Voice, jobs: list[tuple[str, float, str]]) -> bytes:
    """A festival batch script synthesising (text, stretch, out_wav) jobs with one voice."""
    lib = f"{festroot}/usr/share/festival/"
    head = [f'(set! libdir "{lib}")', f'(set! datadir "{lib}")', "(set! load-path (cons libdir nil))",
            f'(load "{lib}init.scm")', "(set! czech-randomize nil)"]
    if voice.name.startswith("czech_"):
        short = voice.name.split("_", 1)[1]
        head.append(f'(set! czech-{short}-unisyn-index "{lib}voices/czech/{voice.name}/group/{short}.group")')
    head.append(f"(voice_{voice.name})")
    body = []
    for text, stretch, out in jobs:
        clean = text.replace('"', "").replace("\\", "")
        body.append(f"(Parameter.set 'Duration_Stretch {stretch})")
        body.append(f'(utt.save.wave (SynthText "{clean}") "{out}" (quote riff))')
    return ("\n".join(head) + "\n").encode() + "\n".join(body).encode(voice.encoding, errors="replace") + b"\n"


def render_voice(festroot: Path, voice: Voice, out_dir: Path) -> list[dict]:
    """Every sentence of the voice's language at every stretch; returns pool rows."""
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs, rows = [], []
    for slot, text in enumerate(SENTENCES[voice.language]):
        for stretch in STRETCHES:
            wav = out_dir / f"{voice.name}_{slot:02d}_{int(stretch * 100)}.wav"
            jobs.append((text, stretch, str(wav)))
            rows.append({"voice": voice.name, "slot": slot, "stretch": stretch, "text": text,
                         "path": str(wav.relative_to(out_dir.parent.parent))})
    with tempfile.NamedTemporaryFile("wb", suffix=".scm", delete=False) as fh:
        fh.write(_script(festroot, voice, jobs))
    try:
        subprocess.run([str(festroot / "usr" / "bin" / "festival"), "-b", fh.name], env=festival_env(festroot),
                       check=True, capture_output=True, timeout=900)
    finally:
        os.unlink(fh.name)
    return [r for r in rows if (out_dir.parent.parent / r["path"]).exists()]


def render_pool(root: Path, festroot: Path) -> dict:
    """Synthesise the whole pool under root/speech; writes pool.json; returns counts per voice."""
    rows = []
    for voice in VOICES:
        rows += render_voice(festroot, voice, root / POOL_DIR / voice.name)
    (root / POOL_DIR / POOL_JSON).write_text(json.dumps(rows, ensure_ascii=False, indent=0))
    return {v.name: sum(r["voice"] == v.name for r in rows) for v in VOICES}


def load_pool(root: str | Path) -> list[dict]:
    path = Path(root) / POOL_DIR / POOL_JSON
    return json.loads(path.read_text()) if path.exists() else []


def split_pool(root: str, part: str) -> list[dict]:
    """TRAIN: train voices x train sentence slots; dev: held-out voices, or held-out slots."""
    rows = load_pool(root)
    if part == "train":
        return [r for r in rows if r["voice"] not in HELD_OUT_VOICES and r["slot"] in TRAIN_SLOTS]
    return [r for r in rows if r["slot"] not in TRAIN_SLOTS]


_POOLS: dict[str, list[dict]] = {}


def _train_pool(root: str) -> list[dict]:
    if root not in _POOLS:
        _POOLS[root] = split_pool(root, "train")
    return _POOLS[root]


def real_speech_clip(ctx: Context) -> Clip:
    """One or two sentences of one festvox voice, slightly re-pitched, cut to the clip."""
    from .sampler import load_file, resample_by

    rows = _train_pool(ctx.cfg.real.root)
    lang = ctx.choice(sorted({VOICE_BY_NAME[r["voice"]].language for r in rows}))
    voice = VOICE_BY_NAME[ctx.choice(sorted({r["voice"] for r in rows if VOICE_BY_NAME[r["voice"]].language == lang}))]
    mine = [r for r in rows if r["voice"] == voice.name]
    stretch = ctx.choice(STRETCHES)
    picks = [r for r in mine if r["stretch"] == stretch]
    order = ctx.rng.permutation(len(picks))
    pieces = [np.zeros(int(ctx.uniform((0.0, 0.5)) * ctx.sr), np.float32)]
    for i in order[:2]:
        pieces += [load_file(str(Path(ctx.cfg.real.root) / picks[i]["path"]), ctx.sr),
                   np.zeros(int(ctx.uniform((0.15, 0.6)) * ctx.sr), np.float32)]
    audio = np.concatenate(pieces)
    shift = ctx.uniform((-2.0, 2.0))  # semitones; resampling also changes the rate a little
    audio = resample_by(audio, 2.0 ** (shift / 12.0))
    audio = np.pad(audio, (0, max(0, ctx.n_samples - audio.size)))[: ctx.n_samples]
    rate = {0.85: "fast", 1.0: "normal", 1.2: "slow"}[stretch]
    vtype = "male" if voice.voice == "child" else voice.voice
    labels = {"language": lang, "voice": vtype, "speaker": voice.name, "rate": rate,
              "pitch_level": "high" if shift > 1.2 else "low" if shift < -1.2 else "normal",
              "text": picks[order[0]]["text"], "package": voice.package, "recorded": "yes"}
    if voice.voice == "child":
        labels["age"] = "child"
    return Clip(audio, "speech", f"{lang.lower()} speech", "speech", f"speech:{lang.lower()}",
                f"{voice.package}:{voice.name}", labels, "real_speech")
