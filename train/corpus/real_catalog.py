"""Catalogue of the recorded samples inside the fetched Debian packages (see `fetch.py`):
every usable file with its package and what it is (instrument patch, drum piece of a kit,
loop, sound effect), and the dev hold-out that training must never see.

Paths are relative to the fetch root (`pkgs/<package>/...`), so the package of a file is
its second path component. Labels come from file and kit names (curated tables below).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .gm import PROGRAMS

FREEPATS = "pkgs/freepats/usr/share/midi/freepats"
HYDROGEN = "pkgs/hydrogen-drumkits/usr/share/hydrogen/data/drumkits"
SONIC_PI = "pkgs/sonic-pi-samples/usr/share/sonic-pi/samples"
LMMS = "pkgs/lmms-common/usr/share/lmms/samples"
AUDIO_EXT = (".flac", ".wav", ".ogg")


@dataclass(frozen=True)
class Sample:
    """One recorded file. kind: patch (GUS instrument, key = GM program) | drum (one hit, key =
    GM drum key or -1) | note (pitched one-shot, unknown/approximate pitch) | loop | sound."""

    path: str
    kind: str
    label: str
    group: str
    kit: str = ""
    key: int = -1

    @property
    def package(self) -> str:
        return self.path.split("/")[1]


# ---- dev hold-out: whole kits / instruments / files that only the dev set may use -------------
HELD_OUT_KITS = ("The Black Pearl 1.0", "HardElectro1", "Millo_MultiLayered3")
HELD_OUT_PROGRAMS = (1, 13, 19, 21, 24, 33, 42, 46, 56, 65, 71, 73)  # freepats Tone_000 patches
HELD_OUT_DRUM_KEYS = (54, 56, 61, 63, 70, 75, 81)  # freepats Drum_000 patches
HELD_OUT_FILES = tuple(f"{SONIC_PI}/{n}.flac" for n in (
    "vinyl_scratch", "perc_bell2", "mehackit_phone4", "mehackit_robot7", "perc_snap2", "perc_impact2",
    "tabla_ghe8", "tabla_na_s", "loop_amen_full", "guit_em9", "bass_voxy_hit_c", "elec_chime",
    "drum_splash_hard", "glitch_robot2", "ambi_dark_woosh")) + tuple(f"{LMMS}/{n}.ogg" for n in (
    "effects/warp02", "effects/start02", "misc/metronome02", "misc/dong03", "misc/hit02", "drums/clap04",
    "drums/crash02", "drums/ride02", "drums/shaker03", "drums/tom05", "drums/snare07", "drums/hihat_opened03",
    "drums/kick04", "beats/break03", "bassloops/techno_bass02", "instruments/harpsichord01",
    "instruments/bassslap02", "instruments/e_piano_accord02", "instruments/violin_double_stop01",
    "instruments/steel_guitar_heavy_distorted01", "instruments/church_organ04", "stringsnpads/space_strings03",
    "stringsnpads/chorus02", "latin/latin_guitar03"))

# ---- drum pieces: name keywords -> (label, GM key) ---------------------------------------------------
PIECES: tuple[tuple[str, str, int], ...] = (
    (r"snare roll", "snare drum", 38), (r"rim|stick|side", "rimshot", 37), (r"snare|\bsn\b", "snare drum", 38),
    (r"clap", "hand clap", 39), (r"(hat|hh).*(open|op\b|semi|swish)|open hh|ohh", "hi-hat", 46),
    (r"(hat|hh).*(pedal|pd|foot)|pedal hh", "hi-hat", 44), (r"hat|\bhh\b|hihat", "hi-hat", 42),
    (r"kick|bass ?drum|bassdrum|\bbd\b", "kick drum", 36), (r"tom", "tom", 45), (r"crash", "crash cymbal", 49),
    (r"ride", "ride cymbal", 51), (r"splash", "splash cymbal", 55), (r"china", "china cymbal", 52),
    (r"cowbell", "cowbell", 56), (r"tambourine|tombourine", "tambourine", 54), (r"agogo", "agogo", 67),
    (r"conga", "conga", 63), (r"bongo", "bongo", 60), (r"maraca", "maracas", 70), (r"clave", "claves", 75),
    (r"wood ?block", "woodblock", 76), (r"shaker", "shaker", 82), (r"cajon", "cajon", -1),
    (r"djembe", "djembe", -1), (r"sangban|dununba|kenkeni", "dundun drum", -1), (r"snap", "finger snap", -1),
    (r"whistle", "whistle", 71), (r"waterglass", "glass", -1), (r"cymbal", "crash cymbal", 49),
)


def piece_of(name: str) -> tuple[str, int] | None:
    low = name.lower().replace("_", " ").replace("-", " ")
    for pattern, label, key in PIECES:
        if re.search(pattern, low):
            return label, key
    return None


# ---- sonic-pi and lmms files: prefix/name -> (kind, label, group) --------------------------------------
SONIC_PI_NAMES: dict[str, tuple[str, str, str]] = {
    "ambi_choir": ("note", "choir", "voice"), "ambi_piano": ("note", "piano", "piano"),
    "ambi_drone": ("sound", "drone", "ambience"), "ambi_glass_hum": ("sound", "glass hum", "ambience"),
    "ambi_glass_rub": ("sound", "rubbed glass", "ambience"), "ambi_haunted_hum": ("sound", "eerie hum", "ambience"),
    "ambi_lunar_land": ("sound", "space ambience", "ambience"), "ambi_sauna": ("sound", "sauna ambience", "ambience"),
    "ambi_soft_buzz": ("sound", "buzzing", "ambience"), "ambi_swoosh": ("sound", "whoosh", "sound effect"),
    "ambi_dark_woosh": ("sound", "whoosh", "sound effect"),
    "guit_em9": ("note", "electric guitar", "guitar"), "guit_e_fifths": ("note", "electric guitar", "guitar"),
    "guit_e_slide": ("note", "electric guitar", "guitar"), "guit_harmonics": ("note", "guitar harmonics", "guitar"),
    "loop_amen": ("loop", "breakbeat", "drums"), "loop_amen_full": ("loop", "breakbeat", "drums"),
    "loop_breakbeat": ("loop", "breakbeat", "drums"), "loop_tabla": ("loop", "tabla", "percussion"),
    "loop_compus": ("loop", "percussion loop", "percussion"), "loop_perc1": ("loop", "percussion loop", "percussion"),
    "loop_perc2": ("loop", "percussion loop", "percussion"), "loop_safari": ("loop", "percussion loop", "percussion"),
    "loop_industrial": ("loop", "industrial beat", "drums"), "loop_3d_printer": ("sound", "3d printer", "machine"),
    "loop_drone_g_97": ("loop", "drone", "ambience"),
    "misc_burp": ("sound", "burp", "human sound"), "misc_crow": ("sound", "crow", "animal"),
    "misc_cineboom": ("sound", "cinematic boom", "sound effect"), "perc_bell": ("sound", "bell", "bell"),
    "perc_bell2": ("sound", "bell", "bell"), "perc_door": ("sound", "door knock", "sound effect"),
    "perc_impact1": ("sound", "impact", "sound effect"), "perc_impact2": ("sound", "impact", "sound effect"),
    "perc_snap": ("drum", "finger snap", "percussion"), "perc_snap2": ("drum", "finger snap", "percussion"),
    "perc_swash": ("drum", "crash cymbal", "drums"), "perc_swoosh": ("sound", "whoosh", "sound effect"),
    "perc_till": ("sound", "cash register", "sound effect"), "elec_chime": ("sound", "chime", "bell"),
    "elec_bell": ("sound", "bell", "bell"), "elec_triangle": ("drum", "triangle", "percussion"),
    "elec_wood": ("drum", "woodblock", "percussion"), "elec_cymbal": ("drum", "crash cymbal", "drums"),
    "elec_fuzz_tom": ("drum", "tom", "drums"), "drum_roll": ("drum", "snare drum", "drums"),
    "drum_cowbell": ("drum", "cowbell", "percussion"), "drum_bass_hard": ("drum", "kick drum", "drums"),
    "drum_bass_soft": ("drum", "kick drum", "drums"), "drum_cymbal_open": ("drum", "hi-hat", "drums"),
    "drum_cymbal_closed": ("drum", "hi-hat", "drums"), "drum_cymbal_pedal": ("drum", "hi-hat", "drums"),
    "drum_cymbal_hard": ("drum", "crash cymbal", "drums"), "drum_cymbal_soft": ("drum", "crash cymbal", "drums"),
    "vinyl_hiss": ("sound", "vinyl crackle", "sound effect"), "vinyl_backspin": ("sound", "vinyl scratch", "sound effect"),
    "vinyl_rewind": ("sound", "vinyl scratch", "sound effect"), "vinyl_scratch": ("sound", "vinyl scratch", "sound effect"),
}
SONIC_PI_PREFIX: dict[str, tuple[str, str, str]] = {
    "bass_": ("note", "synth bass", "bass"), "bd_": ("drum", "kick drum", "drums"),
    "sn_": ("drum", "snare drum", "drums"), "tabla_": ("drum", "tabla", "percussion"),
    "mehackit_phone": ("sound", "phone ringing", "sound effect"), "mehackit_robot": ("sound", "robot voice", "sound effect"),
    "glitch_bass": ("note", "synth bass", "bass"), "glitch_robot": ("sound", "robot voice", "sound effect"),
    "glitch_perc": ("sound", "glitch", "electronic"), "elec_": ("sound", "electronic blip", "electronic"),
    "drum_": ("drum", "", "drums"), "loop_": ("loop", "electronic loop", "electronic music"),
}
LMMS_NAMES: dict[str, tuple[str, str, str]] = {
    "effects/scratch01": ("sound", "vinyl scratch", "sound effect"), "effects/explode01": ("sound", "explosion", "sound effect"),
    "effects/wind_chimes01": ("sound", "wind chimes", "bell"), "effects/filter_sweep01": ("sound", "filter sweep", "electronic"),
    "effects/warp01": ("sound", "sci-fi warp", "sound effect"), "effects/warp02": ("sound", "sci-fi warp", "sound effect"),
    "effects/start01": ("sound", "power up", "sound effect"), "effects/start02": ("sound", "power up", "sound effect"),
    "effects/stop01": ("sound", "power down", "sound effect"),
    "misc/applause01": ("sound", "applause", "crowd"), "misc/raving_crowd01": ("sound", "cheering crowd", "crowd"),
    "misc/breath01": ("sound", "breathing", "human sound"), "misc/metronome01": ("sound", "metronome", "sound effect"),
    "misc/metronome02": ("sound", "metronome", "sound effect"), "misc/dong01": ("sound", "gong", "bell"),
    "misc/dong02": ("sound", "gong", "bell"), "misc/dong03": ("sound", "gong", "bell"),
    "misc/metalish_dong01": ("sound", "metal clang", "sound effect"), "misc/hit01": ("sound", "impact", "sound effect"),
    "misc/hit02": ("sound", "impact", "sound effect"), "misc/snaph01": ("drum", "finger snap", "percussion"),
    "misc/electric_ping01": ("sound", "electronic blip", "electronic"), "misc/buzz!": ("sound", "buzzing", "electronic"),
    "latin/latin_brass01": ("loop", "brass section", "brass"),
    "drums/zap01": ("sound", "laser zap", "electronic"), "drums/zap02": ("sound", "laser zap", "electronic"),
    "drums/zap03": ("sound", "laser zap", "electronic"), "drums/clav01": ("drum", "claves", "percussion"),
    "drums/clav02": ("drum", "claves", "percussion"), "drums/wood01": ("drum", "woodblock", "percussion"),
    "drums/nasty_bass01": ("drum", "kick drum", "drums"),
}
LMMS_INSTRUMENTS: dict[str, tuple[str, str]] = {
    "church_organ": ("church organ", "organ"), "cello": ("cello", "strings"), "bassslap": ("slap bass", "bass"),
    "steel_guitar_medium": ("distortion guitar", "guitar"), "steel_guitar_heavy": ("distortion guitar", "guitar"),
    "steel_guitar_slight": ("overdriven guitar", "guitar"), "steel_guitar": ("acoustic guitar", "guitar"),
    "trumpet": ("trumpet", "brass"), "flute": ("flute", "pipe"), "violin_pizzicato": ("pizzicato strings", "strings"),
    "violin": ("violin", "strings"), "piano": ("grand piano", "piano"), "e_organ": ("electric organ", "organ"),
    "e_piano": ("electric piano", "piano"), "harpsichord": ("harpsichord", "piano"),
    "latin_guitar": ("acoustic guitar", "guitar"), "strings": ("string ensemble", "strings"),
    "orion_string": ("string ensemble", "strings"), "heaven_strings": ("string ensemble", "strings"),
    "space_strings": ("synth strings", "strings"), "chorus": ("choir", "voice"), "rave_choir": ("choir", "voice"),
    "bell_choir": ("choir", "voice"), "juno_pad": ("synth pad", "synth pad"), "nord_ambient": ("synth pad", "synth pad"),
    "korg_poly6_drone": ("synth pad", "synth pad"),
}


def _freepats(root: Path) -> list[Sample]:
    out = []
    for f in sorted((root / FREEPATS / "Tone_000").glob("*.pat")):
        prog = PROGRAMS[int(f.name[:3])]
        out.append(Sample(str(f.relative_to(root)), "patch", prog.label, prog.family, "freepats", prog.number))
    for f in sorted((root / FREEPATS / "Drum_000").glob("*.pat")):
        piece = piece_of(f.stem[4:])
        key = int(f.name[:3])
        from .gm import PERCUSSION
        label = PERCUSSION[key].label if key in PERCUSSION else (piece[0] if piece else "")
        if label:
            out.append(Sample(str(f.relative_to(root)), "drum", label, "drums", "freepats", key))
    return out


def _hydrogen(root: Path) -> list[Sample]:
    out = []
    for xml in sorted((root / HYDROGEN).glob("*/drumkit.xml")):
        ns = re.match(r"\{.*\}", ET.parse(xml).getroot().tag)
        pre = ns.group(0) if ns else ""
        kit = xml.parent.name
        for inst in ET.parse(xml).getroot().iter(f"{pre}instrument"):
            name = (inst.findtext(f"{pre}name") or "").strip()
            piece = piece_of(name)
            if not piece:
                continue
            files = [e.text.strip() for e in inst.iter(f"{pre}filename") if e.text and e.text.strip()]
            for fn in dict.fromkeys(files):
                path = xml.parent / fn
                if path.exists():
                    out.append(Sample(str(path.relative_to(root)), "drum", piece[0], "drums", kit, piece[1]))
    return out


def _sonic_pi(root: Path) -> list[Sample]:
    out = []
    for f in sorted((root / SONIC_PI).glob("*.flac")):
        stem = f.stem
        spec = SONIC_PI_NAMES.get(stem) or next((v for k, v in SONIC_PI_PREFIX.items() if stem.startswith(k)), None)
        if not spec:
            continue
        kind, label, group = spec
        key = -1
        if stem.startswith("elec_") and kind == "sound" and piece_of(stem[5:]):  # electronic kicks, snares
            kind, label, group = "drum", "", "drums"
        if kind == "drum":
            piece = piece_of(label or stem.replace("drum_", ""))
            label, key = (label or (piece[0] if piece else "")), (piece[1] if piece else -1)
            if not label:
                continue
        out.append(Sample(str(f.relative_to(root)), kind, label, group, "sonic-pi", key))
    return out


def _lmms(root: Path) -> list[Sample]:
    out = []
    for f in sorted((root / LMMS).glob("*/*")):
        rel, folder = f"{f.parent.name}/{f.stem}", f.parent.name
        if f.suffix not in AUDIO_EXT or folder in ("shapes", "waveforms", "drumsynth"):
            continue
        spec = LMMS_NAMES.get(rel)
        base = re.sub(r"\d+$", "", f.stem)
        inst = next((v for k, v in LMMS_INSTRUMENTS.items() if base.startswith(k)), None)
        if spec is None and folder in ("instruments", "stringsnpads", "latin") and inst:
            spec = ("note" if folder == "instruments" else "loop", *inst)
        elif spec is None and folder == "basses":
            spec = ("note", "synth bass", "bass")
        elif spec is None and folder == "bassloops":
            spec = ("loop", "bass loop", "electronic music")
        elif spec is None and folder == "beats":
            piece = piece_of(f.stem.replace("rave_", ""))
            spec = ("drum", piece[0], "drums") if "rave_" in f.stem and piece else ("loop", "drum loop", "drums")
        elif spec is None and folder == "drums":
            piece = piece_of(f.stem)
            spec = ("drum", piece[0], "drums") if piece else None
        if not spec:
            continue
        kind, label, group = spec
        key = piece_of(label)[1] if kind == "drum" and piece_of(label) else -1
        out.append(Sample(str(f.relative_to(root)), kind, label, group, "lmms", key))
    return out


def readable(path: Path) -> bool:
    """libsndfile can open it (a few package files carry a wrong extension or a broken header)."""
    if path.suffix == ".pat":
        return True
    import soundfile as sf
    try:
        return sf.info(str(path)).frames > 0
    except (RuntimeError, sf.LibsndfileError):
        return False


@lru_cache(maxsize=4)
def catalog(root: str) -> tuple[Sample, ...]:
    """Every labelled, readable sample under a fetch root (empty when nothing was fetched there)."""
    r = Path(root)
    return tuple(s for s in _freepats(r) + _hydrogen(r) + _sonic_pi(r) + _lmms(r) if readable(r / s.path))


def is_held_out(s: Sample) -> bool:
    """True for files reserved for the dev set (by kit, by instrument patch or by file)."""
    if s.kit in HELD_OUT_KITS or s.path in HELD_OUT_FILES:
        return True
    if s.kit == "freepats":
        return (s.kind == "patch" and s.key in HELD_OUT_PROGRAMS) or (s.kind == "drum" and s.key in HELD_OUT_DRUM_KEYS)
    return False


def split_samples(root: str, part: str) -> tuple[Sample, ...]:
    """`train`: everything but the hold-out; `dev`: only the hold-out."""
    want = part == "dev"
    return tuple(s for s in catalog(root) if is_held_out(s) == want)
