"""Train the shipped mini models (or CLAP/SLAP on full-size ClapModel towers).

    python -m train.fit --objective clap --corpus data/corpus --out models/mini-clap --minutes 40 --dev DEV.csv
    python -m train.fit --objective slap --corpus data/corpus --out models/mini-slap --minutes 40 --dev DEV.csv
    python -m train.fit ... --resume          # continue a stopped run from <out>/train_state.pt
    python -m train.fit --objective slap --backbone laion/clap-htsat-unfused --corpus data/corpus \\
        --out runs/slap-htsat --steps 20000 --batch-size 64 --lr 5e-5     # needs a GPU to be useful

Mini models: MiniLM caption vectors are cached once (`train.data`), log-mels are computed
on the fly from random crops (or cached with --cache-mels), and a budgeted loop
(`train.loop`) trains the CNN audio encoder + text projection (+ predictors and EMA targets
for SLAP). Every --eval-every seconds the model is scored on a validation slice of TRAIN
and, with --dev, on real recordings through the app's own path; the best state by the dev
score (else validation top-1) is kept. Every --checkpoint-every seconds the whole training
state is saved for --resume. At the end the held-out TEST split and the dev set are scored
and everything lands in `config.json` + `MODEL_CARD.md` next to `model.safetensors`.
"""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from app.analysis.zeroshot import DEFAULT_TEMPLATES
from train import checkpoint as ckpt
from train import data as D
from train import validate as V
from train.batches import AugmentConfig, MelBatcher
from train.config import TrainConfig, parse_args
from train.evaluate import to_jsonable
from train.loop import Budget, batch_to, lr_factor, resolve_device, seed_everything, set_lr, training_step
from train.objectives import is_collapsed, make_objective


@dataclass
class Run:
    """One training run's objects, built by `setup` (fresh or resumed)."""

    cfg: TrainConfig
    device: torch.device
    splits: dict
    bank: D.CaptionBank
    train_rows: np.ndarray
    val_rows: np.ndarray
    model: Any
    objective: Any
    optimizer: torch.optim.Optimizer
    batcher: MelBatcher
    budget: Budget
    prompts: V.CachedTextEmbedder
    log_path: Path
    setup_seconds: float
    history: list = field(default_factory=list)
    best: dict = field(default_factory=lambda: {"score": -1.0, "step": 0, "state": None})
    clips_seen: int = 0

    def log(self, rec: dict) -> None:
        with open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")


