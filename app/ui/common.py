"""Pieces every tab uses: error guards, standard inputs, hidden JSON API endpoints, tables.

Error policy: input problems (bad audio, unknown model, store down, a path outside the
library) become a toast plus a status line in the UI and a `gr.Error` message for API
callers — never a traceback. Anything unexpected is logged with its traceback on the
server and shown as one line.
"""
from __future__ import annotations

import csv
import html
import logging
import re
import tempfile
from functools import wraps
from pathlib import Path
from typing import Any, Callable, Sequence

import gradio as gr
import pandas as pd

from app.context import AppContext, upload_dir

log = logging.getLogger("app.ui")


def user_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean "bad input or unavailable resource", not a bug."""
    from app.audio import AudioError
    from app.embedders import ModelUnavailableError, UnknownModelError

    types: list[type[BaseException]] = [AudioError, ValueError, UnknownModelError, ModelUnavailableError,
                                        FileNotFoundError, PermissionError]
    try:
        from app.store import StoreUnavailable

        types.append(StoreUnavailable)
    except ImportError:  # store package not installed yet: nothing to catch
        pass
    return tuple(types)


def message_of(exc: BaseException, escape: bool = True) -> str:
    """The user-facing text of an exception: first line, upload folders stripped from paths.

    Escaped for the UI (toasts render HTML); raw for API callers.
    """
    text = (str(exc).strip() or type(exc).__name__).splitlines()[0][:400]
    # "/tmp/gradio/<sha>/clip.wav" -> "clip.wav": the hash folder means nothing to the user
    text = re.sub(re.escape(str(upload_dir())) + r"/[0-9a-f]{16,}/", "", text)
    return html.escape(text) if escape else text


def status_md(text: str, kind: str = "info") -> str:
    """A one-line Markdown status: ok / info / warn / error."""
    icon = {"ok": "✓", "info": "ℹ", "warn": "⚠", "error": "✗"}.get(kind, "")  # plain glyphs: no emoji font needed
    return f"{icon} {text}"


def guarded(n_outputs: int) -> Callable:
    """Wrap a UI handler whose FIRST output is a status Markdown line.

    On a user error: a warning toast, the message in the status line, other outputs unchanged.
    """
    def deco(fn: Callable) -> Callable:
        @wraps(fn)  # keeps the signature, so gradio still injects gr.Progress
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except user_errors() as exc:
                msg = message_of(exc)
            except Exception as exc:  # a bug: keep the server up, log the traceback
                log.exception("handler %s failed", fn.__name__)
                msg = f"unexpected error ({type(exc).__name__}): {message_of(exc)} — details in the server log"
            gr.Warning(msg)
            rest = [gr.skip()] * (n_outputs - 1)
            return (status_md(msg, "error"), *rest) if rest else status_md(msg, "error")
        return inner
    return deco


def api_guarded(fn: Callable) -> Callable:
    """Wrap an API handler: user errors become `gr.Error(message)` for the client."""
    @wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except user_errors() as exc:
            raise gr.Error(message_of(exc, escape=False), print_exception=False) from None
        except gr.Error:
            raise
        except Exception as exc:
            log.exception("API handler %s failed", fn.__name__)
            raise gr.Error(f"internal error ({type(exc).__name__}); see the server log",
                           print_exception=False) from None
    return inner


def api_endpoint(fn: Callable, inputs: Sequence[gr.components.Component], api_name: str,
                 description: str) -> None:
    """Expose `fn` as `/api_name` returning JSON, through a hidden trigger.

    Separate from the visible button so API callers get only JSON (not plots), and file
    inputs still go through gradio's upload check (only uploaded files are accepted).
    """
    trigger = gr.Button(visible=False)
    out = gr.JSON(visible=False)
    trigger.click(api_guarded(fn), inputs=list(inputs), outputs=out, api_name=api_name,
                  api_description=description, show_progress="hidden")


def hidden_inputs(*specs: str) -> list[gr.components.Component]:
    """Hidden inputs for API endpoints: "file", "files", "text", "int"."""
    make = {"file": lambda: gr.File(visible=False, type="filepath"),
            "files": lambda: gr.File(visible=False, type="filepath", file_count="multiple"),
            "text": lambda: gr.Textbox(visible=False),
            "int": lambda: gr.Number(visible=False, precision=0, value=10)}
    return [make[s]() for s in specs]


def model_dropdown(ctx: AppContext, label: str = "Model", value: str | None = None) -> gr.Dropdown:
    """The model picker: configured models first (no free text: a path would load any dir)."""
    from app.embedders.registry import model_label  # audio-only models are marked in every picker

    return gr.Dropdown(choices=[(model_label(m), m) for m in ctx.model_choices()], value=value or ctx.default_model,
                       label=label,
                       info="loads on first use (a few seconds); \"audio only\" models have no text tower")


def audio_input(label: str = "Audio (upload or record)") -> gr.Audio:
    """Upload or record; handlers get a file path."""
    return gr.Audio(sources=["upload", "microphone"], type="filepath", label=label)


def progress_callback(progress: gr.Progress) -> Callable[[int, int, str], None]:
    """Adapt gr.Progress to the library's `progress(done, total, message)` callbacks."""
    def report(done: int, total: int, message: str) -> None:
        progress((done, max(total, 1)), desc=message[:120])
    return report


