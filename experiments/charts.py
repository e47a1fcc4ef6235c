"""Figures as data: a `Chart` spec rendered to interactive Plotly HTML and to a static PNG.

One spec, two renderers, so the HTML in the tab and the PNG in docs/experiments.md show
the same thing. PNG goes through matplotlib (Agg) when it is installed; without it the
report links the HTML only.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

PALETTE = ("#4f46e5", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#64748b", "#ec4899")


@dataclass(frozen=True)
class Series:
    label: str
    x: tuple
    y: tuple
    hover: tuple = ()  # per point, optional


@dataclass(frozen=True)
class Chart:
    """kind: "line" (x numeric), "bar" (x categorical, series side by side) or "scatter"."""

    name: str  # file stem
    title: str
    kind: str
    x_label: str
    y_label: str
    series: tuple[Series, ...]
    log_x: bool = False
    log_y: bool = False


def series_by(rows: Sequence[dict], group: str, x: str, y: str, where: dict | None = None,
              hover: str | None = None) -> tuple[Series, ...]:
    """One series per distinct `group` value over rows matching `where` (row order kept)."""
    picked = [r for r in rows if all(r.get(k) == v for k, v in (where or {}).items())
              and r.get(y) is not None]
    out = []
    for label in dict.fromkeys(str(r[group]) for r in picked):
        mine = [r for r in picked if str(r[group]) == label]
        out.append(Series(label, tuple(r[x] for r in mine), tuple(r[y] for r in mine),
                          tuple(str(r.get(hover, "")) for r in mine) if hover else ()))
    return tuple(out)


def to_plotly(chart: Chart):
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, s in enumerate(chart.series):
        color = PALETTE[i % len(PALETTE)]
        hover = list(s.hover) if s.hover else None
        if chart.kind == "bar":
            fig.add_bar(x=list(s.x), y=list(s.y), name=s.label, marker_color=color, hovertext=hover)
        else:
            mode = "lines+markers" if chart.kind == "line" else "markers"
            fig.add_scatter(x=list(s.x), y=list(s.y), name=s.label, mode=mode, marker_color=color,
                            hovertext=hover)
    fig.update_layout(title=chart.title, xaxis_title=chart.x_label, yaxis_title=chart.y_label,
                      template="plotly_white", barmode="group", height=420, margin=dict(l=60, r=20, t=60, b=60))
    if chart.log_x:
        fig.update_xaxes(type="log")
    if chart.log_y:
        fig.update_yaxes(type="log")
    return fig


def png_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def write_png(chart: Chart, path: Path) -> bool:
    """Render `chart` to `path` with matplotlib; False when matplotlib is not installed."""
    if not png_available():
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    if chart.kind == "bar":
        cats = list(dict.fromkeys(x for s in chart.series for x in s.x))
        width = 0.8 / max(1, len(chart.series))
        for i, s in enumerate(chart.series):
            pos = {x: y for x, y in zip(s.x, s.y)}
            xs = np.arange(len(cats)) + (i - (len(chart.series) - 1) / 2) * width
            ax.bar(xs, [pos.get(c, np.nan) for c in cats], width, label=s.label, color=PALETTE[i % len(PALETTE)])
        ax.set_xticks(np.arange(len(cats)), [str(c) for c in cats], rotation=40 if len(cats) > 5 else 0,
                      ha="right" if len(cats) > 5 else "center", fontsize=8)
    else:
        for i, s in enumerate(chart.series):
            style = "-o" if chart.kind == "line" else "o"
            ax.plot(list(s.x), list(s.y), style, label=s.label, color=PALETTE[i % len(PALETTE)],
                    markersize=4 if chart.kind == "line" else 5, alpha=1.0 if chart.kind == "line" else 0.75)
            if chart.kind == "scatter" and s.hover:  # a static map needs its labels written on it
                for x, y, text in zip(s.x, s.y, s.hover):
                    ax.annotate(text, (x, y), fontsize=6, xytext=(3, 2), textcoords="offset points")
    if chart.log_x:
        ax.set_xscale("log")
    if chart.log_y:
        ax.set_yscale("log")
    ax.set_title(chart.title, fontsize=11)
    ax.set_xlabel(chart.x_label)
    ax.set_ylabel(chart.y_label)
    ax.grid(alpha=0.3)
    if len(chart.series) > 1:
        ax.legend(fontsize=8, ncol=2 if len(chart.series) > 4 else 1)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def write_html(chart: Chart, path: Path, plotlyjs: str = "directory") -> None:
    """Interactive figure. plotlyjs: "directory" (one shared plotly.min.js next to the
    files, works offline), "cdn" (small files, the page needs the network) or "inline"."""
    include: str | bool = True if plotlyjs == "inline" else plotlyjs
    to_plotly(chart).write_html(str(path), include_plotlyjs=include, full_html=True)
