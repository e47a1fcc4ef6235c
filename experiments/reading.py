"""Helpers that turn result rows into short sentences: numbers in, words out."""
from __future__ import annotations

from typing import Callable, Iterable, Sequence


def pick(rows: Iterable[dict], **where) -> list[dict]:
    """Rows whose fields equal every `where` item."""
    return [r for r in rows if all(r.get(k) == v for k, v in where.items())]


def one(rows: Iterable[dict], **where) -> dict | None:
    found = pick(rows, **where)
    return found[0] if found else None


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f} %"


def num(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def per_model(models: Sequence[str], value: Callable[[str], float | None], fmt: Callable[[float | None], str],
              descending: bool = True) -> str:
    """"mini-slap 40 %; mini-clap 12 %", models ordered by value (missing values last)."""
    vals = [(m, value(m)) for m in models]
    known = sorted([v for v in vals if v[1] is not None], key=lambda v: v[1], reverse=descending)
    unknown = [v for v in vals if v[1] is None]
    return "; ".join(f"{m} {fmt(v)}" for m, v in known + unknown)


def models_of(rows: Iterable[dict]) -> list[str]:
    return list(dict.fromkeys(str(r["model"]) for r in rows if "model" in r))


def relative_loss(reference: float | None, value: float | None) -> float | None:
    """Share of the reference lost (0.4 = 40 % lower); None when undefined."""
    if reference is None or value is None or reference <= 0:
        return None
    return (reference - value) / reference
