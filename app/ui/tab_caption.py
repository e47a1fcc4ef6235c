"""Pseudo-captioning: the built-in captions and tags nearest to a clip (ANN search in the
model's caption collection), plus any lines the user adds. API: `/caption`.
"""
from __future__ import annotations

import html

import gradio as gr
import pandas as pd

from app import search
from app.context import AppContext
from app.plots.embedding import TEXT_COLOR, empty_figure, score_bar_figure
from app.ui.common import (api_endpoint, audio_input, audio_warnings, demo_examples, guarded, hidden_inputs,
                           model_dropdown, progress_callback, status_md, texts_from_box)


def caption(ctx: AppContext, model: str, audio_path, k: int, extra: list[str], progress=None) -> list[dict]:
    """Top-k vocabulary captions/tags for a clip, with the user's lines merged in, best first."""
    emb = ctx.ensure_bootstrapped(model, progress_callback(progress) if progress else None)  # vocab indexed
    clip = ctx.load_clip(audio_path, emb)
    audio_warnings(clip)
    return search.caption_audio(ctx.store, emb, clip, int(k), extra_lines=extra or None)


def caption_table(rows: list[dict]) -> pd.DataFrame:
    """Results as rank / text / kind / source / score."""
    return pd.DataFrame([{"rank": i, "text": r["text"], "kind": r.get("kind", ""), "source": r.get("source", ""),
                          "score": round(float(r["score"]), 4)} for i, r in enumerate(rows, 1)],
                        columns=["rank", "text", "kind", "source", "score"])


def _speech_controls() -> tuple[gr.Button, gr.Audio]:
    """"Say it aloud": the best captions as a sentence spoken by espeak-ng (app.speech)."""
    with gr.Row():
        say = gr.Button("Say it aloud", size="sm")
        spoken = gr.Audio(label="Spoken pseudo-caption", type="filepath", interactive=False)
    return say, spoken


@guarded(2)
def say_captions(frame):
    """The top captions of the table as a spoken sentence: (status with the text, WAV path)."""
    from app import speech

    texts = list(pd.DataFrame(frame)["text"]) if frame is not None and len(frame) else []
    if not texts:
        return status_md("Caption a clip first, then press **Say it aloud**.", "info"), gr.skip()
    if not speech.available():
        return status_md("Speech needs espeak-ng: `pip install espeakng-loader` (bundles libespeak-ng).",
                         "warn"), gr.skip()
    sentence = speech.describe(texts)
    try:
        wav = speech.speak_to_wav(sentence)
    except speech.SpeechUnavailable as exc:
        return status_md(html.escape(str(exc)), "warn"), gr.skip()
    return status_md(f"Spoken: “{html.escape(sentence)}”", "ok"), wav


def build(ctx: AppContext) -> dict[str, gr.components.Component]:
    """Lay out the Pseudo-captioning tab (call inside a gr.Tab); returns {"audio": its audio input}."""
    gr.Markdown("Describe a clip with the **nearest lines of the built-in vocabulary** (captions and tags), "
                "found by nearest-neighbour search among the model's text embeddings. This is retrieval, "
                "not generation: a caption can only be as good as the closest line available.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            model = model_dropdown(ctx)
            audio = audio_input()
            k = gr.Slider(1, 30, value=10, step=1, label="How many captions")
            extra = gr.Textbox(label="Your own vocabulary (optional, one line each)", lines=4,
                               placeholder="e.g. analog synth bass\nfield recording of a market",
                               info="scored alongside the built-in lines; marked 'user' in the table")
            run = gr.Button("Caption", variant="primary")
            demo_examples(ctx, audio, limit=6)
        with gr.Column(scale=3, min_width=420):
            status = gr.Markdown(status_md("Upload or record a clip and press **Caption**. The first run "
                                           "for a model indexes the vocabulary (a few seconds)."))
            bars = gr.Plot(empty_figure("Captions and their scores appear here."), label="Captions")
            table = gr.Dataframe(caption_table([]), label="Captions", interactive=False, max_height=420)
            say, spoken = _speech_controls()

    @guarded(3)
    def run_caption(model_name, audio_path, top, extra_block, progress=gr.Progress()):
        progress(0, desc="loading model")
        rows = caption(ctx, model_name, audio_path, int(top), texts_from_box(extra_block), progress)
        if not rows:
            return (status_md("No vocabulary for this model: `sample_data/vocab/` is empty and no lines were "
                              "added. Type some candidate lines on the left.", "warn"),
                    empty_figure("No captions."), caption_table([]))
        labels = [f"{r['text']}  [{r.get('kind', '')}{', yours' if r.get('source') == 'user' else ''}]" for r in rows]
        return (status_md(f"{len(rows)} caption(s); best: “{html.escape(rows[0]['text'])}”.", "ok"),
                score_bar_figure(labels, [r["score"] for r in rows], "Nearest captions and tags", TEXT_COLOR),
                caption_table(rows))

    run.click(run_caption, [model, audio, k, extra], [status, bars, table], api_visibility="private")
    say.click(say_captions, [table], [status, spoken], api_visibility="private")

    def api_caption(audio_file: str, model_name: str, top: int) -> list[dict]:
        """Top-k built-in captions/tags for an audio file: [{text, score, kind, source}] best first."""
        rows = caption(ctx, model_name or ctx.default_model, audio_file, search.check_k(top), [])
        return [{"text": r["text"], "score": float(r["score"]), "kind": r.get("kind", "caption"),
                 "source": r.get("source", "vocab")} for r in rows]

    api_endpoint(api_caption, hidden_inputs("file", "text", "int"), "caption",
                 "(audio file, model, k) -> [{text, score, kind, source}] best first")
    return {"audio": audio}
