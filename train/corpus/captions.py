"""Caption writing for music clips (instrument, drums, percussion, mixtures) plus shared
helpers. Several templates per clip, each drawing its own synonyms, so the frozen text
encoder sees compositions ("a sad slow piano melody in a minor key"), bare names ("piano"),
tag lists and family-level phrases, never one fixed template.
"""
from __future__ import annotations

import numpy as np

from .gm import DRUM_KITS, FAMILY_WORDS, PERCUSSION, PROGRAMS
from .music import (ARTICULATION_WORDS, DYNAMICS_WORDS, MOOD_BY_NAME, REGISTER_WORDS, TEMPO_WORDS)

# Bare noun phrases; `article` adds "a"/"an" only to singular ones.
PATTERN_WORDS: dict[str, tuple[str, ...]] = {
    "melody": ("melody", "tune", "melodic line", "solo melody"),
    "chords": ("chords", "chord progression", "block chords"),
    "arpeggio": ("arpeggios", "broken chords", "arpeggiated chords"),
    "scale": ("scale", "scale run", "ascending and descending scales"),
    "strumming": ("strummed chords", "rhythmic strumming", "strumming pattern"),
    "bass line": ("bass line", "bass groove", "walking bass line"),
    "single note": ("single note", "sustained note", "long held note"),
    "repeated notes": ("repeated notes", "few separate notes", "individual notes"),
    "sustained chord": ("sustained chord", "long held chords", "drone chord"),
}
# Exceptions to "ends in s = plural" in our vocabulary.
_NOT_PLURAL = {"bass", "chorus"}
_PLURAL = {"timpani", "noise", "static", "rain", "wind", "thunder", "applause", "birdsong", "speech", "music"}
EFFECT_WORDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("reverb", "large hall"): ("in a large reverberant hall", "with lots of reverb", "echoing in a big space"),
    ("reverb", "room"): ("in a room", "with some reverb", "with room echo"),
    ("reverb", "small room"): ("in a small room", "with a little room sound"),
    ("channel", "telephone"): ("over the telephone", "through a phone line", "with telephone quality"),
    ("channel", "cheap microphone"): ("recorded on a cheap microphone", "as a tinny lo-fi recording"),
    ("distortion", "saturated"): ("with distortion", "overdriven and saturated"),
    ("distortion", "clipped"): ("with clipping distortion", "badly clipped"),
    ("noise", "noisy"): ("with background noise", "with hiss in the background", "in a noisy recording"),
    ("codec", "lo-fi"): ("in low quality", "with lo-fi compression artifacts"),
}


