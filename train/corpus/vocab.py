"""The pseudo-captioning vocabulary (sample_data/vocab): caption lines and single tags built
from the same tables the renderer captions with, so the vocabulary covers the corpus."""
from __future__ import annotations

from pathlib import Path

from .captions import article
from .captions_real import HIT_WORDS, SOUND_WORDS
from .drums import GROOVES
from .gm import DRUM_KITS, FAMILY_WORDS, PROGRAMS, percussion_labels
from .music import MOODS
from .sentences import LANGUAGES
from .synthetic import SOUND_CLASSES

COMMON_INSTRUMENTS = ("piano", "acoustic guitar", "electric guitar", "violin", "cello", "strings", "flute",
                      "trumpet", "saxophone", "synth pad", "organ", "harp", "choir", "bass guitar")
PATTERN_LINES = ("{i} melody", "{i} chords", "fast {i} arpeggios", "slow sustained {i} notes",
                 "a single {i} note", "staccato {i}", "legato {i} phrase", "low-pitched {i}", "high-pitched {i}")
EFFECT_LINES = ("music recorded in a large reverberant hall", "a recording over the telephone",
                "a lo-fi recording with background noise", "distorted loud music", "a song with lots of reverb",
                "a tinny recording on a cheap microphone", "a noisy recording with hiss")
MIX_LINES = ("piano and violin playing together", "guitar and drums", "piano with bass and drums",
             "a rock band with electric guitar, bass and drums", "a duet for flute and harp",
             "speech over background music", "a man speaking over soft piano music",
             "a woman talking over guitar music", "a jazz trio with upright bass and drums",
             "an orchestra with strings and brass", "a string quartet", "a pop song with synth and drums",
             "electronic dance music with a four on the floor beat", "a solo instrument without accompaniment",
             "instrumental music", "a drum solo", "percussion ensemble", "a choir singing with organ")
TEMPO_LINES = ("slow music", "fast music", "a slow tempo piece", "an upbeat fast song", "quiet soft music",
               "loud intense music", "music in a major key", "music in a minor key", "a slow sad song in a minor key",
               "a happy fast song in a major key", "calm ambient music", "a tense suspenseful soundtrack")
SILENCE_LINES = ("silence", "no sound", "very faint room tone")
FESTIVAL_LANGUAGES = ("Marathi", "Telugu", "Catalan")  # festvox languages espeak's table lacks
HAND_DRUMS = ("tabla", "djembe", "cajon", "dundun drum")
REAL_SOUNDS = ("vinyl scratch", "applause", "cheering crowd", "explosion", "gong", "bell", "phone ringing",
               "robot voice", "door knock", "crow", "wind chimes", "metronome", "whoosh", "glitch")


def caption_lines() -> list[str]:
    """~300-600 deduplicated caption lines."""
    lines: list[str] = []
    lines += [p.label for p in PROGRAMS] + [a for p in PROGRAMS for a in p.aliases[:1]]
    lines += [f"the sound of {article(lbl)}" for lbl in percussion_labels()]
    lines += [g.words[0] for g in GROOVES] + [kit[0] for kit in DRUM_KITS.values()]
    lines += [f"{article(words[1])} playing" for words in FAMILY_WORDS.values()]
    lines += [f"{m.words[0]} music" for m in MOODS] + [f"{m.words[1]} music" for m in MOODS]
    lines += [f"{article(m.words[0] + ' ' + i)} piece" for m in MOODS for i in COMMON_INSTRUMENTS[:5]]
    lines += [t.format(i=i) for t in PATTERN_LINES[:5] for i in COMMON_INSTRUMENTS[:8]]
    lines += ["acoustic guitar strumming chords", "a walking bass line", "a drum fill on toms"]
    for lang in LANGUAGES:
        lines += [f"{lang.name} speech", f"a woman speaking {lang.name}", f"a man speaking {lang.name}"]
    lines += ["someone whispering", "a whispered conversation", "a deep male voice", "a high-pitched female voice",
              "fast speech", "slow clear speech", "a synthetic text-to-speech voice"]
    lines += [c.label for c in SOUND_CLASSES] + [c.words[0] for c in SOUND_CLASSES]
    lines += list(EFFECT_LINES + MIX_LINES + TEMPO_LINES + SILENCE_LINES)
    lines += real_lines()
    return list(dict.fromkeys(line.strip() for line in lines if line.strip()))


def real_lines() -> list[str]:
    """Names the real-recording clips teach that the synthetic tables lack (kept short: the app
    embeds the whole vocabulary at start-up)."""
    lines = [f"the sound of {article(words[0])}" for words in HIT_WORDS.values() if words[0] in HAND_DRUMS]
    lines += [SOUND_WORDS[label][0] for label in REAL_SOUNDS]
    for lang in FESTIVAL_LANGUAGES:
        lines += [f"{lang} speech", f"a woman speaking {lang}", f"a man speaking {lang}"]
    return lines


def tag_lines() -> list[str]:
    """~150-300 single tags (labels, families, moods, languages, sound classes)."""
    tags: list[str] = [p.label for p in PROGRAMS] + list(percussion_labels())
    tags += ["drums", "drum kit", "percussion", "piano", "guitar", "bass", "strings", "brass", "woodwind",
             "synthesizer", "organ", "orchestra", "choir", "keyboard", "ethnic", "sound effect"]
    tags += [m.words[0] for m in MOODS] + [m.words[1] for m in MOODS]
    tags += ["slow", "fast", "moderate tempo", "soft", "loud", "low-pitched", "high-pitched", "major key",
             "minor key", "staccato", "legato", "melody", "chords", "arpeggio", "solo", "duet", "band"]
    tags += [lang.name.lower() for lang in LANGUAGES]
    tags += ["speech", "male voice", "female voice", "whisper", "narration", "speech with music"]
    tags += [c.label for c in SOUND_CLASSES] + ["noise", "tone", "silence", "reverb", "lo-fi", "telephone"]
    tags += list(HAND_DRUMS) + list(REAL_SOUNDS) + ["loop", "breakbeat"] + [lang.lower() for lang in FESTIVAL_LANGUAGES]
    return list(dict.fromkeys(t.strip() for t in tags if t.strip()))


def write_vocab(out_dir: str | Path) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    caps, tags = caption_lines(), tag_lines()
    (out / "captions.txt").write_text("\n".join(caps) + "\n", encoding="utf-8")
    (out / "tags.txt").write_text("\n".join(tags) + "\n", encoding="utf-8")
    return {"captions": len(caps), "tags": len(tags)}
