"""Audio analysis: waveform, mel spectrogram, MFCC, spectral descriptors and a probe-sound generator.

A probe (sine, square, chirp, coloured noise, clicks…) is written to a WAV file and put
into the `probe` audio component; `build()` returns that component so blocks.py can
wire it into other tabs' audio inputs ("send to Pair analysis / Captioning").
librosa's one-time start-up (~10 s) is paid on the first analysis, behind a progress
bar, or earlier in the background once the user touches this tab's inputs.
"""
from __future__ import annotations

import html

import gradio as gr
import pandas as pd

from app.analysis import probes
from app.constants import CLAP_SAMPLE_RATE, MINI_SAMPLE_RATE
from app.context import AppContext
from app.plots.embedding import empty_figure
from app.ui.common import audio_warnings, guarded, status_md

PLOTS = (("waveform", "Waveform"), ("mel", "Mel spectrogram"), ("mfcc", "MFCC"),
         ("spectral", "Spectral centroid ± bandwidth"), ("energy", "RMS level and zero-crossing rate"))
SUMMARY_LABELS = {
    "duration_s": "duration (s)", "sample_rate_hz": "analysis rate (Hz)", "source_rate_hz": "file rate (Hz)",
    "channels": "channels (file)", "samples": "samples", "peak": "peak (linear)", "peak_dbfs": "peak (dBFS)",
    "rms_dbfs": "loudness: RMS (dBFS)", "crest_factor_db": "crest factor (dB)", "dc_offset": "DC offset",
    "zero_crossings_per_s": "zero crossings / s", "clipped_samples": "clipped samples (|x| ≥ 0.999)",
}
ANALYSIS_MAX_RATE = CLAP_SAMPLE_RATE  # higher-rate files are resampled: 192 kHz spectrograms show mostly emptiness
PROBE_RATES = [8000, MINI_SAMPLE_RATE, 22050, 32000, 44100, CLAP_SAMPLE_RATE]


def summary_frame(summary: dict, warnings: list[str] | None = None) -> pd.DataFrame:
    """The summary dict as a two-column table with readable names."""
    rows = [{"quantity": SUMMARY_LABELS.get(k, k), "value": "–" if v is None else str(v)} for k, v in summary.items()]
    rows += [{"quantity": "warning", "value": w} for w in warnings or []]
    return pd.DataFrame(rows, columns=["quantity", "value"])


def analyze_file(path: str, progress=None) -> tuple[dict, pd.DataFrame, list[str]]:
    """Decode `path`, compute the features and return (figures by name, summary table, warnings)."""
    from app.analysis import features
    from app.audio import load_audio
    from app.plots.audio import all_figures

    if not path:
        raise ValueError("upload or record a clip, or generate a probe first")
    audio = load_audio(path)
    if audio.sample_rate > ANALYSIS_MAX_RATE:
        audio = load_audio(path, ANALYSIS_MAX_RATE)
    if progress is not None:
        first = "" if features.is_warm() else " (first analysis: loading librosa, ~10 s)"
        progress(0.3, desc=f"computing features{first}")
    feats = features.analyze(audio.samples, audio.sample_rate, audio.source_channels, audio.source_rate)
    if progress is not None:
        progress(0.9, desc="drawing")
    return all_figures(feats, titles=False), summary_frame(feats.summary, audio.warnings), list(audio.warnings)


def make_probe(kind: str, frequency: float, end_frequency: float, duration: float, amplitude: float,
               rate: int, seed: int) -> str:
    """Render a probe and write it to a temp WAV; returns the path."""
    wave = probes.generate(kind, duration=float(duration), rate=int(rate), frequency=float(frequency),
                           amplitude=float(amplitude), seed=int(seed),
                           end_frequency=float(end_frequency) if kind == "chirp" else None)
    stem = probes.probe_name(kind, float(frequency), float(duration), float(end_frequency))
    return probes.write_wav(wave, int(rate), stem=stem)


