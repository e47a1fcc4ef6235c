"""Status: the model zoo (family, dimension, rate, licence, text support), loaded models,
last embedding times, process memory, store backend and sizes.

Reading status never loads a model: what the registry knows is shown for every model,
what only a loaded model knows (parameters, timings) once it is loaded. API: `/models`.
"""
from __future__ import annotations

import html
import os
import platform
import sys
from dataclasses import asdict

import gradio as gr
import pandas as pd

from app.context import AppContext
from app.ui.common import api_endpoint, guarded, hidden_inputs, status_md


def process_memory() -> dict[str, float]:
    """Resident and peak memory of this process in MiB (/proc on Linux, `resource` elsewhere)."""
    out: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out["rss_mib" if key == "VmRSS" else "peak_mib"] = int(value.split()[0]) / 1024
    except OSError:
        import resource

        out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _row(name: str, spec, emb, configured: bool) -> dict:
    """One model: the registry's facts, overridden by the loaded model's own where it is loaded."""
    facts = spec.as_row() if spec is not None else {}
    info = asdict(emb.info()) if emb is not None else None
    if info is not None:
        facts.update(family=info["family"], dim=info["dim"], sample_rate=info["sample_rate"],
                     has_text=info["has_text"], licence=info["licence"] or facts.get("licence", ""))
    return {"name": name, "configured": configured, "loaded": emb is not None, **facts, "info": info}


def models_status(ctx: AppContext) -> list[dict]:
    """Every selectable model: family, dim, sample_rate, licence, has_text, configured?, loaded?, info."""
    from app.embedders import loaded_embedders, resolve

    loaded = {e.name: e for e in loaded_embedders()}
    rows, seen = [], set()
    for choice in ctx.model_choices():
        try:
            spec = resolve(choice)
        except ValueError as exc:  # a configured name that does not exist
            rows.append({"name": choice, "configured": True, "loaded": False, "error": str(exc), "info": None})
            continue
        seen.add(spec.name)
        rows.append(_row(choice, spec, loaded.get(spec.name), choice in ctx.settings.models))
    for key, emb in loaded.items():  # loaded some other way (e.g. by path)
        if key not in seen:
            rows.append(_row(key, None, emb, False))
    return rows


MODEL_COLUMNS = ["model", "family", "text", "dim", "rate (Hz)", "licence", "loaded", "parameters", "precision",
                 "last audio (ms)", "last text (ms)"]


def models_frame(rows: list[dict]) -> pd.DataFrame:
    """The model zoo table: registry facts for every model, measurements for loaded ones."""
    def line(row: dict) -> dict:
        info = row.get("info") or {}
        times = info.get("last_timings_ms", {})
        text = "" if "has_text" not in row else ("yes" if row["has_text"] else "no (audio only)")
        return {"model": row["name"], "family": row.get("family", ""), "text": text,
                "dim": row.get("dim") or "", "rate (Hz)": row.get("sample_rate") or "",
                "licence": row.get("licence", ""), "loaded": "yes" if row["loaded"] else "no",
                "parameters": f"{info['parameters'] / 1e6:.1f} M" if info.get("parameters") else "",
                "precision": info.get("precision", ""),
                "last audio (ms)": round(times["audio"], 1) if "audio" in times else "",
                "last text (ms)": round(times["text"], 1) if "text" in times else ""}
    return pd.DataFrame([line(r) for r in rows], columns=MODEL_COLUMNS)


COLLECTION_COLUMNS = ["collection", "points", "sets"]


def store_status(ctx: AppContext) -> tuple[str, pd.DataFrame]:
    """Backend description and one row per collection with its size and sets."""
    s = ctx.settings
    where = f"Qdrant server at `{s.qdrant_url}`" if s.qdrant_url else f"embedded Qdrant Edge in `{s.resolved_store_dir}`"
    store = ctx.store
    rows = []
    for name in store.list_collections():
        sets = store.sets(name)
        rows.append({"collection": name, "points": store.count(name),
                     "sets": ", ".join(f"{k} ({v})" for k, v in sorted(sets.items()))})
    return f"**Store:** {where} — {len(rows)} collection(s).", pd.DataFrame(rows, columns=COLLECTION_COLUMNS)


def process_md(ctx: AppContext) -> str:
    """Memory, versions and access mode in a few lines."""
    mem = process_memory()
    torch_threads = ""
    if "torch" in sys.modules:  # only report it if a model already imported torch
        torch_threads = f" · torch threads {sys.modules['torch'].get_num_threads()}"
    rss = f"{mem['rss_mib']:.0f} MiB" if "rss_mib" in mem else "n/a"
    mode = "open library (local)" if ctx.open_library else "restricted to library roots"
    return (f"**Process:** RSS {rss}, peak {mem.get('peak_mib', 0):.0f} MiB · {os.cpu_count()} CPUs{torch_threads} · "
            f"Python {platform.python_version()} · gradio {gr.__version__}\n\n"
            f"**Access:** {mode} · uploads up to {ctx.settings.max_upload_mb} MB · precision {ctx.settings.precision}")


def build(ctx: AppContext, tab: gr.Tab | None = None) -> None:
    """Lay out the Status tab; refreshes when `tab` is selected and on the button."""
    with gr.Row():
        gr.Markdown("The model zoo (family, dimension, sample rate, licence, text tower) and what this server "
                    "has loaded and stored. Models load on first use in any tab; audio-only models (no text "
                    "tower) work in every audio→audio feature, text features explain why they are off.")
        refresh = gr.Button("↻ Refresh", scale=0, min_width=120)
    status = gr.Markdown(status_md("Press **Refresh** (or open this tab) to read the current state."))
    proc = gr.Markdown()
    models = gr.Dataframe(models_frame([]), label="Models", interactive=False)
    store_md = gr.Markdown()
    collections = gr.Dataframe(pd.DataFrame(columns=COLLECTION_COLUMNS), label="Collections", interactive=False)

    @guarded(5)
    def read_status():
        frame = models_frame(models_status(ctx))
        try:
            store_line, coll = store_status(ctx)
        except Exception as exc:  # the store being down must not hide the rest
            store_line, coll = f"**Store:** unavailable — {html.escape(str(exc))}", pd.DataFrame(columns=COLLECTION_COLUMNS)
        n_loaded = int((frame["loaded"] == "yes").sum()) if len(frame) else 0
        return status_md(f"{n_loaded} model(s) loaded.", "ok"), process_md(ctx), frame, store_line, coll

    outputs = [status, proc, models, store_md, collections]
    refresh.click(read_status, None, outputs, api_visibility="private")
    if tab is not None:
        tab.select(read_status, None, outputs, api_visibility="private")

    def api_models() -> list[dict]:
        """Every model: family, dim, sample_rate, licence, has_text, configured/loaded flags, info once loaded."""
        return models_status(ctx)

    api_endpoint(api_models, hidden_inputs(), "models",
                 "() -> [{name, family, dim, sample_rate, licence, has_text, source, description, options, "
                 "configured, loaded, info: {name, family, dim, sample_rate, parameters, device, precision, source, "
                 "last_timings_ms, licence, has_text} | null}]")
