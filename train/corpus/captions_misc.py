"""Captions for speech, synthetic sounds, silence and mixtures, and the dispatcher that
finishes every clip's caption list (effects phrases, de-duplication, minimum count)."""
from __future__ import annotations

import numpy as np

from .base import Clip
from .captions import (PATTERN_WORDS, Writer, article, drums_captions, effect_phrases, instrument_captions,
                       instrument_name, percussion_captions, tidy)
from .captions_real import REAL_BUILDERS
from .config import MIN_CAPTIONS
from .music import MOOD_BY_NAME
from .synthetic import SOUND_CLASSES

PERSON = {"female": ("a woman", "a female voice", "a female speaker", "a lady"),
          "male": ("a man", "a male voice", "a male speaker", "a guy"),
          "whisper": ("someone", "a person", "a quiet voice")}
VERB = {"female": ("speaking", "talking in", "saying something in"),
        "male": ("speaking", "talking in", "saying something in"),
        "whisper": ("whispering in", "whispering softly in")}
VOICE_ADJ = {"female": "female", "male": "male", "whisper": "whispered"}
RATE_WORDS = {"slow": ("slow", "slowly spoken"), "fast": ("fast", "rapid", "quickly spoken"), "normal": ("", "clear")}
PITCH_WORDS = {("female", "high"): "high-pitched", ("male", "low"): "deep", ("male", "high"): "high-pitched",
               ("female", "low"): "low-pitched"}
MAX_CAPTIONS = 8


def speech_captions(w: Writer, labels: dict) -> list[str]:
    lang, vtype = labels["language"], labels["voice"]
    person, adj = w.pick(PERSON[vtype]), VOICE_ADJ[vtype]
    rate = w.pick(RATE_WORDS[labels["rate"]])
    pitch = PITCH_WORDS.get((vtype, labels["pitch_level"]), "")
    verb = w.pick(VERB[vtype])
    caps = [f"{person} {verb} {lang}", f"{lang} speech", w.pick((f"{lang} spoken by {article(adj)} voice",
                                                                 f"spoken {lang}, {adj} speaker")),
            f"{rate} {lang} speech by {article(f'{pitch} {adj}'.strip())} voice",
            w.pick((f"someone speaking {lang}", f"a person talking in {lang}", f"a sentence in {lang}")),
            w.pick(("speech", "a voice talking", "spoken words", "human speech")) + f", {lang}, {adj} voice",
            w.pick((f"{article(pitch)} {adj} voice" if pitch else f"{article(adj)} voice talking",
                    f"a synthetic text-to-speech voice speaking {lang}", f"{adj} {lang} narration"))]
    if vtype == "whisper":
        caps.append(w.pick((f"whispered {lang}", f"a quiet whisper in {lang}")))
    if lang == "English":
        said = "whispering" if vtype == "whisper" else "saying"
        caps.append(f'{w.pick(PERSON[vtype])} {said} "{labels["text"]}"')
    return caps


def synthetic_captions(w: Writer, labels: dict) -> list[str]:
    cls = next(c for c in SOUND_CLASSES if c.label == labels["sound"])
    kind = "noise" if labels["kind"] == "noise" else w.pick(("synthetic tone", "electronic sound", "test signal"))
    caps = [cls.label, w.pick(cls.words), f"the sound of {w.pick(cls.words)}", w.pick(cls.words),
            f"{cls.label}, {kind}", w.pick((f"a recording of {w.pick(cls.words)}", f"{kind}: {cls.label}"))]
    if "frequency_hz" in labels and labels["kind"] == "tone":
        caps.append(f"{cls.label} at {labels['frequency_hz']} Hz")
    if "pitch_level" in labels:
        caps.append(f"{labels['pitch_level']} pitched {cls.label}")
    return caps


def silence_captions(w: Writer, labels: dict) -> list[str]:
    caps = ["silence", "no sound", "complete silence", "nothing audible", "a silent recording", "quiet, no sound events"]
    if labels.get("style") == "room tone":
        caps.append("very faint room tone")
    return caps


def mixture_captions(w: Writer, labels: dict) -> list[str]:
    mix = labels["mix"]
    if mix == "speech over music":
        vtype, lang = str(labels["voice"]), labels["language"]
        person, verb = w.pick(PERSON[vtype]), w.pick(VERB[vtype])
        inst = instrument_name(w, labels)
        mood = w.pick(MOOD_BY_NAME[labels["mood"]].words) if "mood" in labels else "soft"
        return [f"{person} {verb} {lang} over {mood} {inst} music", f"{lang} speech with background music",
                f"a voice over {article(inst)}", f"narration with {inst} playing in the background",
                f"{lang} talking with music", f"speech and music, {lang}, {inst}"]
    inst, mood = instrument_name(w, labels), ""
    if "mood" in labels:
        mood = w.pick(MOOD_BY_NAME[labels["mood"]].words)
    if mix == "band":
        groove = str(labels["groove"])
        bass, tempo = (" bass and" if "bass" in labels else ""), str(labels["tempo"])
        return [f"{inst} with{bass} drums", f"a band playing {article(groove)} with {inst}",
                f"{article(f'{mood} {tempo}')} song with {inst},{bass} drums",
                f"{inst} over {article(groove)}", f"drums and {inst}", f"{inst}, drums, {groove}, {labels['tempo']}"]
    other = str(labels["instrument2"])
    acc = w.pick(PATTERN_WORDS[str(labels["pattern2"])])
    return [f"{inst} and {other} playing together", f"a duet for {inst} and {other}",
            f"{article(f'{mood} {inst} melody')} accompanied by {other} {acc}",
            f"{labels['family']} and {labels['family2']}", f"chamber music with {inst} and {other}",
            f"two instruments: {inst} and {other}", f"{mood} music for {inst} and {other}"]


BUILDERS = {**REAL_BUILDERS, "real_speech": speech_captions, "instrument": instrument_captions, "drums": drums_captions, "percussion": percussion_captions,
            "speech": speech_captions, "synthetic": synthetic_captions, "silence": silence_captions,
            "mixture": mixture_captions}


def make_captions(clip: Clip, rng: np.random.Generator) -> list[str]:
    """5-8 distinct captions; one or two get an audible-effect phrase appended."""
    w = Writer(rng)
    build = BUILDERS[clip.captioner or clip.category]
    caps = [tidy(c) for c in build(w, clip.labels) if c and tidy(c)]
    caps = list(dict.fromkeys(caps))
    effects = effect_phrases(w, clip.labels)
    if effects and clip.category != "silence":
        for i in rng.choice(np.arange(1, len(caps)), size=min(2, len(caps) - 1), replace=False):
            caps[int(i)] = tidy(f"{caps[int(i)]} {w.pick(effects)}")
    fallbacks = [clip.label, f"the sound of {clip.label}", f"{clip.label} audio", f"{clip.group}: {clip.label}",
                 f"a recording of {clip.label}"]
    for fb in fallbacks:
        if len(caps) >= MIN_CAPTIONS:
            break
        if fb not in caps:
            caps.append(fb)
    return caps[:MAX_CAPTIONS]