def show_warnings(warnings: Sequence[str]) -> None:
    """Show decoder warnings (silence, cropping) as toasts."""
    for warning in warnings or ():
        gr.Warning(f"audio: {html.escape(str(warning))}")


def audio_warnings(audio: Any) -> None:
    """Show a decoded clip's warnings as toasts."""
    show_warnings(getattr(audio, "warnings", None) or ())


RESULT_COLUMNS = ["rank", "name", "score", "set", "path"]
# Display names for optional result fields (search dict key -> column header).
EXTRA_HEADERS = {"dense_rank": "vector rank", "keyword_rank": "keyword rank", "dense_score": "cosine",
                 "caption": "caption", "error": "error"}


def results_frame(rows: Sequence[dict], extra: Sequence[str] = ()) -> pd.DataFrame:
    """Search results (dicts best first) as a table with rank, name, score, set, extra…, path."""
    # optional columns only when some row has a value (no empty "error" column)
    extra = [k for k in extra if any(row.get(k, row.get("payload", {}).get(k)) not in (None, "") for row in rows)]
    cols = [*RESULT_COLUMNS[:4], *[EXTRA_HEADERS.get(k, k) for k in extra], "path"]
    records = []
    for rank, row in enumerate(rows, 1):
        rec = {"rank": rank, "name": row.get("name") or Path(str(row.get("path", ""))).name,
               "score": round(float(row.get("score", 0.0)), 4), "set": row.get("set", ""),
               "path": row.get("path", "")}
        rec.update({EXTRA_HEADERS.get(k, k): _cell(row.get(k, row.get("payload", {}).get(k))) for k in extra})
        records.append(rec)
    return pd.DataFrame(records, columns=cols)


def results_table(label: str = "Results (click a row to play)") -> gr.Dataframe:
    """An empty, read-only results table with its real headers (not gradio's 1 2 3)."""
    # max_chars keeps long paths/captions from pushing columns off-screen (a click shows all)
    return gr.Dataframe(results_frame([]), label=label, interactive=False, wrap=False, max_height=420,
                        max_chars=56)


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return "" if value is None else value


def write_csv(frame: pd.DataFrame, stem: str) -> str:
    """Save a table to a fresh temp CSV (gradio serves files from the temp dir)."""
    folder = Path(tempfile.mkdtemp(prefix="aeb-export-"))
    path = folder / f"{stem}.csv"
    frame.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    return str(path)


def request_root(request: gr.Request | None) -> str:
    """The app's public root URL as the caller sees it (proxy headers and root_path honoured).

    Used to build the absolute audio URLs of API rows (`app.media.audio_url`).
    """
    from gradio import route_utils

    raw = getattr(request, "request", None)
    if raw is None:
        return ""
    try:
        route = route_utils.get_api_call_path(raw)
    except ValueError:  # not an API call path: the origin alone
        route = raw.url.path
    return route_utils.get_root_url(raw, route, getattr(raw.app, "root_path", None) or None)


