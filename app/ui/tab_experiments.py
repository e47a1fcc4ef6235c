"""Experiments: run one of the `experiments` families on chosen models over the demo set,
with progress and a Stop button; see the readings, figures and table; download everything
(JSON, CSV, PNG, report.md) as a zip. API: `/experiment` returns the result JSON.
"""
from __future__ import annotations

import html
import tempfile
import threading
from pathlib import Path

import gradio as gr
import pandas as pd

from app.context import AppContext
from app.plots.embedding import empty_figure
from app.ui.common import api_endpoint, guarded, hidden_inputs, status_md

PLOT_SLOTS = 4
UI_STORE_SIZES = (1_000, 10_000)  # the server's CPU is shared: the 100k/1M curves are for the CLI
UI_PROJECTION_SIZES = (100, 300)
UI_MAX_CLIPS = 400


def run_experiment(ctx: AppContext, name: str, models: list[str], max_clips: int | None, stop: threading.Event,
                   progress=None):
    """Run `name` on `models` over the demo set; returns (Result, output folder with JSON/CSV/PNG/report)."""
    from experiments.core import EXPERIMENTS, RunConfig, Session
    from experiments.core import run_experiment as run
    from experiments.report import write_report, write_result

    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {str(name)[:60]!r}: use one of {', '.join(EXPERIMENTS)}")
    models = [m for m in dict.fromkeys(models or []) if m]
    if not models:
        raise ValueError("choose at least one model")
    clips = min(int(max_clips), UI_MAX_CLIPS) if max_clips and int(max_clips) > 0 else None
    embedders = {m: ctx.embedder(m) for m in models}  # only the models this server offers
    config = RunConfig(tuple(models), max_clips=clips, store_sizes=UI_STORE_SIZES, speak=2,
                       projection_sizes=UI_PROJECTION_SIZES,
                       precision=ctx.settings.precision, demo_dir=str(ctx.demo_dir), vocab_dir=str(ctx.vocab_dir))
    out = Path(tempfile.mkdtemp(prefix="aeb-experiment-"))
    session = Session(config, embedders=embedders, progress=progress, stop=stop, out_dir=out)
    result = run(name, session)
    figures = write_result(result, out, html="none")
    write_report([result], [figures], out, f"python -m experiments run {name} "
                 + " ".join(f"--model {m}" for m in models) + (f" --max-clips {clips}" if clips else ""))
    return result, out


def build(ctx: AppContext) -> None:
    """Lay out the Experiments tab (call inside a gr.Tab)."""
    from experiments.core import EXPERIMENTS, module

    titles = {module(n).TITLE: n for n in EXPERIMENTS}
    stops: dict[str, threading.Event] = {}  # one stop flag per browser session
    gr.Markdown("Run the **built-in experiments** on one or more models over the demo set: numbers, figures and "
                "a generated reading. The same runs, with larger settings, come from "
                "`python -m experiments run NAME --model A --model B`; the full report is in docs/experiments.md.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            experiment = gr.Dropdown(list(titles), value=next(iter(titles)), label="Experiment")
            question = gr.Markdown(f"_{module(EXPERIMENTS[0]).QUESTION}_")
            models = gr.CheckboxGroup(ctx.model_choices(), value=list(ctx.settings.models)[:2], label="Models")
            max_clips = gr.Number(value=0, precision=0, label="Clips (0 = the whole demo set)",
                                  info=f"an evenly spaced subset is faster; at most {UI_MAX_CLIPS}")
            with gr.Row():
                run = gr.Button("Run", variant="primary")
                stop = gr.Button("Stop", variant="stop")
        with gr.Column(scale=3, min_width=420):
            status = gr.Markdown(status_md("Pick an experiment and models, then press **Run**."))
            readings = gr.Markdown()
            download = gr.File(label="Report, data and figures (zip)", interactive=False)
    plots = [gr.Plot(empty_figure("Figures appear here."), visible=i == 0) for i in range(PLOT_SLOTS)]
    table = gr.Dataframe(pd.DataFrame(), label="Results", interactive=False, max_height=420)

    experiment.change(lambda t: f"_{module(titles[t]).QUESTION}_", [experiment], [question], api_visibility="private")

    @guarded(4 + PLOT_SLOTS)
    def on_run(title, chosen, clips, request: gr.Request, progress=gr.Progress()):
        from experiments.charts import to_plotly
        from experiments.core import Cancelled
        from experiments.report import figures_of, zip_dir

        flag = stops.setdefault(getattr(request, "session_hash", None) or "default", threading.Event())
        flag.clear()
        report = lambda done, total, msg: progress((done, max(total, 1)), desc=msg[:100])  # noqa: E731
        try:
            result, out = run_experiment(ctx, titles.get(title, title), chosen, clips, flag, report)
        except Cancelled:
            return (status_md("Stopped: nothing was written.", "warn"), gr.skip(), gr.skip(), gr.skip(),
                    *[gr.skip()] * PLOT_SLOTS)
        charts = figures_of(result)[:PLOT_SLOTS]
        figs = [gr.Plot(to_plotly(c), visible=True) for c in charts]
        figs += [gr.Plot(visible=False) for _ in range(PLOT_SLOTS - len(figs))]
        archive = zip_dir(out, out / f"{result.experiment}-report.zip")
        lines = "\n".join(f"- {html.escape(line)}" for line in result.readings)
        return (status_md(f"{result.title}: {len(result.rows)} rows in {result.seconds:.0f} s.", "ok"),
                lines, str(archive), pd.DataFrame(result.rows), *figs)

    run.click(on_run, [experiment, models, max_clips], [status, readings, download, table, *plots],
              api_visibility="private", concurrency_limit=1, concurrency_id="experiments")

    def on_stop(request: gr.Request):
        stops.setdefault(getattr(request, "session_hash", None) or "default", threading.Event()).set()
        return status_md("Stopping after the current step…", "warn")

    stop.click(on_stop, None, [status], api_visibility="private", queue=False)

    def api_experiment(name: str, model_list: str, set_name: str, clips: int) -> dict:
        """Run one experiment on comma-separated models over the demo set; the result JSON."""
        if (set_name or "demo") != "demo":
            raise ValueError(f"set {set_name!r}: the API runs experiments on the demo set only")
        names = [m.strip() for m in str(model_list or ctx.default_model).split(",") if m.strip()]
        result, _ = run_experiment(ctx, str(name or "").strip(), names, clips, threading.Event())
        return result.to_json()

    api_endpoint(api_experiment, hidden_inputs("text", "text", "text", "int"), "experiment",
                 "(experiment, models comma-separated, set 'demo', max clips or 0) -> result JSON "
                 "{schema, experiment, title, rows, readings, ...}")
