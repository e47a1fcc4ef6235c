"""Finding audio files under the given roots and naming their content.

A point's id is the sha256 of the file's bytes (`file_sha256`), so the same content
at two paths, or in two runs, is one point; caption/tag lines get `text_id`.
`scan_roots` keeps every file inside the root it was found under (symlinks resolved).
"""
from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path
from typing import Iterable

from app.audio import AUDIO_EXTS, is_audio_file


def scan_audio_files(paths: Iterable[str | Path]) -> list[Path]:
    """Audio files under `paths` (files or folders, recursive), absolute and sorted."""
    return [path for path, _ in scan_roots(paths)[0]]


def scan_roots(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, Path]], list[tuple[str, str]]]:
    """((file, root) pairs, (path, reason) refusals).

    Hidden files/folders are skipped (macOS `._x.wav` forks, `.git`). A file found in a
    folder is kept only if its real path (symlinks resolved) stays inside that folder,
    so a link cannot make the worker read outside the roots it was given. A file named
    explicitly that is not audio is refused, not silently ignored.
    """
    found: dict[Path, Path] = {}
    refused: list[tuple[str, str]] = []
    for raw in paths:
        root = Path(raw).expanduser().resolve()
        if not root.exists():
            raise FileNotFoundError(f"{raw}: no such file or folder")
        if root.is_file():
            if is_audio_file(root):
                found.setdefault(root, root.parent)
            else:
                refused.append((str(raw), f"not an audio file (extension {root.suffix or '(none)'!r}; "
                                          f"supported: {', '.join(sorted(AUDIO_EXTS))})"))
            continue
        # os.walk does not follow symlinked folders, so a link loop cannot hang the scan.
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name.startswith(".") or not is_audio_file(name):
                    continue
                path = Path(folder) / name
                if not path.resolve().is_relative_to(root):
                    refused.append((str(path), f"a link to {path.resolve()}, outside {root}: not indexed"))
                    continue
                found.setdefault(path, root)
    return sorted(found.items()), refused


def real_path(path: Path, root: Path) -> Path:
    """`path` with symlinks resolved; PermissionError if that leaves `root` (checked at open time)."""
    real = path.resolve()
    if not real.is_relative_to(root):
        raise PermissionError(errno.EACCES, f"it now links to {real}, outside {root}")
    return real


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of the file's bytes (the point id: same content -> same id)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def text_id(text: str) -> str:
    """Id of a caption/tag line: sha256 of its UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def in_shard(sha: str, shard: tuple[int, int] | None) -> bool:
    """Whether a content hash belongs to shard (i, n): int(sha) mod n == i."""
    return shard is None or int(sha, 16) % shard[1] == shard[0]