def make_optimizer(model, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW; no decay on biases/norms or the identity-initialised text map; SLAP predictors
    learn at lr x predictor_lr_mult (BYOL's predictor must keep up with the moving targets)."""
    groups: dict[tuple[bool, float], list] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        decay = p.ndim >= 2 and not name.startswith("text.linear")
        mult = cfg.predictor_lr_mult if name.split(".")[0] in ("audio_predictor", "text_predictor") else 1.0
        groups.setdefault((decay, mult), []).append(p)
    return torch.optim.AdamW([{"params": ps, "weight_decay": cfg.weight_decay if decay else 0.0, "lr_mult": mult}
                              for (decay, mult), ps in groups.items()], lr=cfg.lr, betas=(0.9, 0.98))


def init_from(model, cfg: TrainConfig) -> None:
    """Start from another mini model: its audio encoder, and with --init-text its text side."""
    from app.embedders.mini_model import MiniAudioText

    src = MiniAudioText.from_pretrained(cfg.init_from)
    parts = [("audio", model.audio, src.audio)]
    if cfg.init_text:
        if src.cfg.text_whitening != model.cfg.text_whitening:
            raise ValueError(f"--init-text: {cfg.init_from} has text_whitening={src.cfg.text_whitening}, "
                             f"this run {model.cfg.text_whitening}")
        parts.append(("text", model.text, src.text))
        model.logit_scale.data.copy_(src.logit_scale.data)
    for name, dst, source in parts:
        try:
            dst.load_state_dict(source.state_dict())
        except RuntimeError as exc:
            raise ValueError(f"--init-from {cfg.init_from}: its {name} side has another shape") from exc


def setup(cfg: TrainConfig) -> Run:
    from app.embedders.mel import MelConfig
    from app.embedders.mini_model import MiniAudioText, MiniConfig

    t0 = time.time()
    torch.set_num_threads(max(1, cfg.threads))
    seed_everything(cfg.seed)
    device = resolve_device(cfg.device)
    mel_cfg = MelConfig()
    D.check_corpus_rate(cfg.corpus, mel_cfg.sample_rate)
    splits, bank, _ = D.build_cache(cfg.corpus, cfg.cache, mel_cfg, progress=cfg.progress,
                                    max_captions=cfg.max_captions, cache_mels=cfg.cache_mels)
    train_f = splits["train"]
    train_rows, val_rows = D.split_validation(train_f, cfg.val_fraction, cfg.seed)
    train_rows = train_rows[: cfg.sample_limit] if cfg.sample_limit else train_rows
    val_rows = val_rows[: cfg.val_max]
    mcfg = MiniConfig(mel=mel_cfg, channels=cfg.channel_tuple, embed_dim=cfg.embed_dim,
                      predictor_hidden=cfg.predictor_hidden if cfg.slap else 0, text_whitening=cfg.text_whitening)
    model = MiniAudioText(mcfg)
    model.prompt_templates = DEFAULT_TEMPLATES
    if cfg.init_from:
        init_from(model, cfg)
    if cfg.text_whitening and not cfg.init_text:  # before the EMA targets copy the text projection
        used = sorted({i for r in train_rows for i in train_f.caption_ids[r]})
        model.text.fit_whitening(torch.from_numpy(bank.vectors[used]))
    model.to(device).train()
    objective = make_objective(cfg.objective, model, cfg.intra_weight, cfg.ema_base)
    if isinstance(objective, torch.nn.Module):
        objective.to(device).train()
    batcher = MelBatcher(train_f, bank, train_rows, cfg.batch_size, mel_cfg, seed=cfg.seed,
                         augment=AugmentConfig() if cfg.augment else None)
    labels = sorted({train_f.labels[r] for r in val_rows} | set(splits["test"].labels if "test" in splits else []))
    prompts = V.CachedTextEmbedder(model, V.prompt_texts(labels, model.prompt_templates))
    Path(cfg.log_dir).mkdir(parents=True, exist_ok=True)
    run = Run(cfg, device, splits, bank, train_rows, val_rows, model, objective, make_optimizer(model, cfg),
              batcher, Budget(cfg.minutes, cfg.steps), prompts,
              Path(cfg.log_dir) / f"fit-{cfg.objective}-{Path(cfg.out).name}.jsonl", 0.0)
    if cfg.resume:
        state = ckpt.load_state(cfg.out, cfg)
        ckpt.restore(state, model=model, objective=objective, optimizer=run.optimizer, batcher=batcher, device=device)
        run.budget = Budget(cfg.minutes, cfg.steps, int(state["budget"]["step"]), float(state["budget"]["seconds"]))
        run.history, run.best = state["history"], state["best"]
        print(f"[fit] resumed {cfg.out} at step {run.budget.step} ({run.budget.seconds_before / 60:.1f} min used)")
    run.setup_seconds = time.time() - t0
    print(f"[fit] {cfg.objective}: {model.num_parameters() / 1e6:.2f}M params, {len(train_rows)} train / "
          f"{len(val_rows)} val clips, batch {batcher.batch_size}, device {device}, threads {cfg.threads}, "
          f"{'%d steps' % cfg.steps if cfg.steps else '%.1f min' % cfg.minutes}", flush=True)
    return run


def validate(run: Run) -> dict:
    """Score a CPU copy on the validation slice (and the dev set); keep the best state."""
    cfg, model = run.cfg, V.cpu_copy(run.model)
    rec: dict[str, Any] = {"step": run.budget.step, "minutes": round(run.budget.elapsed() / 60, 2),
                           "epoch": round(run.budget.step * run.batcher.batch_size / len(run.train_rows), 2)}
    train_f = run.splits["train"]
    if len(run.val_rows):
        if cfg.slap:
            heads, _ = V.choose_heads(model, train_f, run.val_rows, run.prompts, model.prompt_templates)
            model.cfg = dataclasses.replace(model.cfg, **heads)
            rec["heads"] = f"{heads['audio_head']}/{heads['text_head']}"
        res = V.evaluate_split(model, train_f, run.val_rows, run.prompts, model.prompt_templates)
        ac = res["audio_collapse"]
        rec.update(val_top1=round(res["zero_shot"]["top1"], 4), val_top5=round(res["zero_shot"]["top5"], 4),
                   audio_effective_rank=round(ac["effective_rank"], 2), audio_std_ratio=round(ac["std_ratio"], 4),
                   audio_mean_cosine=round(ac["mean_pairwise_cosine"], 4),
                   modality_gap=round(res["modality_gap"]["centroid_distance"], 4), collapsed=is_collapsed(ac))
    if cfg.dev:
        dev = V.evaluate_dev(model, cfg.dev)
        rec["dev_score"] = round(V.dev_score(dev), 4)
        rec["dev_top1"] = round(dev["zero_shot_accuracy"], 4)
        rec["dev_effective_rank"] = round(dev["collapse"]["audio"]["effective_rank"], 2)
    if cfg.slap:
        rec["target_distance"] = round(run.objective.target_distance(run.model), 5)
    run.history.append(rec)
    run.log({"event": "val", **rec})
    print("[val] " + " ".join(f"{k}={v}" for k, v in rec.items()), flush=True)
    score = rec.get("dev_score", rec.get("val_top1", -1.0))
    if cfg.keep_best and score > run.best["score"] and not rec.get("collapsed"):
        run.best = {"score": score, "step": rec["step"], "heads": rec.get("heads"),
                    "state": {k: v.detach().cpu().clone() for k, v in run.model.state_dict().items()}}
    return rec


def save_state(run: Run) -> None:
    ckpt.save_state(run.cfg.out, cfg=run.cfg, model=run.model, objective=run.objective, optimizer=run.optimizer,
                    batcher=run.batcher, budget=run.budget, history=run.history, best=run.best)


def train(run: Run) -> bool:
    """The budgeted loop; returns False when the session stopped early (state saved for --resume)."""
    cfg, budget = run.cfg, run.budget
    stop = {"signal": None}
    handlers = {s: signal.signal(s, lambda n, _f: stop.update(signal=n)) for s in (signal.SIGINT, signal.SIGTERM)}
    last_eval = last_ckpt = t_loop = time.time()
    views = 2 if cfg.slap else 1
    try:
        while not budget.done():
            progress = budget.progress()
            lr = cfg.lr * lr_factor(progress, cfg.warmup)
            set_lr(run.optimizer, lr)
            batch = batch_to(run.batcher.next(views), run.device)
            stats = training_step(run.model, batch, run.objective, run.optimizer, progress)
            budget.step += 1
            run.clips_seen += len(batch["rows"])
            if budget.step % 10 == 0 or budget.step == 1:
                rec = {"step": budget.step, "minutes": round(budget.elapsed() / 60, 3), "lr": lr,
                       "clips_per_s": round(run.clips_seen / (time.time() - t_loop), 1),
                       **{k: round(v, 5) for k, v in stats.items()}}
                run.log({"event": "step", **rec})
                if cfg.progress and budget.step % 50 == 0:
                    print("[step] " + " ".join(f"{k}={v}" for k, v in rec.items()), flush=True)
            if cfg.eval_every > 0 and time.time() - last_eval > cfg.eval_every and not budget.done():
                validate(run)
                last_eval = time.time()
            if cfg.checkpoint_every > 0 and time.time() - last_ckpt > cfg.checkpoint_every:
                save_state(run)
                last_ckpt = time.time()
            if stop["signal"] or (cfg.stop_after_steps and budget.step >= cfg.stop_after_steps):
                save_state(run)
                print(f"[fit] stopped at step {budget.step}; continue with --resume", flush=True)
                return False
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    return True


def finish(run: Run) -> Path:
    """Final validation, best state, SLAP heads, TEST + dev scores -> config.json + MODEL_CARD.md."""
    from train.model_card import write_model_card

    cfg, model = run.cfg, run.model
    final = validate(run)
    save_state(run)
    shipped_step = run.budget.step
    if cfg.keep_best and run.best["state"] is not None and run.best["step"] != shipped_step:
        model.load_state_dict(run.best["state"])
        shipped_step = run.best["step"]
        print(f"[fit] shipping the best validated state (step {shipped_step}, score {run.best['score']:.3f})")
    model = V.cpu_copy(model)
    head_scores = None
    if cfg.slap and len(run.val_rows):
        heads, head_scores = V.choose_heads(model, run.splits["train"], run.val_rows, run.prompts,
                                            model.prompt_templates)
        model.cfg = dataclasses.replace(model.cfg, **heads)
    test = {}
    if "test" in run.splits:
        test_f = run.splits["test"]
        captions = V.CachedTextEmbedder(model, [c[min(1, len(c) - 1)] for c in test_f.caption_texts])
        test = V.evaluate_split(model, test_f, np.arange(len(test_f)), run.prompts, model.prompt_templates, captions)
    dev = V.evaluate_dev(model, cfg.dev) if cfg.dev else None
    meta = {"train_config": cfg.to_dict(), "command": cfg.command(), "corpus_train_clips": len(run.train_rows),
            "corpus_val_clips": len(run.val_rows), "corpus_test_clips": len(run.splits.get("test", [])),
            "corpus_manifest": D.corpus_summary(cfg.corpus), "steps": run.budget.step, "shipped_step": shipped_step,
            "epochs": round(run.budget.step * run.batcher.batch_size / len(run.train_rows), 2),
            "train_minutes": round(run.budget.elapsed() / 60, 1), "setup_minutes": round(run.setup_seconds / 60, 1),
            "device": str(run.device) if run.device.type == "cpu" else torch.cuda.get_device_name(run.device),
            "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.system()}", "torch": torch.__version__,
            "final_validation": final, "validation_history": run.history, "slap_head_scores": head_scores,
            "test": test, "dev": dev}
    out = Path(cfg.out)
    model.save_pretrained(out, objective=cfg.objective, **to_jsonable(meta))
    write_model_card(out)
    print(f"[fit] saved {out} ({(out / 'model.safetensors').stat().st_size / 1e6:.1f} MB); log {run.log_path}")
    return out


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if cfg.backbone:
        from train.slap_backbone import train_backbone

        train_backbone(cfg)
        return 0
    run = setup(cfg)
    if train(run):
        finish(run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
