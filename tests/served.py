"""Serve an `AppContext` in-process on a free port and talk to it with a default gradio_client.

    with serve_app(ctx) as served:
        served.client.predict(..., api_name="/search_text")
        urllib.request.urlopen(served.url + row["url"])

The app is launched the way `app/__main__.py` launches it (allowed paths, the `/audio`
route, shown errors), so API tests exercise what users get. The caller owns `ctx`.
"""
from __future__ import annotations

import socket
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class ServedApp:
    client: Any  # gradio_client.Client with default settings (it downloads anything with a "path")
    url: str  # "http://127.0.0.1:<port>", no trailing slash
    port: int


@contextmanager
def serve_app(ctx) -> Iterator[ServedApp]:
    """Build, queue and launch the Blocks app for `ctx`; close the server (not ctx) on exit."""
    from gradio_client import Client

    from app.ui.blocks import build_app, launch_options

    demo = build_app(ctx).queue()
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                allowed_paths=ctx.allowed_paths(), show_error=True, **launch_options(ctx))
    url = f"http://127.0.0.1:{port}"
    try:
        yield ServedApp(Client(url + "/", verbose=False), url, port)
    finally:
        demo.close()
