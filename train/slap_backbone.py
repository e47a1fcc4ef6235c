"""SLAP (or CLAP) on full-size transformers `ClapModel` towers.

    python -m train.fit --objective slap --backbone laion/clap-htsat-unfused \
        --corpus data/corpus --out runs/slap-htsat --steps 20000 --batch-size 64 --lr 5e-5

Same objectives as the mini models (`train.objectives`), applied to HTS-AT + RoBERTa:
online towers (`audio_model` + `audio_projection`, `text_model` + `text_projection`) with
BYOL predictors, EMA copies of both towers as targets (held by `SlapObjective`), cross-modal
(+ intra-modal) regression of the targets' projections, one `train.loop.training_step`. The output directory is a standard
`ClapModel`/`ClapProcessor` checkpoint of the *online* towers (loadable by the app's
HF-CLAP embedder as-is), plus `slap_heads.safetensors` (predictors and EMA targets) and
`slap_config.json`, so training can be inspected or continued.

This is meant for a machine with a GPU and real data; here it is exercised on a tiny
random ClapModel for a few steps (tests/test_train.py). Audio: corpus waveforms at 16 kHz
are resampled to the feature extractor's rate (48 kHz for LAION CLAP); each view is a
random crop (70-100 %) with a random gain, padded by the checkpoint's own processor.
Use an unfused checkpoint, or a processor with `truncation="rand_trunc"` (DESIGN §2).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from app.analysis.metrics import collapse_stats
from app.audio import resample
from app.embedders.mini_model import Predictor
from train.loop import Budget, batch_to, lr_factor, resolve_device, seed_everything, set_lr, training_step
from train.objectives import make_objective

HEADS_NAME = "slap_heads.safetensors"
SLAP_CONFIG_NAME = "slap_config.json"


class Tower(nn.Module):
    """One modality of a ClapModel: encoder + projection -> unnormalised projection."""

    def __init__(self, encoder: nn.Module, projection: nn.Module, kind: str) -> None:
        super().__init__()
        self.encoder = encoder
        self.projection = projection
        self.kind = kind

    def forward(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.kind == "audio":
            out = self.encoder(input_features=inputs["input_features"], is_longer=inputs.get("is_longer"))
        else:
            out = self.encoder(input_ids=inputs["input_ids"], attention_mask=inputs.get("attention_mask"))
        return self.projection(out.pooler_output)


class BackboneSLAP(nn.Module):
    """Online ClapModel towers (+ SLAP predictors), in the shape `train.loop.training_step` expects."""

    def __init__(self, clap: nn.Module, objective: str = "slap", predictor_hidden: int = 1024) -> None:
        super().__init__()
        self.clap = clap
        self.objective = objective
        self.audio = Tower(clap.audio_model, clap.audio_projection, "audio")
        self.text = Tower(clap.text_model, clap.text_projection, "text")
        dim = int(clap.config.projection_dim)
        self.audio_predictor = Predictor(dim, predictor_hidden) if objective == "slap" else None
        self.text_predictor = Predictor(dim, predictor_hidden) if objective == "slap" else None

    @property
    def logit_scale(self) -> nn.Parameter:
        return self.clap.logit_scale_a

    def save(self, out_dir: str | Path, processor, objective=None, extra: dict[str, Any] | None = None) -> Path:
        """ClapModel + processor of the online towers; SLAP predictors and EMA targets beside them."""
        from safetensors.torch import save_file

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.clap.save_pretrained(out)
        processor.save_pretrained(out)
        if self.objective == "slap":
            heads = {}
            mods = [("audio_predictor.", self.audio_predictor), ("text_predictor.", self.text_predictor)]
            if objective is not None:
                mods += [("target_audio.", objective.target_audio), ("target_text.", objective.target_text)]
            for prefix, mod in mods:
                for k, v in mod.state_dict().items():
                    heads[prefix + k] = v.detach().float().contiguous() if v.is_floating_point() else v.contiguous()
            save_file(heads, str(out / HEADS_NAME))
        (out / SLAP_CONFIG_NAME).write_text(json.dumps({"objective": self.objective, **(extra or {})}, indent=2) + "\n")
        return out


def load_backbone(id_or_dir: str):
    """(ClapModel, ClapProcessor) from a hub id or a local directory; rand_trunc for unfused models."""
    from transformers import ClapFeatureExtractor, ClapModel, ClapProcessor

    model = ClapModel.from_pretrained(id_or_dir)
    processor = ClapProcessor.from_pretrained(id_or_dir)
    fused = bool(getattr(model.config.audio_config, "enable_fusion", False))
    fe = processor.feature_extractor
    if not fused and getattr(fe, "truncation", "") == "fusion":  # "fusion" crashes an unfused model
        processor.feature_extractor = ClapFeatureExtractor(**{**fe.to_dict(), "truncation": "rand_trunc"})
    return model, processor


class WaveBatcher:
    """Batches of processor inputs from 16 kHz waveforms + caption lists, with random views."""

    def __init__(self, waves: np.ndarray | Sequence[np.ndarray], captions: Sequence[Sequence[str]], processor,
                 source_rate: int = 16000, batch_size: int = 8, seed: int = 0,
                 class_ids: Sequence[int] | None = None, crop: tuple[float, float] = (0.7, 1.0),
                 gain_db: float = 6.0) -> None:
        self.waves = waves
        self.captions = [list(c) for c in captions]
        self.processor = processor
        self.source_rate = source_rate
        self.rate = int(getattr(processor.feature_extractor, "sampling_rate", 48000))
        self.batch_size = min(batch_size, len(self.captions))
        self.rng = np.random.default_rng(seed)
        self.class_ids = None if class_ids is None else np.asarray(class_ids)
        self.crop = crop
        self.gain_db = gain_db
        self._perm = np.zeros(0, dtype=np.int64)

    def _rows(self) -> np.ndarray:
        if len(self._perm) < self.batch_size:
            self._perm = np.concatenate([self._perm, self.rng.permutation(len(self.captions))])
        out, self._perm = self._perm[: self.batch_size], self._perm[self.batch_size :]
        return out

    def _audio_view(self, rows: np.ndarray) -> dict[str, torch.Tensor]:
        clips = []
        for r in rows:
            w = np.asarray(self.waves[r], dtype=np.float32)
            n = max(1, int(len(w) * self.rng.uniform(*self.crop)))
            s = int(self.rng.integers(0, len(w) - n + 1))
            w = w[s : s + n] * 10 ** (self.rng.uniform(-self.gain_db, self.gain_db) / 20)
            clips.append(resample(w, self.source_rate, self.rate))
        state = np.random.get_state()
        np.random.seed(int(self.rng.integers(2**31)))  # the processor's random crops use numpy's global RNG
        try:
            feats = self.processor.feature_extractor(clips, sampling_rate=self.rate, return_tensors="pt")
        finally:
            np.random.set_state(state)
        return {k: v for k, v in feats.items() if k in ("input_features", "is_longer")}

    def _text_view(self, rows: np.ndarray) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        texts = [self.captions[r][int(self.rng.integers(len(self.captions[r])))] for r in rows]
        tok = self.processor.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        ids = torch.tensor([hash(t) % (2**61) for t in texts])
        return {"input_ids": tok["input_ids"], "attention_mask": tok["attention_mask"]}, ids

    def next(self, views: int = 2) -> dict[str, Any]:
        rows = self._rows()
        batch: dict[str, Any] = {"rows": rows}
        if self.class_ids is not None:
            batch["class_ids"] = torch.from_numpy(self.class_ids[rows])
        for v in range(views):
            batch[f"audio{v}"] = self._audio_view(rows)
            batch[f"text{v}"], batch[f"caption_ids{v}"] = self._text_view(rows)
        return batch


def run_steps(model: BackboneSLAP, batcher: WaveBatcher, steps: int = 0, minutes: float = 0.0, lr: float = 5e-5,
              weight_decay: float = 0.01, warmup: float = 0.05, intra_weight: float = 0.5, ema_base: float = 0.99,
              device: str | torch.device = "cpu", log_every: int = 10, on_log=None):
    """Train for `steps` steps (or `minutes`) with `train.loop.training_step`.

    Returns (objective, per-step stats); the objective holds SLAP's EMA targets."""
    device = torch.device(device)
    model.to(device).train()
    objective = make_objective(model.objective, model, intra_weight, ema_base)
    if isinstance(objective, nn.Module):
        objective.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, betas=(0.9, 0.98))
    budget = Budget(minutes, steps)
    views = 2 if model.objective == "slap" else 1
    history: list[dict[str, float]] = []
    while not budget.done():
        progress = budget.progress()
        set_lr(opt, lr * lr_factor(progress, warmup))
        stats = training_step(model, batch_to(batcher.next(views), device), objective, opt, progress)
        budget.step += 1
        rec = {"step": budget.step, **stats}
        if model.objective == "slap" and (budget.step % log_every == 0 or budget.step == 1):
            rec["target_distance"] = objective.target_distance(model)
        history.append(rec)
        if on_log and (budget.step % log_every == 0 or budget.step == 1):
            on_log(rec)
    return objective, history


