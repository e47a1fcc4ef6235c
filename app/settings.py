"""Run-time settings: one frozen dataclass, filled from CLI flags and environment variables.

Environment variables (flags win): QDRANT_URL, QDRANT_API_KEY, AEB_DATA_DIR,
AEB_STORE_DIR, AEB_MODELS (comma-separated), AEB_PRECISION (fp32|bf16),
AEB_LIBRARY_ROOTS (os.pathsep-separated), AEB_AUTH (user:password),
AEB_MAX_UPLOAD_MB, AEB_QDRANT_TIMEOUT and AEB_QDRANT_CONNECT_TIMEOUT (seconds).

`Settings.open_store()` is the one place that turns these into a store, for the app
and the ingest CLI alike.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.store import VectorStore

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO_ROOT / "sample_data" / "demo"
VOCAB_DIR = REPO_ROOT / "sample_data" / "vocab"
DEMO_SET = "demo"
VOCAB_SET = "vocab"
# A Qdrant server that stops answering must cost seconds, not minutes (issue 9): a request
# waits at most QDRANT_TIMEOUT_S, the first contact QDRANT_CONNECT_TIMEOUT_S.
QDRANT_TIMEOUT_S = 20.0
QDRANT_CONNECT_TIMEOUT_S = 3.0


def _env_list(name: str, sep: str = ",") -> tuple[str, ...]:
    raw = os.environ.get(name, "")
    return tuple(part.strip() for part in raw.split(sep) if part.strip())


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"${name}={raw!r}: not a number of seconds") from None


def default_data_dir() -> Path:
    """Where stores and caches live: $AEB_DATA_DIR, else `data/` in the checkout (git-ignored)."""
    return Path(os.environ.get("AEB_DATA_DIR", REPO_ROOT / "data")).expanduser()


@dataclass(frozen=True)
class Settings:
    """Everything the app and the ingest worker need to know about where and how to run."""

    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    data_dir: Path = field(default_factory=default_data_dir)
    store_dir: Path | None = None  # None -> data_dir / "store"
    qdrant_url: str | None = field(default_factory=lambda: os.environ.get("QDRANT_URL") or None)
    qdrant_api_key: str | None = field(default_factory=lambda: os.environ.get("QDRANT_API_KEY") or None)
    models: tuple[str, ...] = field(default_factory=lambda: _env_list("AEB_MODELS") or ("mini-clap", "mini-slap"))
    precision: str = field(default_factory=lambda: os.environ.get("AEB_PRECISION", "fp32"))
    library_roots: tuple[Path, ...] = field(
        default_factory=lambda: tuple(Path(p).expanduser() for p in _env_list("AEB_LIBRARY_ROOTS", os.pathsep)))
    auth: str | None = field(default_factory=lambda: os.environ.get("AEB_AUTH") or None)
    max_upload_mb: int = field(default_factory=lambda: int(os.environ.get("AEB_MAX_UPLOAD_MB", "50")))
    qdrant_timeout: float = field(default_factory=lambda: _env_float("AEB_QDRANT_TIMEOUT", QDRANT_TIMEOUT_S))
    qdrant_connect_timeout: float = field(
        default_factory=lambda: _env_float("AEB_QDRANT_CONNECT_TIMEOUT", QDRANT_CONNECT_TIMEOUT_S))

    def with_flags(self, **flags: Any) -> "Settings":
        """A copy with every flag that was given (not None) taking precedence over the environment.

        An explicit `store_dir` also drops a `qdrant_url` that came from $QDRANT_URL.
        """
        given = {k: v for k, v in flags.items() if v is not None}
        settings = replace(self, **given)
        if "store_dir" in given and "qdrant_url" not in given:
            settings = replace(settings, qdrant_url=None)
        return settings

    def check_store(self) -> None:
        """Raise ValueError, in one line, for a store location that cannot work."""
        if self.qdrant_timeout <= 0 or self.qdrant_connect_timeout <= 0:
            raise ValueError("Qdrant timeouts must be positive numbers of seconds")
        where = self.resolved_store_dir
        if not self.qdrant_url and where.exists() and not where.is_dir():
            raise ValueError(f"--store {where}: is a file, not a folder (the embedded store is a directory)")

    def open_store(self) -> "VectorStore":
        """The configured store: a Qdrant server if `qdrant_url` is set, else the embedded one."""
        from app.store import open_store

        if self.qdrant_url:
            return open_store(qdrant_url=self.qdrant_url, api_key=self.qdrant_api_key,
                              timeout=self.qdrant_timeout, connect_timeout=self.qdrant_connect_timeout)
        return open_store(store_dir=self.resolved_store_dir)

    @property
    def resolved_store_dir(self) -> Path:
        """The embedded store's directory: --store, else $AEB_STORE_DIR, else <data dir>/store."""
        if self.store_dir is not None:
            return Path(self.store_dir).expanduser()
        return Path(os.environ.get("AEB_STORE_DIR", self.data_dir / "store")).expanduser()

    @property
    def cache_dir(self) -> Path:
        """Projection and other derived caches."""
        return self.data_dir / "cache"

    def auth_pair(self) -> tuple[str, str] | None:
        """Parse `user:password` into a pair, or None when no auth is configured."""
        if not self.auth:
            return None
        user, sep, password = self.auth.partition(":")
        if not sep or not user or not password:
            raise ValueError("auth must look like user:password")
        return user, password


def add_store_flags(p: argparse.ArgumentParser) -> None:
    """The store flags `python -m app` and `python -m ingest` share (read with `store_flags`)."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--store", type=Path, default=None,
                       help="embedded store directory (default $AEB_STORE_DIR, else <data dir>/store)")
    where.add_argument("--qdrant-url", default=None, help="use a Qdrant server ($QDRANT_URL) instead")
    p.add_argument("--qdrant-timeout", type=float, default=None, metavar="S",
                   help=f"seconds one Qdrant request may take (default {QDRANT_TIMEOUT_S:g}; $AEB_QDRANT_TIMEOUT)")
    p.add_argument("--qdrant-connect-timeout", type=float, default=None, metavar="S",
                   help=f"seconds to wait for the server's first answer (default {QDRANT_CONNECT_TIMEOUT_S:g}; "
                        "$AEB_QDRANT_CONNECT_TIMEOUT)")


def store_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The `add_store_flags` values as `Settings.with_flags` keywords."""
    return {"store_dir": args.store, "qdrant_url": args.qdrant_url, "qdrant_timeout": args.qdrant_timeout,
            "qdrant_connect_timeout": args.qdrant_connect_timeout}