def cosine_card(cos: float, verdict: str, model: str, nearest: list[tuple[str, float]]) -> str:
    """The big number, its interpretation and the captions closest to the audio (HTML)."""
    near = "".join(f"<li>{html.escape(t)} <span class='aeb-dim'>({s:.3f})</span></li>" for t, s in nearest)
    near_html = f"<div class='aeb-dim'>Closest built-in captions to this audio:</div><ol>{near}</ol>" if near else ""
    return (f"<div class='aeb-card'><div class='aeb-dim'>cosine similarity · {html.escape(model)}</div>"
            f"<div class='aeb-big'>{cos:+.3f}</div><div>{html.escape(verdict)}</div>{near_html}</div>")


def empty_note(text: str) -> str:
    """Markdown for an empty state: what is missing and how to get it."""
    return f"<div class='aeb-empty'>{text}</div>"


def playable(ctx: AppContext, path: str) -> str:
    """A path gradio may serve for `path`, after the access check; copies it to temp if needed.

    Gradio serves files under allowed_paths, the working directory and the temp dir; a
    library file elsewhere (open-library mode) is copied to a fresh temp folder.
    """
    import os
    import shutil

    resolved = ctx.check_readable(path)
    if not resolved.is_file():
        raise ValueError(f"{path}: not a file")
    served = [Path(p).resolve() for p in (*ctx.allowed_paths(), os.getcwd(), tempfile.gettempdir())]
    if any(resolved.is_relative_to(root) for root in served) and not resolved.name.startswith("."):
        return str(resolved)
    copy = Path(tempfile.mkdtemp(prefix="aeb-play-")) / resolved.name.lstrip(".")
    shutil.copy2(resolved, copy)
    return str(copy)


def selected_path(frame: Any, evt: gr.SelectData) -> str | None:
    """The `path` cell of the row the user clicked in a results table."""
    if frame is None or evt is None or evt.index is None:
        return None
    row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    table = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
    if "path" not in table.columns or not 0 <= int(row) < len(table):
        return None
    return str(table.iloc[int(row)]["path"]) or None


def wire_row_player(ctx: AppContext, table: gr.Dataframe, status: gr.Markdown, player: gr.Audio) -> None:
    """Clicking a results row plays that file (through the path guard in `playable`)."""
    @guarded(2)
    def play(frame, evt: gr.SelectData):
        path = selected_path(frame, evt)
        return (status_md(f"Playing {html.escape(path.rsplit('/', 1)[-1])}.", "info"), playable(ctx, path)) \
            if path else (gr.skip(), gr.skip())

    table.select(play, [table], [status, player], api_visibility="private")


def set_choices(ctx: AppContext, model: str) -> list[str]:
    """A set picker's choices: "(all sets)" then the model's stored sets (just the first if none/down)."""
    from app.collections import ALL_SETS, stored_sets
    from app.store import StoreUnavailable

    try:
        return [ALL_SETS, *sorted(stored_sets(ctx.store, model))]
    except (StoreUnavailable, ValueError):
        return [ALL_SETS]


def texts_from_box(value: str | None) -> list[str]:
    """One text per non-empty line of a textbox."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def demo_examples(ctx: AppContext, audio: gr.Audio, text: gr.Textbox | None = None, limit: int = 8) -> None:
    """Clickable demo clips (with their captions when `text` is given), or a note if there are none."""
    rows = ctx.references.demo_examples(limit)
    if not rows:
        gr.Markdown(empty_note("No demo clips yet (`sample_data/demo/` is empty): upload or record your own audio."))
        return
    if text is None:
        gr.Examples([[r["path"]] for r in rows], inputs=[audio], label="Demo clips (click one to load it)",
                    examples_per_page=limit)
    else:
        gr.Examples([[r["path"], r.get("caption", "")] for r in rows], inputs=[audio, text],
                    label="Demo clips with their captions (click one to load it)", examples_per_page=limit)
