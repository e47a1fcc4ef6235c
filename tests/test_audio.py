"""The one audio path: formats, mono/resample, windows, and a specific error per bad input."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio import MAX_OUTPUT_RATE, AudioConfig, AudioError, fixed_windows, load_audio, prepare_waveform
from tests.conftest import noise, tone


@pytest.mark.parametrize("ext,fmt,subtype", [
    ("wav", "WAV", "PCM_16"), ("flac", "FLAC", "PCM_16"), ("ogg", "OGG", "VORBIS"),
    ("opus", "OGG", "OPUS"), ("mp3", "MP3", "MPEG_LAYER_III"),
])
def test_decodes_common_formats_to_mono_at_target_rate(tmp_path, ext, fmt, subtype):
    rate = 48000
    path = tmp_path / f"a.{ext}"
    sf.write(path, np.stack([tone(440, 1.0, rate), tone(440, 1.0, rate)], 1), rate, format=fmt, subtype=subtype)
    audio = load_audio(path, 16000)
    assert audio.sample_rate == 16000 and audio.source_channels == 2
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert abs(audio.duration - 1.0) < 0.1  # codecs add a little priming
    spectrum = np.abs(np.fft.rfft(audio.samples))
    peak_hz = np.argmax(spectrum) * 16000 / len(audio.samples)
    assert abs(peak_hz - 440) < 10


def test_decodes_m4a_through_pyav(tmp_path):
    av = pytest.importorskip("av")
    path = tmp_path / "a.m4a"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=44100)
        wave = tone(440, 1.0, 44100)[None, :]
        frame = av.AudioFrame.from_ndarray(wave, format="fltp", layout="mono")
        frame.sample_rate = 44100
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    audio = load_audio(path, 16000)
    assert 0.8 < audio.duration < 1.2 and audio.sample_rate == 16000


def test_resample_preserves_pitch_and_length():
    audio = prepare_waveform(tone(1000, 2.0, 44100), 44100, 16000)
    assert len(audio.samples) == 32000
    peak_hz = np.argmax(np.abs(np.fft.rfft(audio.samples))) * 16000 / 32000
    assert abs(peak_hz - 1000) < 2


def test_many_channels_are_averaged():
    data = np.stack([tone(440, 0.5, 8000)] * 6 + [np.zeros(4000, np.float32)] * 2, 1)
    audio = prepare_waveform(data, 8000)
    assert audio.source_channels == 8
    np.testing.assert_allclose(audio.samples, tone(440, 0.5, 8000) * 6 / 8, atol=1e-6)


def test_int16_pcm_is_scaled():
    audio = prepare_waveform((tone(440, 0.1, 16000) * 32767).astype(np.int16), 16000)
    assert 0.45 < np.max(np.abs(audio.samples)) <= 0.5001


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt garbage", "not a readable audio file"),
    (b"hello, I am a text file pretending" * 50, "not a readable audio file"),
])
def test_bad_files_raise_specific_errors(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=message):
        load_audio(path, 16000)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        load_audio(tmp_path / "nope.wav")
    with pytest.raises(AudioError, match="folder"):
        load_audio(tmp_path)


def test_truncated_wav_is_read_or_rejected_cleanly(tmp_path):
    path = tmp_path / "t.wav"
    sf.write(path, tone(440, 1.0, 16000), 16000)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])  # header promises more frames than exist
    try:
        audio = load_audio(path, 16000)
    except AudioError as exc:
        assert "t.wav" in str(exc)
    else:
        assert 0.3 < audio.duration <= 1.0 and np.all(np.isfinite(audio.samples))


def test_nan_and_inf_are_rejected(tmp_path):
    wave = tone(440, 0.5, 16000)
    wave[100] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(path, wave, 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN or infinite"):
        load_audio(path)
    with pytest.raises(AudioError, match="NaN or infinite"):
        prepare_waveform(np.array([0.0, np.inf], np.float32), 16000)


def test_silence_is_allowed_but_flagged():
    audio = prepare_waveform(np.zeros(16000, np.float32), 16000)
    assert audio.is_silent and "silent" in audio.warnings[0]


def test_implausible_rate_and_long_file_cropped(tmp_path):
    with pytest.raises(AudioError, match="sample rate"):
        prepare_waveform(tone(10, 1.0, 100), 100)
    audio = prepare_waveform(noise(5.0, 8000), 8000, config=AudioConfig(max_seconds=2.0))
    assert audio.duration == pytest.approx(2.0) and "cropped" in audio.warnings[0]
    path = tmp_path / "long.wav"
    sf.write(path, noise(5.0, 8000), 8000)
    assert load_audio(path, config=AudioConfig(max_seconds=2.0)).duration == pytest.approx(2.0, abs=1e-3)


def test_bytes_input():
    import io

    buf = io.BytesIO()
    sf.write(buf, tone(440, 0.5, 16000), 16000, format="WAV")
    assert load_audio(buf.getvalue(), 16000).duration == pytest.approx(0.5)


def test_fixed_windows_are_consecutive_and_deterministic():
    wave = np.arange(25, dtype=np.float32)
    chunks = fixed_windows(wave, 10)
    assert [len(c) for c in chunks] == [10, 10, 5]
    np.testing.assert_array_equal(np.concatenate(chunks), wave)
    assert [len(c) for c in fixed_windows(np.arange(21, dtype=np.float32), 10)] == [10, 10]  # 1-sample tail dropped
    assert len(fixed_windows(wave[:7], 10)) == 1


# --- issue 9 (1, 5): bounded memory, rate/channel caps, clear messages -------
_PEAK_RSS_SCRIPT = """
import resource, sys
import numpy as np, soundfile as sf
from app import audio
from app.decode import _decode_av
path, decoder = sys.argv[1], sys.argv[2]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if decoder == "av":
    clip = _decode_av(path, path, [16000], audio.DEFAULT_AUDIO_CONFIG)[0]
