"""The whole app: a header and one tab per task, each built by its own module.

`build_app(ctx)` only lays out components and wires events; nothing is loaded until a
request needs it. `launch_options(ctx)` holds what goes to `launch()`: theme and CSS
(Gradio 6 moved them there) and the `/audio/<model>/<id>` route that API rows link to.
"""
from __future__ import annotations

import gradio as gr
from fastapi import HTTPException, Request
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute

from app.context import AppContext
from app.media import AUDIO_ROUTE, NotServable, stored_audio_file
from app.ui import tab_analysis, tab_caption, tab_compare, tab_library, tab_map, tab_pair, tab_ranking, tab_status
from app.ui import tab_duplicates, tab_experiments, tab_libmap, tab_sounds

TITLE = "Audio embedding browser"
HEADER = (f"# {TITLE}\n"
          "See how audio–text embedding models (CLAP-style) relate sounds and words: score a clip against a "
          "description, compare two models, map the latent space, search and caption your own sound library.")

CSS = """
.gradio-container { max-width: 1280px !important; margin: auto; }
.aeb-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 16px; }
.aeb-big { font-size: 2.6em; font-weight: 700; line-height: 1.1; font-variant-numeric: tabular-nums; }
.aeb-dim { color: var(--body-text-color-subdued); font-size: 0.9em; }
.aeb-card ol { margin: 4px 0 0 1.2em; padding: 0; }
.aeb-empty { border: 1px dashed var(--border-color-primary); border-radius: 8px; padding: 10px 14px;
             color: var(--body-text-color-subdued); }
"""


def launch_options(ctx: AppContext) -> dict:
    """Keyword arguments for `Blocks.launch(**launch_options(ctx))`: theme, CSS, the audio route."""
    theme = gr.themes.Soft(primary_hue="indigo", secondary_hue="sky", neutral_hue="slate")
    return {"theme": theme, "css": CSS, "app_kwargs": {"routes": [audio_route(ctx)]}}


def audio_route(ctx: AppContext) -> APIRoute:
    """`GET /audio/<model slug>/<point id>`: a stored clip's bytes, for the `url` of API rows.

    Same login as the rest of the app when `--auth` is on; which files may be served is
    decided by `app.media.stored_audio_file` (indexed points under the demo set or a root).
    (fastapi is imported at module level: it resolves the handler's string annotations there.)
    """
    from app.store import StoreUnavailable

    def serve_audio(model: str, point_id: str, request: Request) -> FileResponse:
        if not _logged_in(request):
            raise HTTPException(status_code=401, detail="Not authenticated")
        try:
            path = stored_audio_file(ctx, model, point_id)
        except NotServable as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        except StoreUnavailable:
            raise HTTPException(status_code=503, detail="the store is not available") from None
        return FileResponse(path, filename=path.name, content_disposition_type="inline")

    return APIRoute(AUDIO_ROUTE + "/{model}/{point_id}", serve_audio, methods=["GET"])


def _logged_in(request: Request) -> bool:
    """Gradio's own login rule (its `login_check` is not importable): the access-token cookie."""
    app = request.app
    if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
        return True
    if app.auth_dependency is not None:
        return app.auth_dependency(request) is not None
    cookie = getattr(app, "cookie_id", "")
    token = request.cookies.get(f"access-token-{cookie}") or request.cookies.get(f"access-token-unsecure-{cookie}")
    return app.tokens.get(token) is not None


def build_app(ctx: AppContext) -> gr.Blocks:
    """Lay out the app for `ctx`; returns the (not yet launched) Blocks."""
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(HEADER)
        with gr.Tabs() as tabs:
            with gr.Tab("Pair analysis", id="pair"):
                pair = tab_pair.build(ctx)
            with gr.Tab("Compare models", id="compare"):
                tab_compare.build(ctx)
            with gr.Tab("Map explorer", id="map"):
                tab_map.build(ctx)
            with gr.Tab("Ranking", id="ranking"):
                tab_ranking.build(ctx)
            with gr.Tab("Pseudo-captioning", id="caption"):
                captioning = tab_caption.build(ctx)
            with gr.Tab("Library", id="library"), gr.Tabs():  # the user's own files: four views, one tab
                with gr.Tab("Add & search", id="library-search"):
                    tab_library.build(ctx)
                with gr.Tab("Tags & filters", id="sounds"):
                    tab_sounds.build(ctx)
                with gr.Tab("Duplicates", id="duplicates"):
                    tab_duplicates.build(ctx)
                with gr.Tab("Library map", id="libmap"):
                    tab_libmap.build(ctx)
            with gr.Tab("Audio analysis", id="analysis"):
                analysis = tab_analysis.build(ctx)
                _probe_senders(tabs, analysis["probe"], {"pair": pair["audio"], "caption": captioning["audio"]})
            with gr.Tab("Experiments", id="experiments"):
                tab_experiments.build(ctx)
            with gr.Tab("Status", id="status") as status_tab:
                tab_status.build(ctx, status_tab)
        gr.Markdown(_footer(ctx))
    return demo


def _probe_senders(tabs: gr.Tabs, probe: gr.Audio, targets: dict[str, gr.Audio]) -> None:
    """Buttons that copy the generated probe into another tab's audio input and open that tab."""
    labels = {"pair": "Send probe to Pair analysis", "caption": "Send probe to Pseudo-captioning"}
    with gr.Row():
        for tab_id, target in targets.items():
            button = gr.Button(labels[tab_id], size="sm")
            button.click(lambda path, tab_id=tab_id: (path, gr.Tabs(selected=tab_id)) if path
                         else (gr.skip(), gr.skip()), [probe], [target, tabs], api_visibility="private")


def _footer(ctx: AppContext) -> str:
    """Which models and store this server uses, and where the API is documented."""
    models = ", ".join(f"`{m}`" for m in ctx.settings.models)
    store = f"Qdrant server `{ctx.settings.qdrant_url}`" if ctx.settings.qdrant_url else "embedded Qdrant store"
    return (f"<div class='aeb-dim'>Models: {models} · {store} · every tab's main action is also an API "
            "endpoint (see “Use via API” below).</div>")