@torch.no_grad()
def embed_batch(model: BackboneSLAP, batcher: WaveBatcher, rows: np.ndarray, device="cpu"
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Eval-mode online projections (audio, text of the first caption) of `rows`."""
    model.eval()
    try:
        feats = batcher._audio_view(rows) if batcher.crop == (1.0, 1.0) else None
        if feats is None:
            saved = batcher.crop, batcher.gain_db
            batcher.crop, batcher.gain_db = (1.0, 1.0), 0.0
            feats = batcher._audio_view(rows)
            batcher.crop, batcher.gain_db = saved
        tok = batcher.processor.tokenizer([batcher.captions[r][0] for r in rows], padding=True, truncation=True,
                                          return_tensors="pt")
        a = model.audio({k: v.to(device) for k, v in feats.items()})
        t = model.text({"input_ids": tok["input_ids"].to(device), "attention_mask": tok["attention_mask"].to(device)})
        return a.float().cpu(), t.float().cpu()
    finally:
        model.train()


def train_backbone(cfg) -> dict[str, Any]:
    """`python -m train.fit --backbone ...` (cfg: `train.config.TrainConfig`): train ClapModel towers."""
    from train.data import class_key, load_split

    torch.set_num_threads(max(1, cfg.threads))
    seed_everything(cfg.seed)
    device = resolve_device(cfg.device)
    lr = cfg.lr if cfg.lr != 1e-3 else 5e-5  # 1e-3 is the mini default; far too high for pretrained towers
    t0 = time.time()
    clap, processor = load_backbone(cfg.backbone)
    model = BackboneSLAP(clap, cfg.objective, cfg.predictor_hidden)
    waves, metas = load_split(Path(cfg.corpus) / "train")
    if cfg.sample_limit:
        waves, metas = waves[: cfg.sample_limit], metas[: cfg.sample_limit]
    keys = {k: i for i, k in enumerate(sorted({class_key(m) for m in metas}))}
    batcher = WaveBatcher(waves, [m["captions"] for m in metas], processor, batch_size=cfg.batch_size,
                          seed=cfg.seed, class_ids=[keys[class_key(m)] for m in metas])
    print(f"[fit] backbone {cfg.backbone} ({sum(p.numel() for p in clap.parameters()) / 1e6:.1f}M params), "
          f"{cfg.objective}, {len(metas)} clips, device {device}", flush=True)

    def on_log(rec):
        print("[step] " + " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items()),
              flush=True)

    objective, history = run_steps(model, batcher, steps=cfg.steps, minutes=0 if cfg.steps else cfg.minutes, lr=lr,
                                   weight_decay=cfg.weight_decay, warmup=cfg.warmup, intra_weight=cfg.intra_weight,
                                   ema_base=cfg.ema_base, device=device, on_log=on_log)
    a, t = embed_batch(model, batcher, np.arange(min(256, len(metas))), device)
    stats = {"audio": collapse_stats(a.numpy()), "text": collapse_stats(t.numpy())}
    print(f"[fit] collapse stats: {json.dumps(stats)}")
    model.save(cfg.out, processor, objective if cfg.slap else None,
               {"backbone": cfg.backbone, "steps": len(history), "lr": lr, "batch_size": batcher.batch_size,
                "seed": cfg.seed, "intra_weight": cfg.intra_weight, "ema_base": cfg.ema_base,
                "minutes": round((time.time() - t0) / 60, 1), "collapse": stats,
                "final_loss": history[-1]["loss"] if history else None})
    print(f"[fit] saved {cfg.out}")
    return {"history": history, "collapse": stats}