else:
    clip = audio.load_audio(path, 16000)
grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(f"{grown_mb:.1f} {clip.duration:.3f} {clip.source_channels}")
"""


def _silent_flac(path, seconds: int, channels: int, rate: int) -> None:
    """A long many-channel high-rate FLAC of silence: compresses to a few hundred KB."""
    block = np.zeros((rate, channels), np.float32)
    with sf.SoundFile(path, "w", rate, channels, format="FLAC", subtype="PCM_16") as f:
        for _ in range(seconds):
            f.write(block)


@pytest.mark.parametrize("decoder", ["soundfile", "av"])
def test_tiny_file_promising_huge_audio_decodes_in_bounded_memory(tmp_path, decoder):
    import subprocess
    import sys

    path = tmp_path / "bomb.flac"
    _silent_flac(path, seconds=120, channels=8, rate=192_000)  # 184 M samples = 737 MB as float32
    assert path.stat().st_size < 2_000_000
    out = subprocess.run([sys.executable, "-c", _PEAK_RSS_SCRIPT, str(path), decoder], capture_output=True,
                         text=True, timeout=240, cwd=Path(__file__).resolve().parents[1],
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr[-2000:]
    grown_mb, duration, channels = out.stdout.split()
    assert float(duration) == pytest.approx(120.0, abs=0.05) and int(channels) == 8
    assert float(grown_mb) < 200, f"decoding took {grown_mb} MB"


def test_rate_and_channel_caps_name_the_file(tmp_path):
    fast = tmp_path / "fast.wav"
    sf.write(fast, np.zeros(1000, np.float32), 1_000_000)
    with pytest.raises(AudioError, match=r"fast\.wav: sample rate 1000000 Hz"):
        load_audio(fast, 16000)
    wide = tmp_path / "wide.wav"
    sf.write(wide, np.zeros((100, 33), np.float32), 8000)
    with pytest.raises(AudioError, match=r"wide\.wav: 33 channels"):
        load_audio(wide, 16000)
    slow = tmp_path / "slow.wav"
    sf.write(slow, np.zeros(100, np.float32), 100)
    with pytest.raises(AudioError, match=r"slow\.wav: sample rate 100 Hz"):
        load_audio(slow)


def test_native_rate_is_capped_so_output_stays_bounded(tmp_path):
    path = tmp_path / "hires.flac"
    sf.write(path, tone(1000, 1.0, 192_000), 192_000)
    audio = load_audio(path)
    assert audio.source_rate == 192_000 and audio.sample_rate == MAX_OUTPUT_RATE
    assert len(audio.samples) == MAX_OUTPUT_RATE


def test_fragment_below_minimum_is_refused_and_crop_is_exact(tmp_path):
    frag = tmp_path / "frag.wav"
    sf.write(frag, noise(0.002, 16000), 16000)  # 2 ms
    with pytest.raises(AudioError, match=r"frag\.wav: too short \(2\.0 ms; the minimum is 10 ms\)"):
        load_audio(frag, 16000)
    exact = tmp_path / "exact.wav"
    sf.write(exact, noise(2.0, 8000), 8000)
    assert load_audio(exact, config=AudioConfig(max_seconds=2.0)).warnings == []
    sf.write(exact, noise(2.001, 8000), 8000)
    assert load_audio(exact, config=AudioConfig(max_seconds=2.0)).warnings == ["cropped to the first 2 s"]


def test_existing_non_audio_file_says_not_audio_not_pipe(tmp_path):
    path = tmp_path / "notes.mp3"
    path.write_text("these are my notes, not a song\n" * 40)
    with pytest.raises(AudioError) as err:
        load_audio(path, 16000)
    message = str(err.value)
    assert message.startswith(f"{path}: not a readable audio file (format mp3")
    assert "pipe" not in message and "does not exist" not in message


def test_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "stream.wav"
    os.mkfifo(fifo)
    with pytest.raises(AudioError, match=r"stream\.wav: not a regular file"):
        load_audio(fifo, 16000)


def test_one_decode_at_several_rates_equals_separate_decodes(tmp_path):
    from app.audio import load_audio_rates

    path = tmp_path / "a.flac"
    sf.write(path, np.stack([noise(1.3, 44100, seed=1), tone(440, 1.3, 44100)], 1), 44100)
    clips = load_audio_rates(path, [16000, 48000, 44100])
    for rate, clip in clips.items():
        alone = load_audio(path, rate)
        assert clip.sample_rate == rate and clip.source_channels == 2
        np.testing.assert_array_equal(clip.samples, alone.samples)
