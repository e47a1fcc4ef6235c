"""The experiments on toy embedders with known behaviour: each must report exactly its effect."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import soundfile as sf

from app.analysis import probes
from experiments.core import Cancelled, RunConfig, Session, check_rows, run_experiment
from tests.experiment_toys import BandToy

KINDS = ("sine", "square", "sawtooth")
REGISTERS = {"low": 150.0, "mid": 600.0, "high": 2000.0}
MOODS = ("happy", "sad", "calm")


@pytest.fixture(scope="module")
def toy_set(tmp_path_factory):
    """(demo dir, vocab dir): 9 tones at 16 kHz (3 waveforms x 3 registers) with metadata."""
    root = tmp_path_factory.mktemp("toy-set")
    demo, vocab = root / "demo", root / "vocab"
    demo.mkdir()
    vocab.mkdir()
    lines = ["path,category,instrument,family,mood,language,caption,tags"]
    for i, (kind, (register, freq)) in enumerate((k, r) for k in KINDS for r in REGISTERS.items()):
        wave = probes.generate(kind, 2.0, 16_000, freq, 0.5) + 0.02 * probes.generate("white noise", 2.0, 16_000)
        name = f"{i:02d}_{kind}_{register}.wav"
        sf.write(demo / name, wave, 16_000)
        mood = MOODS[i % 3]
        lines.append(f"{name},synthetic,{kind} synth,{register},{mood},,a {mood} {kind} tone,"
                     f"{kind} synth;{register};{mood}")
    (demo / "metadata.csv").write_text("\n".join(lines) + "\n")
    (vocab / "captions.txt").write_text("a low tone\na high tone\na mid tone\nsomeone speaking\nsilence\n")
    return demo, vocab


def session(toy_set, models: dict, **kw) -> Session:
    demo, vocab = toy_set
    config = RunConfig(tuple(models), demo_dir=str(demo), vocab_dir=str(vocab), **kw)
    return Session(config, embedders=models, out_dir=kw.pop("out_dir", None))


def row(result, **where) -> dict:
    found = [r for r in result.rows if all(r.get(k) == v for k, v in where.items())]
    assert len(found) == 1, (where, found)
    return found[0]


def test_band_limiting_moves_only_the_model_that_hears_the_removed_band(toy_set):
    low, full = BandToy("low", cutoff_hz=3500), BandToy("full", cutoff_hz=8000)
    result = run_experiment("processing", session(toy_set, {"low": low, "full": full}))
    at8 = {m: row(result, model=m, parameter="sample rate (kHz)", value=8.0) for m in ("low", "full")}
    assert at8["low"]["drift_mean"] < 2e-3  # nothing it hears was removed
    assert at8["full"]["drift_mean"] > 0.02  # the 4-8 kHz harmonics are gone
    at22 = row(result, model="full", parameter="sample rate (kHz)", value=22.05)
    assert at22["drift_mean"] == 0.0 and at22["note"].startswith("no-op")
    assert any("8 kHz" in line for line in result.readings)


def test_level_and_phase_cancellation_move_only_the_level_dependent_model(toy_set):
    shape, level = BandToy("shape"), BandToy("level", level_weight=1.0)
    result = run_experiment("processing", session(toy_set, {"shape": shape, "level": level}))
    quiet = {m: row(result, model=m, parameter="peak level (dBFS)", value=-40.0)["drift_mean"] for m in ("shape", "level")}
    assert quiet["shape"] < 0.01 < 0.05 < quiet["level"]
    inverted = {m: row(result, model=m, parameter="channels", value="fold-down, R inverted")["drift_mean"]
                for m in ("shape", "level")}
    assert inverted["shape"] < 1e-3 and inverted["level"] > 0.02  # fold-down = same shape, 20 dB quieter
    normalised = [row(result, model="level", parameter="peak level, RMS-normalised (dBFS)", value=v)["drift_mean"]
                  for v in (-40.0, 0.0)]
    assert normalised[0] == pytest.approx(normalised[1], abs=5e-3)  # normalising undoes the gain


def test_signals_ultrasound_is_silence_for_a_16k_model(toy_set):
    result = run_experiment("signals", session(toy_set, {"low": BandToy("low")}))
    assert row(result, signal="ultrasound 30 kHz @96k")["cosine_to_silence"] > 0.99
    assert row(result, signal="sine 440 Hz")["cosine_to_silence"] < 0.9
    assert row(result, signal="silence")["rms_at_model_rate_db"] == -200.0
    assert any("Ultrasound" in line for line in result.readings)


def test_descriptions_find_the_aspect_the_toy_hears(toy_set):
    result = run_experiment("descriptions", session(toy_set, {"low": BandToy("low")}))
    register = row(result, part="aspect", aspect="register")
    mood = row(result, part="aspect", aspect="mood")
    assert register["win_rate"] == 1.0 and register["score_drop"] > 0.1
    assert mood["win_rate"] < 1.0 and abs(mood["score_drop"]) < register["score_drop"] / 2
    assert row(result, part="agreement", aspect="neighbour overlap@5")["value"] is not None


def test_applications_neighbours_share_the_register(toy_set, tmp_path):
    from app import speech

    s = session(toy_set, {"low": BandToy("low")}, speak=1)
    s.out_dir = tmp_path
    result = run_experiment("applications", s)
    family = row(result, part="similar tracks", field="family", k=1)  # family = register here
    assert family["precision"] == 1.0 and family["chance"] == pytest.approx(2 / 8)
    spoken = [r for r in result.rows if r["part"] == "spoken caption"]
    assert len(spoken) == 1
    if speech.available():
        assert spoken[0]["caption"].startswith("This sounds like") and (tmp_path / spoken[0]["file"]).is_file()
    else:
        assert "espeak-ng is not installed" in spoken[0]["note"]


def test_resources_small_store_and_projection(toy_set):
    s = session(toy_set, {"low": BandToy("low")}, store_sizes=(300,), projection_sizes=(30,),
                projection_methods=("pca",))
    result = run_experiment("resources", s)
    assert row(result, measure="store size on disk", x=300)["value"] > 0
    assert row(result, measure="recall@10 vs exact", x=300)["value"] >= 0.9
    assert "not measured" in row(result, measure="load")["note"]
    assert row(result, measure="embed time vs clip length", x=30.0)["seconds"] > 0


def test_stop_event_cancels(toy_set):
    stop = threading.Event()
    stop.set()
    s = session(toy_set, {"low": BandToy("low")})
    s.stop = stop
    with pytest.raises(Cancelled):
        run_experiment("signals", s)


def test_json_csv_and_report(toy_set, tmp_path):
    from experiments.report import write_report, write_result

    result = run_experiment("signals", session(toy_set, {"low": BandToy("low")}))
    figures = write_result(result, tmp_path, html="none")
    data = json.loads((tmp_path / "signals.json").read_text())
    assert data["schema"] == "aeb-experiment/1" and data["experiment"] == "signals"
    assert set(data) >= {"title", "question", "set_name", "models", "config", "rows", "readings", "seconds"}
    assert all("path" not in r for r in data["rows"]) and data["rows"][0]["model"] == "low"
    assert (tmp_path / "signals.csv").read_text().startswith("model,signal,kind")
    report = write_report([result], [figures], tmp_path, "python -m experiments run signals --model low")
    text = report.read_text()
    assert "## Signal types" in text and result.readings[0] in text
    for png in figures["png"]:
        assert (tmp_path / png).stat().st_size > 1000 and png in text
    with pytest.raises(ValueError, match="path"):
        check_rows("x", [{"path": "/etc/passwd"}])


def test_cli(capsys, tmp_path):
    from experiments.__main__ import main

    assert main(["list"]) == 0
    assert "processing" in capsys.readouterr().out
    assert main(["run", "nope", "--model", "mini-clap", "--out", str(tmp_path)]) == 2
    assert "unknown experiment" in capsys.readouterr().err


def test_processing_on_a_tiny_clap_checkpoint(toy_set, tiny_clap_dir):
    demo, vocab = toy_set
    config = RunConfig((str(tiny_clap_dir),), demo_dir=str(demo), vocab_dir=str(vocab), max_clips=3)
    result = run_experiment("processing", Session(config))
    rates = [r for r in result.rows if r["parameter"] == "sample rate (kHz)"]
    assert len(rates) == 6 and all(np.isfinite(r["drift_mean"]) for r in rates)
    assert row(result, parameter="sample rate (kHz)", value=44.1)["note"].startswith("no-op")
    assert result.n_clips == 3 and result.readings


def test_a_manifest_set_runs_like_the_demo_set(toy_set, tmp_path):
    demo, vocab = toy_set
    wavs = sorted(demo.glob("*.wav"))
    manifest = tmp_path / "clips.csv"
    manifest.write_text("path,label,group\n" + "".join(f"{w},{w.stem.split('_')[1]},{w.stem.split('_')[2]}\n"
                                                       for w in wavs))
    config = RunConfig(("low",), set_name="clips", manifest=str(manifest), vocab_dir=str(vocab))
    result = run_experiment("applications", Session(config, embedders={"low": BandToy("low")}))
    assert result.set_name == "clips" and result.n_clips == len(wavs)
    by_group = row(result, part="similar tracks", field="category", k=1)  # group = register
    assert by_group["precision"] == 1.0


def test_report_can_be_rerendered_from_saved_json(toy_set, tmp_path):
    from experiments.__main__ import main
    from experiments.report import write_result

    result = run_experiment("signals", session(toy_set, {"low": BandToy("low")}))
    result.command = "python -m experiments run signals --model low"
    write_result(result, tmp_path, html="none")
    target = tmp_path / "docs" / "experiments.md"
    assert main(["report", "--out", str(tmp_path), "--report", str(target), "--html", "none"]) == 0
    text = target.read_text()
    assert result.command in text and result.readings[0] in text
    assert "](../figures/signals-margin.png)" in text  # links point into --out from the report's folder
