"""Loading weights by hub id or local directory, offline-first, with one clear error.

Every transformers-based family (CLAP, PE-Audio, audio-only encoders) loads through
`offline_first`: a local directory or the local Hugging Face cache first; the hub only
when a quick TCP probe says it is reachable, so an offline machine fails in a second,
not after minutes of retries.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Callable, TypeVar

from app.embedders.base import ModelUnavailableError

T = TypeVar("T")


def hub_reachable(host: str = "huggingface.co", timeout: float = 2.0) -> bool:
    """A quick DNS + TCP probe of the hub (no HTTP request is made)."""
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def hub_offline() -> bool:
    """Whether the HF hub is switched off for this process (HF_HUB_OFFLINE=1)."""
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in {"1", "true", "yes"}


def offline_first(what: str, id_or_dir: str, load: Callable[[bool], T], save_hint: str) -> T:
    """Call `load(local_files_only)` from disk first, then from the hub if it is reachable.

    `what` names the model kind in the error ("PE-Audio checkpoint"); `save_hint` says how
    to make a directory that loads ("save it with PeAudioModel.save_pretrained ...").
    """
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    is_dir = Path(id_or_dir).is_dir()
    attempts = [True] if is_dir or hub_offline() else [True, False]
    error: Exception | None = None
    for local_only in attempts:
        if not local_only and not hub_reachable():
            break
        try:
            return load(local_only)
        except (OSError, ValueError, KeyError) as exc:
            error = exc
    where = "this directory" if is_dir else "the local Hugging Face cache, and the hub is not reachable"
    detail = f" ({type(error).__name__}: {str(error).splitlines()[0][:160]})" if error and is_dir else (
        f" ({type(error).__name__})" if error else "")
    raise ModelUnavailableError(
        f"{what} '{id_or_dir}' could not be loaded from {where}{detail}; download it where the hub is "
        f"reachable, {save_hint}, and pass that directory as --model")
