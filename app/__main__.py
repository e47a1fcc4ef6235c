"""`python -m app`: start the browser UI.

    python -m app [--host H] [--port P] [--share] [--store DIR | --qdrant-url URL]
                  [--model M ...] [--precision fp32|bf16] [--library-root DIR ...]
                  [--auth user:pass] [--max-upload-mb N]
                  [--qdrant-timeout S] [--qdrant-connect-timeout S]

Start-up is fast: no model is loaded and the store is not opened until a request needs them.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Sequence

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported anywhere
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from app.settings import Settings, add_store_flags, store_flags  # noqa: E402  (light: no gradio/torch)


def build_parser() -> argparse.ArgumentParser:
    """The command line (flags override environment variables, see app/settings.py)."""
    p = argparse.ArgumentParser(prog="python -m app", description="Audio embedding browser (Gradio UI).")
    p.add_argument("--host", default=None, help="interface to bind (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=None, help="port (default 7860)")
    p.add_argument("--share", action="store_true", help="create a public gradio.live link")
    add_store_flags(p)
    p.add_argument("--model", action="append", default=None,
                   help="model name or checkpoint dir; repeat for several (default: mini-clap, mini-slap)")
    p.add_argument("--models-file", type=Path, default=None,
                   help="TOML file registering your own models (default: $AEB_MODELS_FILE, data/models.toml, models.toml)")
    p.add_argument("--precision", choices=("fp32", "bf16"), default=None, help="CPU inference precision")
    p.add_argument("--library-root", action="append", type=Path, default=None,
                   help="folder the browser may index and play from; repeat for several")
    p.add_argument("--auth", default=None, help="require a login, as user:password")
    p.add_argument("--max-upload-mb", type=int, default=None, help="largest upload accepted (default 50)")
    return p


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with every given flag taking precedence."""
    return Settings().with_flags(
        host=args.host, port=args.port, share=args.share or None, **store_flags(args),
        models=tuple(args.model) if args.model else None,
        precision=args.precision, auth=args.auth, max_upload_mb=args.max_upload_mb,
        library_roots=tuple(r.expanduser().resolve() for r in args.library_root) if args.library_root else None)


def check_settings(settings: Settings) -> None:
    """Fail early, in one line, on settings that would only break later."""
    settings.auth_pair()  # raises ValueError for a malformed user:password
    settings.check_store()
    if settings.max_upload_mb <= 0:
        raise ValueError("--max-upload-mb must be positive")
    for root in settings.library_roots:
        if not Path(root).is_dir():
            raise ValueError(f"--library-root {root}: not an existing folder")
    if settings.share and not settings.auth:
        logging.getLogger("app").warning("--share without --auth: anyone with the link can use this app")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, build the UI and serve it until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from_args(args)
        from app.embedders.models_file import use_models_file, user_models

        if args.models_file:
            use_models_file(args.models_file)
        else:
            user_models()  # read the default models file now: a bad file fails here, in one line
        check_settings(settings)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from app.context import AppContext
    from app.ui.blocks import build_app, launch_options

    ctx = AppContext(settings)
    demo = build_app(ctx)
    ctx.bootstrap_in_background()  # index the demo set and vocabulary now, not in the first request
    demo.queue(default_concurrency_limit=1)  # 2 shared cores: one heavy job per event at a time
    allowed = ctx.allowed_paths()
    # `docker stop` and systemd send SIGTERM: end like Ctrl-C, so gradio stops serving and
    # the `finally` below closes the store (flush, release the shard locks).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        demo.launch(server_name=settings.host, server_port=settings.port, share=settings.share,
                    auth=settings.auth_pair(), max_file_size=f"{settings.max_upload_mb}mb",
                    allowed_paths=allowed, show_error=True, **launch_options(ctx))
    except KeyboardInterrupt:  # a signal during start-up, before gradio's own handler runs
        pass
    finally:
        ctx.close()
        logging.getLogger("app").info("store closed, exiting")
    return 0


if __name__ == "__main__":
    sys.exit(main())
