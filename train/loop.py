"""The training loop's parts shared by the mini models and the full-size ClapModel towers.

- `seed_everything`, `resolve_device`
- `lr_factor` (linear warm-up, cosine decay) and `set_lr` (per-group multipliers)
- `Budget`: progress in [0, 1] by exact steps or by wall-clock time, carried across resumes
- `training_step(model, batch, objective, optimizer, progress)`: THE optimisation step.

A model offers `audio(x) -> z_a`, `text(x) -> z_t` (unnormalised projections), and for
SLAP `audio_predictor` / `text_predictor`; an objective (`train.objectives.ClapObjective`,
`SlapObjective`) turns a batch into a loss and updates its own state after each step
(the EMA targets). Batches are dicts: `audio0`/`text0` (and `audio1`/`text1`, a second
view for SLAP targets), `class_ids`, `caption_ids0`.
"""
from __future__ import annotations

import math
import random
import time
from typing import Any

import numpy as np
import torch

GRAD_CLIP = 5.0  # max global gradient norm


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_device(name: str = "auto") -> torch.device:
    """`auto`: the first CUDA device when one is usable, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"--device {name}: no CUDA device is available here (use auto or cpu)")
    return device


def lr_factor(progress: float, warmup: float) -> float:
    """Linear warm-up over `warmup` of the budget, then cosine decay to 2% of the peak."""
    if progress < warmup:
        return max(progress / max(warmup, 1e-9), 0.01)
    x = min(1.0, (progress - warmup) / max(1.0 - warmup, 1e-9))
    return 0.02 + 0.98 * 0.5 * (1.0 + math.cos(math.pi * x))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Every group gets `lr` times its own `lr_mult` (e.g. SLAP predictors learn faster)."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_mult", 1.0)


class Budget:
    """Progress in [0, 1] by steps (exact, reproducible) or by wall-clock seconds.

    `seconds_before` is the time spent in earlier sessions of a resumed run, so a
    40-minute run split over two sessions still follows one 40-minute schedule.
    """

    def __init__(self, minutes: float, steps: int, step: int = 0, seconds_before: float = 0.0) -> None:
        self.steps = steps
        self.seconds = minutes * 60.0
        self.step = step
        self.seconds_before = seconds_before
        self.t0 = time.time()

    def elapsed(self) -> float:
        """Seconds used by this run, all sessions together."""
        return self.seconds_before + time.time() - self.t0

    def progress(self) -> float:
        if self.steps > 0:
            return self.step / self.steps
        return self.elapsed() / max(self.seconds, 1e-9)

    def done(self) -> bool:
        return self.progress() >= 1.0

    def state(self) -> dict[str, float]:
        return {"step": self.step, "seconds": self.elapsed()}


def trainable_parameters(optimizer: torch.optim.Optimizer) -> list[torch.nn.Parameter]:
    return [p for g in optimizer.param_groups for p in g["params"]]


def training_step(model, batch: dict[str, Any], objective, optimizer: torch.optim.Optimizer,
                  progress: float) -> dict[str, float]:
    """One optimisation step: loss -> backward -> clip -> update -> objective's after-step (EMA).

    Mixed precision (bf16 autocast) only on CUDA; CPU runs stay fp32. Returns the
    objective's statistics plus `grad_norm` (and `tau` for SLAP).
    """
    device_type = next(model.parameters()).device.type
    with torch.autocast(device_type, dtype=torch.bfloat16, enabled=device_type == "cuda"):
        loss, stats = objective.loss(model, batch)
    if not math.isfinite(stats["loss"]):
        raise FloatingPointError(f"loss is not finite: {stats}")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    stats["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(trainable_parameters(optimizer), GRAD_CLIP))
    optimizer.step()
    stats.update(objective.after_step(model, progress))
    return stats


def batch_to(batch: dict[str, Any], device: torch.device) -> dict[str, Any]:
    """Move every tensor (also inside nested dicts of processor inputs) to `device`."""
    out: dict[str, Any] = {}
    for key, value in batch.items():
        if isinstance(value, dict):
            out[key] = {k: v.to(device) for k, v in value.items()}
        elif isinstance(value, torch.Tensor):
            out[key] = value.to(device)
        else:
            out[key] = value
    return out