def build(ctx: AppContext) -> dict[str, gr.components.Component]:
    """Lay out the Audio analysis tab; returns {"probe": gr.Audio with the generated probe's file,
    "input": the analysed audio component, "probe_path": gr.Textbox with the probe's file path}."""
    gr.Markdown("Look inside a sound: upload or record a clip, or **generate a probe** — a known signal to test "
                "what a model hears. A probe can be sent to the other tabs.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=320):
            source = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Audio to analyse")
            run = gr.Button("Analyse", variant="primary")
            summary = gr.Dataframe(summary_frame({}), label="Summary", interactive=False, max_height=330)
        with gr.Column(scale=1, min_width=320):
            with gr.Group():
                kind = gr.Dropdown(list(probes.PROBES), value="sine", label="Probe sound")
                with gr.Row():
                    freq = gr.Number(440.0, label="Frequency (Hz) · clicks per second", minimum=0.1)
                    end_freq = gr.Number(8000.0, label="Chirp end (Hz)", minimum=1.0)
                with gr.Row():
                    dur = gr.Slider(0.1, probes.MAX_SECONDS, value=2.0, step=0.1, label="Duration (s)")
                    amp = gr.Slider(0.0, 1.0, value=0.5, step=0.01, label="Peak amplitude")
                with gr.Row():
                    rate = gr.Dropdown(PROBE_RATES, value=22050, label="Sample rate (Hz)")
                    seed = gr.Number(0, precision=0, label="Noise seed")
            generate = gr.Button("Generate probe")
            probe = gr.Audio(label="Probe (send it to other tabs)", type="filepath", interactive=False)
            probe_path = gr.Textbox(label="Probe file", interactive=False, max_lines=1)
    status = gr.Markdown(status_md("Upload, record or generate a sound; analysis runs automatically."))
    plots = {}
    with gr.Row(equal_height=False):
        for name, title in PLOTS[:2]:
            plots[name] = gr.Plot(empty_figure(f"{title} appears here.", 300), label=title)
    with gr.Row(equal_height=False):
        for name, title in PLOTS[2:4]:
            plots[name] = gr.Plot(empty_figure(f"{title} appears here.", 300), label=title)
    plots["energy"] = gr.Plot(empty_figure(f"{PLOTS[4][1]} appears here.", 300), label=PLOTS[4][1])

    @guarded(len(PLOTS) + 2)
    def on_analyse(path, progress=gr.Progress()):
        figs, table, warnings = analyze_file(path, progress)
        for w in warnings:
            gr.Warning(f"audio: {html.escape(w)}")
        name = html.escape(str(path).rsplit("/", 1)[-1])
        return (status_md(f"Analysed **{name}**.", "ok"), *[figs[n] for n, _ in PLOTS], table)

    outputs = [status, *[plots[n] for n, _ in PLOTS], summary]

    def on_change(path, progress=gr.Progress()):
        if not path:  # the clip was cleared: leave the last analysis on screen
            return (gr.skip(),) * len(outputs)
        return on_analyse(path, progress)

    run.click(on_analyse, [source], outputs, api_visibility="private")
    source.change(on_change, [source], outputs, api_visibility="private")

    @guarded(3)
    def on_generate(k, f, f_end, d, a, r, s):
        path = make_probe(k, f, f_end, d, a, r, s)
        return status_md(f"Generated **{html.escape(path.rsplit('/', 1)[-1])}** — analysing it.", "ok"), path, path

    generate.click(on_generate, [kind, freq, end_freq, dur, amp, rate, seed], [status, probe, probe_path],
                   api_visibility="private").then(on_analyse, [probe], outputs, api_visibility="private")
    for trigger in (source.upload, source.start_recording, kind.focus):
        trigger(_warm_librosa, None, None, api_visibility="private", show_progress="hidden", queue=False)
    return {"probe": probe, "input": source, "probe_path": probe_path}


def _warm_librosa() -> None:
    """Start librosa's one-time warm-up in a background thread (no-op once warm)."""
    from app.analysis import features

    if not features.is_warm():
        features.warm_up_in_background()


__all__ = ["build", "analyze_file", "make_probe", "summary_frame", "audio_warnings"]