class Writer:
    """Synonym picking with the clip's RNG, so captions are deterministic per clip."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def pick(self, options) -> str:
        options = [o for o in options if o is not None]
        return options[int(self.rng.integers(len(options)))] if options else ""

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)


def is_plural(phrase: str) -> bool:
    """True for plurals and mass nouns, which take no indefinite article."""
    last = phrase.strip().split(" ")[-1].lower() if phrase.strip() else ""
    return (last.endswith("s") and last not in _NOT_PLURAL) or last in _PLURAL


def article(phrase: str) -> str:
    """'a'/'an' + phrase, or the bare phrase for plurals and mass nouns (good enough here)."""
    word = " ".join(phrase.split())
    if not word or is_plural(word):
        return word
    vowel = word[:1].lower() in "aeiou" and not word.lower().startswith(("uni", "use", "eu"))
    return f"an {word}" if vowel or word.startswith(("8", "11", "18")) else f"a {word}"


def tidy(text: str) -> str:
    """Collapse spaces and stray commas left by empty slots."""
    text = " ".join(text.split()).replace(" ,", ",").replace(",,", ",").strip(" ,")
    return text.replace("a a ", "a ").replace("an a ", "an ")


def effect_phrases(w: Writer, labels: dict) -> list[str]:
    return [w.pick(words) for (key, value), words in EFFECT_WORDS.items() if labels.get(key) == value]


def instrument_name(w: Writer, labels: dict) -> str:
    """The program label most of the time, an alias otherwise ("piano" for grand piano)."""
    prog = PROGRAMS[int(labels["program"])]
    return prog.label if w.chance(0.5) else w.pick(prog.names)


def _mood_bits(w: Writer, labels: dict) -> tuple[str, str, str]:
    """(mood word, tempo word, key phrase) - empty strings where not applicable."""
    mood = w.pick(MOOD_BY_NAME[labels["mood"]].words) if "mood" in labels else ""
    tempo = w.pick(TEMPO_WORDS[labels["tempo"]]) if "tempo" in labels else ""
    mode = labels.get("mode", "")
    key = w.pick((f"in a {mode} key", f"in {mode}", "")) if mode in ("major", "minor") else ""
    return mood, tempo, key


def instrument_captions(w: Writer, labels: dict) -> list[str]:
    """Captions for one melodic instrument part (also used as the core of mixtures)."""
    prog = PROGRAMS[int(labels["program"])]
    if prog.family == "sound effects":
        return sound_effect_captions(w, labels)
    inst, fam = instrument_name(w, labels), w.pick(FAMILY_WORDS[prog.family])
    pattern_noun = w.pick(PATTERN_WORDS[labels["pattern"]])
    pattern = article(pattern_noun)
    mood, tempo, key = _mood_bits(w, labels)
    reg = w.pick(REGISTER_WORDS[labels["register"]])
    dyn, art = w.pick(DYNAMICS_WORDS[labels["dynamics"]]), w.pick(ARTICULATION_WORDS[labels["articulation"]])
    expr = labels.get("expression", "")
    caps = [
        w.pick((inst, f"{article(inst)}", f"solo {inst}", f"{inst} music")),
        f"{article(f'{mood} {tempo} {instrument_name(w, labels)} {pattern_noun}')} {key}",
        f"{instrument_name(w, labels)} playing {pattern}" if labels["pattern"] != "strumming"
        else f"{instrument_name(w, labels)} strumming chords",
        f"{reg} notes on {article(inst)}",
        f"{dyn} {art} {pattern_noun} played on {article(instrument_name(w, labels))}",
        w.pick((f"{mood} music played by {article(fam)}", f"{article(fam)} playing {pattern}",
                f"instrumental music featuring {article(inst)}")),
        ", ".join(x for x in (inst, fam, mood, tempo, labels.get("mode", ""), labels["register"]) if x),
        w.pick((f"{article(inst)} with {expr}", f"{inst} {pattern_noun} with {expr}")) if expr
        else w.pick((f"the sound of {article(inst)}", f"{article(fam)} sound")),
    ]
    if "mood" in labels:
        caps.append(w.pick((f"{mood} {labels.get('mode', '')} music on {article(inst)}",
                            f"{article(mood)} piece for {inst}", f"{tempo} and {mood} {inst}")))
    return caps


def sound_effect_captions(w: Writer, labels: dict) -> list[str]:
    """GM sound-effect programs (applause, helicopter...) are sounds, not melodies."""
    prog = PROGRAMS[int(labels["program"])]
    name = w.pick(prog.names)
    return [prog.label, f"the sound of {w.pick(prog.names)}", f"{article(w.pick(prog.names))} sound effect",
            f"{w.pick(DYNAMICS_WORDS[labels['dynamics']])} {name}", f"{name}, sound effect, {prog.aliases[0]}",
            f"a recording of {w.pick(prog.names)}"]


def drums_captions(w: Writer, labels: dict) -> list[str]:
    kit_key = next(k for k, v in DRUM_KITS.items() if v[0] == labels["kit"])
    return groove_captions(w, labels, DRUM_KITS[kit_key])


def groove_captions(w: Writer, labels: dict, kit_words: tuple[str, ...]) -> list[str]:
    """Captions of a drum groove played on a kit named by one of `kit_words` (synthetic or real)."""
    from .drums import GROOVES
    groove = next(g for g in GROOVES if g.name == labels["pattern"])
    kit, gw = w.pick(kit_words), w.pick(groove.words)
    tempo, dyn = w.pick(TEMPO_WORDS[labels["tempo"]]), w.pick(DYNAMICS_WORDS[labels["dynamics"]])
    caps = [w.pick(("drums", "a drum kit", "drum beat", "a drummer playing")),
            f"{article(f'{tempo} {gw}')} on {article(kit)}", f"a drummer playing {article(gw)}",
            f"{article(kit)} playing {article(gw)} at {labels['bpm']} bpm",
            w.pick(("percussion", "drum loop", "beat")) + f", {labels['pattern']}, {labels['tempo']}",
            f"{dyn} drumming with kick, snare and cymbals", f"{gw} without other instruments"]
    if labels.get("fill") == "yes":
        caps.append(w.pick(("a drum beat ending with a tom fill", "drums with a fill")))
    return caps


def percussion_captions(w: Writer, labels: dict) -> list[str]:
    label = labels["instrument"]
    aliases = next(p.aliases for p in PERCUSSION.values() if p.label == label)
    name = w.pick((label, label, *aliases))
    style = {"single hit": f"a single {name} hit", "hits": f"{name} hits",
             "rhythm": f"{article(name)} rhythm", "roll": f"{article(name)} roll"}[labels["pattern"]]
    return [label, style, f"the sound of {article(w.pick((label, *aliases)))}",
            f"{labels['variant']}, percussion", f"{w.pick(DYNAMICS_WORDS[labels['dynamics']])} {name}",
            f"{w.pick(('percussion', 'a percussion instrument', 'hand percussion'))}: {label}",
            f"someone playing {article(w.pick((label, *aliases)))}"]
