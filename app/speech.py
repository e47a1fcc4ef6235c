"""Say a text aloud with espeak-ng (the libespeak-ng bundled in the `espeakng-loader` wheel).

Synthesis runs in a short-lived child process (`python -m app.speech VOICE WPM`, text on
stdin, 16-bit PCM on stdout): libespeak-ng keeps global state between utterances and is
not thread-safe, so a fresh process per request gives the same audio for the same text
and cannot take the web server down. `speak()` raises `SpeechUnavailable` with a clear
message when espeak-ng is not installed.
"""
from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from dataclasses import dataclass

import numpy as np

SPEECH_RATE = 22_050  # espeak-ng's output rate
MAX_CHARS = 400  # a caption, not a book: bounds the child's time and memory
TIMEOUT_S = 30


class SpeechUnavailable(RuntimeError):
    """espeak-ng cannot be loaded here."""


@dataclass(frozen=True)
class Voice:
    name: str = "en-us"  # an espeak-ng voice, optionally "+variant" (e.g. "en-us+f3")
    words_per_minute: int = 160


def available() -> bool:
    try:
        import espeakng_loader  # noqa: F401
    except ImportError:
        return False
    return True


def describe(captions: list[str], limit: int = 2) -> str:
    """The sentence the app says for a clip's best captions: "This sounds like a, or b."."""
    picked = [c.strip() for c in captions if c and c.strip()][:limit]
    if not picked:
        raise ValueError("no caption to say")
    return "This sounds like " + ", or ".join(picked) + "."


def speak(text: str, voice: Voice = Voice()) -> tuple[np.ndarray, int]:
    """Synthesise `text` -> (float32 mono [T], SPEECH_RATE). ValueError for empty text."""
    text = " ".join(str(text or "").split())[:MAX_CHARS]
    if not text:
        raise ValueError("nothing to say: the text is empty")
    if not available():
        raise SpeechUnavailable("speech needs espeak-ng: pip install espeakng-loader (it bundles libespeak-ng)")
    try:
        proc = subprocess.run([sys.executable, "-m", "app.speech", voice.name, str(int(voice.words_per_minute))],
                              input=text.encode("utf-8"), capture_output=True, timeout=TIMEOUT_S,
                              cwd=_repo_root())
    except subprocess.TimeoutExpired as exc:
        raise SpeechUnavailable(f"espeak-ng did not finish within {TIMEOUT_S} s") from exc
    if proc.returncode != 0 or not proc.stdout:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no audio"]
        raise SpeechUnavailable(f"espeak-ng failed: {detail[0][:200]}")
    return np.frombuffer(proc.stdout, np.int16).astype(np.float32) / 32768.0, SPEECH_RATE


def speak_to_wav(text: str, path: str | None = None, voice: Voice = Voice()) -> str:
    """Synthesise `text` into a 16-bit WAV (a content-named temp file by default); returns its path."""
    from app.analysis.probes import write_wav

    samples, rate = speak(text, voice)
    return write_wav(samples, rate, path, stem="speech-" + "-".join(text.split()[:6]))


def _repo_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- the child process ---------------------------------------------------------------
def _synthesise_here(text: str, voice: str, wpm: int) -> bytes:
    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    if lib.espeak_Initialize(2, 0, espeakng_loader.get_data_path().encode(), 0) <= 0:  # 2 = synchronous
        raise RuntimeError("espeak_Initialize failed")
    chunks: list[bytes] = []
    callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

    def collect(wav, n: int, _events) -> int:
        if n > 0:
            chunks.append(ctypes.string_at(wav, 2 * n))
        return 0

    callback = callback_type(collect)  # kept referenced until synthesis ends
    lib.espeak_SetSynthCallback(callback)
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise RuntimeError(f"unknown espeak-ng voice {voice!r}")
    lib.espeak_SetParameter(1, wpm, 0)  # 1 = espeakRATE
    data = text.encode("utf-8")
    lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, 1, None, None)  # 1 = espeakCHARS_UTF8
    lib.espeak_Synchronize()
    return b"".join(chunks)


if __name__ == "__main__":
    try:
        sys.stdout.buffer.write(_synthesise_here(sys.stdin.buffer.read().decode("utf-8"), sys.argv[1], int(sys.argv[2])))
    except Exception as exc:  # noqa: BLE001 - reported to the parent on stderr
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
