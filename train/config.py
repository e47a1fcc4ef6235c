"""`TrainConfig`: every setting of one `python -m train.fit` run, frozen, built once from argv.

The command line is generated from the dataclass fields (name -> `--name-with-dashes`,
help from the field metadata), so a setting is declared once, read as `cfg.name`, and
written whole into the checkpoint and `config.json` (`cfg.to_dict()`).
"""
from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional


def _opt(default: Any, help: str, **kw: Any) -> Any:
    return field(default=default, metadata={"help": help, **kw})


@dataclass(frozen=True)
class TrainConfig:
    objective: str = _opt("clap", "training objective", choices=("clap", "slap"), required=True)
    out: str = _opt("", "output checkpoint directory", required=True)
    corpus: str = _opt("data/corpus", "dir with train/ and test/ (waves.npy + meta.jsonl)")
    cache: str = _opt("data/cache", "feature cache root (MiniLM caption vectors, optional log-mels)")
    dev: Optional[str] = _opt(None, "real-audio dev manifest (train.evaluate format): checkpoints are "
                                    "selected on it (default: on the validation slice of TRAIN)")
    minutes: float = _opt(40.0, "wall-clock training budget (summed over resumed sessions)")
    steps: int = _opt(0, "exact number of steps (overrides --minutes; reproducible)")
    seed: int = _opt(0, "seed of the model init, batches and augmentation")
    device: str = _opt("auto", "auto (cuda when available, else cpu) | cpu | cuda | cuda:N")
    threads: int = _opt(1, "torch CPU threads")
    batch_size: int = _opt(128, "clips per batch")
    lr: float = _opt(1e-3, "peak learning rate (AdamW)")
    weight_decay: float = _opt(1e-2, "AdamW weight decay (matrices only)")
    warmup: float = _opt(0.03, "fraction of the budget spent warming up")
    embed_dim: int = _opt(384, "joint embedding size")
    channels: str = _opt("32,64,128,256,384", "conv channels of the audio encoder")
    augment: bool = _opt(True, "spectrogram augmentation (EQ, noise, shifts, masks)")
    max_captions: int = _opt(4, "captions per clip embedded and sampled (0: all)")
    cache_mels: bool = _opt(False, "cache every clip's log-mel once (pays off after a few epochs)")
    val_fraction: float = _opt(0.04, "validation slice of TRAIN")
    val_max: int = _opt(1000, "cap on validation clips")
    eval_every: float = _opt(300.0, "seconds between validations (0: only at the end)")
    checkpoint_every: float = _opt(300.0, "seconds between resumable checkpoints (0: none)")
    resume: bool = _opt(False, "continue from <out>/train_state.pt")
    stop_after_steps: int = _opt(0, "end this session after this many steps in total, saving the state "
                                    "(continue later with --resume)")
    keep_best: bool = _opt(True, "ship the best validated state rather than the last")
    init_from: Optional[str] = _opt(None, "start the audio encoder from this mini model's (same shape)")
    init_text: bool = _opt(False, "with --init-from: also its text projection and temperature")
    text_whitening: bool = _opt(True, "centre + ZCA-whiten the frozen MiniLM vectors (fit on training captions)")
    predictor_hidden: int = _opt(1024, "SLAP: predictor MLP width")
    intra_weight: float = _opt(0.5, "SLAP: weight of the intra-modal terms (the paper's balance is 0.5)")
    ema_base: float = _opt(0.99, "SLAP: EMA momentum at the start (cosine schedule to 1)")
    predictor_lr_mult: float = _opt(10.0, "SLAP: predictor learning rate = lr x this")
    backbone: Optional[str] = _opt(None, "hub id or local ClapModel dir: train its towers instead of the mini model")
    sample_limit: int = _opt(0, "use at most this many training clips (0: all)")
    log_dir: str = _opt("data/logs", "where the step/validation log (jsonl) goes")
    progress: bool = _opt(True, "progress lines on stdout (cache building, a step line every 50 steps)")
    argv: tuple[str, ...] = field(default=(), metadata={"cli": False})

    @property
    def slap(self) -> bool:
        return self.objective == "slap"

    @property
    def channel_tuple(self) -> tuple[int, ...]:
        return tuple(int(c) for c in self.channels.split(","))

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["argv"] = list(self.argv)
        return d

    def command(self) -> str:
        return "python -m train.fit " + " ".join(self.argv)


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    """argv -> TrainConfig (one flag per field; booleans get --x / --no-x)."""
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(prog="python -m train.fit", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                description="Train the shipped mini models (CLAP or SLAP objective).")
    for f in dataclasses.fields(TrainConfig):
        meta = dict(f.metadata)
        if meta.pop("cli", True) is False:
            continue
        flag = "--" + f.name.replace("_", "-")
        kw: dict[str, Any] = {"help": meta.pop("help", None), "dest": f.name}
        kind = str(f.type).removeprefix("Optional[").rstrip("]")  # annotations are strings here
        if kind == "bool":
            kw["action"] = argparse.BooleanOptionalAction
        else:
            kw["type"] = {"int": int, "float": float, "str": str}[kind]
        if not meta.get("required"):
            kw["default"] = f.default
        p.add_argument(flag, **kw, **meta)
    return TrainConfig(**vars(p.parse_args(argv)), argv=tuple(argv))
