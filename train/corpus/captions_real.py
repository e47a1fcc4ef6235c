"""Captions for clips made from real recordings: the same varied template style as the
synthetic ones, naming what is heard (instrument, drum piece, kit, loop, sound type)."""
from __future__ import annotations

from .captions import DYNAMICS_WORDS, Writer, article, groove_captions, instrument_captions, instrument_name
from .gm import PERCUSSION

HIT_WORDS: dict[str, tuple[str, ...]] = {
    "tabla": ("tabla", "tabla drums", "indian hand drum"), "djembe": ("djembe", "african hand drum"),
    "cajon": ("cajon", "box drum"), "dundun drum": ("dundun drum", "african bass drum", "dunun"),
    "finger snap": ("finger snap", "snapping fingers", "snaps"), "glass": ("glass", "tapped water glass"),
    "shaker": ("shaker", "egg shaker"), "woodblock": ("woodblock", "wood block"),
}
SOUND_WORDS: dict[str, tuple[str, ...]] = {
    "vinyl scratch": ("vinyl scratch", "record scratching", "DJ scratching"),
    "vinyl crackle": ("vinyl crackle", "record crackle", "vinyl hiss"), "crow": ("crow", "a crow cawing", "bird call"),
    "applause": ("applause", "people clapping", "audience clapping"),
    "cheering crowd": ("cheering crowd", "crowd noise", "people cheering"),
    "explosion": ("explosion", "a loud blast", "boom"), "wind chimes": ("wind chimes", "chimes tinkling"),
    "gong": ("gong", "a gong being struck"), "bell": ("bell", "bell ringing", "a ringing bell"),
    "chime": ("chime", "a chime", "electronic chime"), "metronome": ("metronome", "metronome ticking"),
    "robot voice": ("robot voice", "robotic voice", "talking robot"),
    "phone ringing": ("phone ringing", "telephone ring", "ringtone"),
    "door knock": ("door knock", "knocking on a door", "a knock"), "cash register": ("cash register", "shop till"),
    "burp": ("burp", "someone burping", "belch"), "breathing": ("breathing", "heavy breathing", "breath sounds"),
    "whoosh": ("whoosh", "swoosh", "swish"), "impact": ("impact", "a hit", "thud"),
    "cinematic boom": ("cinematic boom", "deep boom", "trailer hit"), "laser zap": ("laser zap", "zap", "sci-fi laser"),
    "sci-fi warp": ("sci-fi warp", "warping sound", "space warp"), "power up": ("power up", "rising sci-fi sound"),
    "power down": ("power down", "falling sci-fi sound"), "filter sweep": ("filter sweep", "synth sweep"),
    "electronic blip": ("electronic blip", "beep", "blip"), "glitch": ("glitch", "digital glitch", "glitchy noise"),
    "buzzing": ("buzzing", "buzz", "electric buzz"), "drone": ("drone", "low drone", "droning sound"),
    "glass hum": ("glass hum", "humming glass"), "rubbed glass": ("rubbed glass", "glass harp tone"),
    "eerie hum": ("eerie hum", "haunted hum", "spooky hum"), "space ambience": ("space ambience", "sci-fi atmosphere"),
    "sauna ambience": ("sauna ambience", "hissing steam"), "3d printer": ("3d printer", "machine whirring"),
    "metal clang": ("metal clang", "clanging metal", "metallic hit"),
}
LOOP_GROUP_WORDS = {"drums": ("drum loop", "drum break", "beat"), "percussion": ("percussion loop", "hand drums"),
                    "electronic music": ("electronic music loop", "synth loop"), "ambience": ("ambient loop", "drone"),
                    "bass": ("bass loop",), "strings": ("strings",), "voice": ("choir",), "synth pad": ("pad",),
                    "guitar": ("guitar loop",), "brass": ("brass loop",)}
KIT_WORDS = {"acoustic drum kit": ("acoustic drum kit", "real drum kit", "drum set"),
             "electronic drum kit": ("electronic drum kit", "drum machine", "electronic drums")}


def real_instrument_captions(w: Writer, labels: dict) -> list[str]:
    inst = instrument_name(w, labels)
    return instrument_captions(w, labels) + [w.pick((f"a recording of {article(inst)}", f"sampled {inst}",
                                                     f"{inst} recording", f"real {inst} sound"))]


def real_drums_captions(w: Writer, labels: dict) -> list[str]:
    return groove_captions(w, labels, KIT_WORDS[labels["kit"]])


def real_hit_captions(w: Writer, labels: dict) -> list[str]:
    label = labels["instrument"]
    gm = next((p.aliases for p in PERCUSSION.values() if p.label == label), ())
    names = (label, *gm, *HIT_WORDS.get(label, ()))
    name = w.pick(names)
    style = {"single hit": f"a single {name} hit", "hits": f"{name} hits",
             "rhythm": f"{article(name)} rhythm", "roll": f"{article(name)} roll"}[labels["pattern"]]
    dyn = w.pick(DYNAMICS_WORDS[labels["dynamics"]])
    return [label, style, f"the sound of {article(w.pick(names))}", f"{dyn} {name}",
            f"{w.pick(('percussion', 'a percussion instrument', 'drum sample'))}: {label}",
            f"someone playing {article(w.pick(names))}", w.pick((f"a recorded {label} sample", f"{label} one-shot"))]


def real_loop_captions(w: Writer, labels: dict) -> list[str]:
    label, group = labels["sound"], labels["loop_group"]
    gw = w.pick(LOOP_GROUP_WORDS.get(group, ("loop",)))
    if "sound2" in labels:
        other = labels["sound2"]
        return [f"{label} and {other}", f"{label} layered with {other}", f"two loops: {label} and {other}",
                f"{article(gw)} with {other}", f"{label}, {other}, loops", f"a {label} loop over {article(other)}"]
    return [label, f"{article(label)} loop", f"a looped {label} sample", f"{label}, loop, {group}",
            f"{gw}: {label}", w.pick((f"a repeating {label} pattern", f"{label} playing over and over")),
            w.pick((f"a recording of {article(label)}", f"{gw} sample"))]


def real_sound_captions(w: Writer, labels: dict) -> list[str]:
    label, kind = labels["sound"], labels["kind"]
    words = SOUND_WORDS.get(label, (label,))
    caps = [label, w.pick(words), f"the sound of {w.pick(words)}", f"{label}, {kind}",
            f"a recording of {w.pick(words)}", f"{kind}: {label}"]
    if labels.get("repeated") == "yes":
        caps.append(w.pick((f"{label} repeated several times", f"several {w.pick(words)} sounds")))
    return caps


REAL_BUILDERS = {"real_instrument": real_instrument_captions, "real_drums": real_drums_captions,
                 "real_hit": real_hit_captions, "real_loop": real_loop_captions, "real_sound": real_sound_captions}
