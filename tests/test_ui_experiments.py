"""The Experiments tab end to end: a real server, a tiny CLAP, a default gradio_client.Client."""
from __future__ import annotations

import pytest
import soundfile as sf

from app.analysis import probes
from tests.served import serve_app


@pytest.fixture(scope="module")
def served(tiny_clap_dir, tmp_path_factory):
    from app.context import AppContext
    from app.settings import Settings

    root = tmp_path_factory.mktemp("ui-exp")
    demo, vocab = root / "demo", root / "vocab"
    demo.mkdir()
    vocab.mkdir()
    lines = ["path,category,instrument,family,mood,language,caption,tags"]
    for i, (kind, freq) in enumerate((("sine", 220), ("square", 440), ("sawtooth", 880), ("sine", 1760))):
        sf.write(demo / f"{i}_{kind}.wav", probes.generate(kind, 1.5, 16_000, freq, 0.5), 16_000)
        lines.append(f"{i}_{kind}.wav,{'tone' if i % 2 else 'synth'},{kind},synth,,,a {kind} tone,{kind} tone")
    (demo / "metadata.csv").write_text("\n".join(lines) + "\n")
    (vocab / "captions.txt").write_text("a sine tone\na square wave\nspeech\n")
    settings = Settings(store_dir=root / "store", models=(str(tiny_clap_dir),))
    ctx = AppContext(settings, bootstrap=False, demo_dir=demo, vocab_dir=vocab)
    try:
        with serve_app(ctx) as app:
            yield app.client, str(tiny_clap_dir)
    finally:
        ctx.close()


def test_experiment_endpoint_returns_the_result_json(served):
    client, model = served  # a default Client: rows must not look like files
    out = client.predict("signals", model, "demo", 0, api_name="/experiment")
    assert out["schema"] == "aeb-experiment/1" and out["experiment"] == "signals"
    assert out["models"] == [model] and out["n_clips"] == 4
    signals = {r["signal"] for r in out["rows"]}
    assert {"silence", "ultrasound 30 kHz @96k"} <= signals
    assert all("path" not in r for r in out["rows"]) and out["readings"]


def test_experiment_endpoint_rejects_bad_input(served):
    from gradio_client.exceptions import AppError

    client, model = served
    with pytest.raises(AppError, match="unknown experiment"):
        client.predict("nope", model, "demo", 0, api_name="/experiment")
    with pytest.raises(AppError, match="this server offers"):
        client.predict("signals", "/etc", "demo", 0, api_name="/experiment")


def test_caption_tab_says_the_best_captions_aloud():
    import pandas as pd

    from app import speech
    from app.ui.tab_caption import say_captions

    status, wav = say_captions(pd.DataFrame({"text": ["a grand piano", "a sad violin", "rain"]}))
    if not speech.available():
        assert "espeak-ng" in status
        return
    assert "This sounds like a grand piano, or a sad violin." in status
    samples, rate = sf.read(wav)
    assert rate == speech.SPEECH_RATE and len(samples) > 0.5 * rate and abs(samples).max() > 0.05


def test_speech_is_deterministic_and_checks_its_input():
    from app import speech

    if not speech.available():
        pytest.skip("espeak-ng not installed")
    a, _ = speech.speak("a warm analog bass")
    b, _ = speech.speak("a warm analog bass")
    assert len(a) > 0 and (a == b).all()
    with pytest.raises(ValueError, match="empty"):
        speech.speak("   ")
    with pytest.raises(speech.SpeechUnavailable, match="voice"):
        speech.speak("hello", speech.Voice("no-such-voice"))
