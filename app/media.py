"""API result rows that any HTTP client can use, and the one rule for which stored audio a URL serves.

A row never has a "path" key (a default `gradio_client.Client` takes any dict with "path" for
a file to download, and fails with HTTP 403 on files outside Gradio's allowed folders).
Instead: `"file"`, the stored path as a display string, and `"url"`,
`<server>/audio/<model slug>/<point id>`, which the app answers with the audio bytes (the
route is mounted by `app/ui/blocks.py`). The URL names a stored point, not a path, so a
client can only fetch files that were indexed, and only those the path guard allows:
the demo set and the library roots (any indexed file in local open-library mode).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence
from urllib.parse import quote

from app.store import collection_name

if TYPE_CHECKING:
    from app.context import AppContext

AUDIO_ROUTE = "/audio"
ROW_KEYS = ("file", "url", "score", "set", "name", "id")  # every search endpoint's row, in this order
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
_POINT_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class NotServable(LookupError):
    """An audio URL that names no stored, servable file (answered with HTTP 404)."""


def audio_url(base_url: str, model_slug: str, point_id: str) -> str:
    """The URL a client GETs to fetch one stored clip's audio."""
    return f"{base_url.rstrip('/')}{AUDIO_ROUTE}/{quote(model_slug, safe='')}/{quote(str(point_id), safe='')}"


def api_row(row: dict, model_slug: str, base_url: str, extra: Sequence[str] = ()) -> dict:
    """One search result (an `app.search` dict) as a JSON row: file, url, score, set, name, id, extra…"""
    point_id = row.get("id")
    out: dict[str, Any] = {"file": row.get("path"), "url": audio_url(base_url, model_slug, point_id)
                           if point_id and row.get("path") else None,
                           "score": None if row.get("score") is None else float(row["score"]),
                           "set": row.get("set"), "name": row.get("name"), "id": point_id}
    out.update({key: row.get(key) for key in extra})
    return out


def api_rows(rows: Iterable[dict], model_slug: str, base_url: str, extra: Sequence[str] = ()) -> list[dict]:
    """`api_row` for each result, order kept."""
    return [api_row(row, model_slug, base_url, extra) for row in rows]


def stored_audio_file(ctx: "AppContext", model_slug: str, point_id: str) -> Path:
    """The file behind `/audio/<model_slug>/<point_id>`, after every check; NotServable otherwise.

    The id is looked up in the model's audio collection; the stored path is resolved
    (symlinks followed) and must be a file under the demo set or a library root (anything
    in open-library mode). Uploads are never served this way.
    """
    if not _SLUG.match(model_slug or "") or not _POINT_ID.match(point_id or ""):
        raise NotServable("no such audio")
    name = collection_name(model_slug, "audio")
    store = ctx.store
    found = store.retrieve(name, [point_id]) if store.has_collection(name) else []
    path = found[0][0].payload.get("path") if found else None
    if not path:
        raise NotServable("no such audio")
    try:
        resolved = ctx.check_readable(path, uploads=False)
    except ValueError as exc:
        raise NotServable("this file is not served here") from exc
    if not resolved.is_file():
        raise NotServable("the stored file is gone")
    return resolved
