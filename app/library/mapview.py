"""What the library map shows: per-point file/tags, a WebGL (plotly scattergl) figure with the
model's cluster labels, and exports of a selection (M3U playlist, CSV).

Per-point data sent to the browser is kept small (the issue measured 9 MB per 50k-point map
with 64-character ids and HTML hover text): customdata is the file path relative to a common
root (the browser builds the playback URL from it), hover text is "name · 3 tags".
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass

import numpy as np

from app.library.libmap import LibraryMap

COLOUR_BY = ("cluster", "kind", "set", "folder")


@dataclass
class MapPoints:
    """A LibraryMap joined with payload facts, row-aligned with `lmap.ids`."""

    lmap: LibraryMap
    files: list[str]
    names: list[str]
    sets: list[str]
    kinds: list[str]
    tags: list[list[str]]
    root: str  # common folder of all files ("" if none)

    def rel(self, i: int) -> str:
        return os.path.relpath(self.files[i], self.root) if self.root else self.files[i]

    def index_of_rel(self) -> dict[str, int]:
        return {self.rel(i): i for i in range(len(self.files))}


def join_payloads(store, collection: str, lmap: LibraryMap) -> MapPoints:
    info = {}
    for hit, _ in store.scroll(collection):
        p = hit.payload
        auto = p.get("auto_tags") or []
        kind = next((t["tag"] for t in auto if t.get("facet") == "kind"), "")
        info[hit.id] = (p.get("path") or p.get("name") or hit.id, p.get("name") or "", p.get("set") or "", kind,
                        [t["tag"] for t in auto if t.get("facet") != "kind"][:3])
    rows = [info.get(i, (i, i, "", "", [])) for i in lmap.ids]
    files = [r[0] for r in rows]
    root = os.path.commonpath(files) if files and all(os.path.isabs(f) for f in files) else ""
    if root and len(files) == 1:
        root = os.path.dirname(root)
    return MapPoints(lmap, files, [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows],
                     [r[4] for r in rows], root)


def colour_labels(points: MapPoints, by: str) -> list[str]:
    if by == "cluster":
        return [points.lmap.names.get(int(c), "unclustered") if c >= 0 else "unclustered" for c in points.lmap.cluster]
    if by == "kind":
        return [k or "untagged" for k in points.kinds]
    if by == "set":
        return points.sets
    if by == "folder":
        return [points.rel(i).split(os.sep)[0] if os.sep in points.rel(i) else "." for i in range(len(points.files))]
    raise ValueError(f"colour by one of {', '.join(COLOUR_BY)}, not {by!r}")


def map_figure(points: MapPoints, by: str = "cluster", height: int = 720):
    """Scattergl traces per colour group (≤ 24 named, the rest "other") + cluster labels."""
    import plotly.graph_objects as go

    labels = np.array(colour_labels(points, by))
    values, counts = np.unique(labels, return_counts=True)
    named = set(values[np.argsort(-counts)][:24])
    labels = np.where(np.isin(labels, list(named)), labels, "other")
    xy = points.lmap.xy
    fig = go.Figure()
    for value in sorted(set(labels.tolist()), key=lambda v: (v in ("other", "unclustered"), v)):
        idx = np.flatnonzero(labels == value)
        fig.add_trace(go.Scattergl(
            x=xy[idx, 0], y=xy[idx, 1], mode="markers", name=str(value)[:40], marker={"size": 4, "opacity": 0.75},
            customdata=[points.rel(i) for i in idx],
            hovertext=[f"{points.names[i]} · {', '.join(points.tags[i])}" for i in idx], hoverinfo="text"))
    for c, name in points.lmap.names.items():  # the model's own words for each density cluster
        members = xy[points.lmap.cluster == c]
        if len(members):
            x, y = np.median(members, axis=0)
            fig.add_annotation(x=float(x), y=float(y), text=name.split(" / ")[0], showarrow=False,
                               font={"size": 11}, bgcolor="rgba(255,255,255,0.7)")
    fig.update_layout(height=height, dragmode="lasso", margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"itemsizing": "constant"}, xaxis={"visible": False}, yaxis={"visible": False},
                      title=f"{len(xy)} clips · {points.lmap.method} · coloured by {by}", uirevision="library-map")
    return fig


def selection_rows(points: MapPoints, rels: list[str]) -> list[dict]:
    where = points.index_of_rel()
    return [{"name": points.names[i], "set": points.sets[i], "kind": points.kinds[i],
             "tags": ", ".join(points.tags[i]), "file": points.files[i]} for r in rels if (i := where.get(r)) is not None]


def m3u(rows: list[dict]) -> str:
    """An extended M3U playlist of the selected files (absolute paths)."""
    return "#EXTM3U\n" + "".join(f"#EXTINF:-1,{r['name']}\n{r['file']}\n" for r in rows)


def rows_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["name", "set", "kind", "tags", "file"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
