"""Resumable training state: `<out>/train_state.pt`, written atomically every few minutes.

Holds everything a continued run needs to take exactly the same next step: model,
optimiser, objective (SLAP's EMA targets), batch sampler position and RNG, the global
RNGs (python, numpy, torch), step and seconds used, the validation history and the best
state so far, and the run's `TrainConfig` (a resumed run must keep the settings that
shape training; only budget, device, threads and logging may change).
"""
from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

STATE_NAME = "train_state.pt"
# settings that may differ between sessions of one run
MAY_CHANGE = {"minutes", "steps", "device", "threads", "resume", "progress", "log_dir", "argv", "eval_every",
              "checkpoint_every", "stop_after_steps", "dev", "cache"}


def rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_state(out_dir: str | Path, *, cfg, model, objective, optimizer, batcher, budget, history: list,
               best: dict[str, Any]) -> Path:
    """Write the state; a crash while writing leaves the previous file intact."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = {"config": cfg.to_dict(), "model": model.state_dict(), "objective": objective.state_dict(),
             "optimizer": optimizer.state_dict(), "batcher": batcher.state_dict(), "budget": budget.state(),
             "rng": rng_state(), "history": history, "best": best}
    tmp = out / f".{STATE_NAME}.tmp{os.getpid()}"
    torch.save(state, tmp)
    os.replace(tmp, out / STATE_NAME)
    return out / STATE_NAME


def load_state(out_dir: str | Path, cfg) -> dict[str, Any]:
    """Read `<out>/train_state.pt` and check it belongs to a run with the same settings."""
    path = Path(out_dir) / STATE_NAME
    if not path.is_file():
        raise FileNotFoundError(f"--resume: no {STATE_NAME} in {out_dir} (nothing to continue)")
    state = torch.load(path, map_location="cpu", weights_only=False)
    old, new = state["config"], cfg.to_dict()
    changed = sorted(k for k in set(old) | set(new) if k not in MAY_CHANGE and old.get(k) != new.get(k))
    if changed:
        raise ValueError(f"--resume: {path} was written with other settings: "
                         + ", ".join(f"{k}={old.get(k)!r} (now {new.get(k)!r})" for k in changed))
    return state


def restore(state: dict[str, Any], *, model, objective, optimizer, batcher, device: torch.device) -> None:
    """Put a loaded state back into freshly built training objects (RNGs last)."""
    model.load_state_dict(state["model"])
    objective.load_state_dict(state["objective"])
    optimizer.load_state_dict(state["optimizer"])
    for s in optimizer.state.values():  # Adam moments follow the parameters' device
        for k, v in s.items():
            if isinstance(v, torch.Tensor) and k != "step":
                s[k] = v.to(device)
    batcher.load_state_dict(state["batcher"])
    set_rng_state(state["rng"])
