"""Training objectives shared by the mini models and the full-size ClapModel towers.

- CLAP: symmetric InfoNCE with a learnable temperature; several positives per row are
  allowed (clips of the same class, or the same caption text, in one batch), since the
  corpus captions repeat and treating a duplicate as a negative teaches noise.
- SLAP (Guinot et al., ISMIR 2025, arXiv 2506.17815): BYOL for two modalities. Online
  encoders + projections + predictors; EMA target encoders/projections; each modality's
  predictor regresses the *other* modality's target projection (cross-modal terms) and,
  weighted by `intra_weight`, its own modality's target projection of another view
  (intra-modal terms). Normalised-MSE (2 - 2 cos), stop-gradient on targets, no negatives.
- The objectives as objects for `train.loop.training_step`.
Collapse statistics and the modality gap are `app.analysis.metrics` (one definition).
"""
from __future__ import annotations

import copy
import math
import torch
import torch.nn.functional as F
from torch import nn

MAX_LOGIT_SCALE = math.log(100.0)


# --- CLAP --------------------------------------------------------------------------------
def positive_mask(class_ids: torch.Tensor | None, caption_ids: torch.Tensor | None, n: int) -> torch.Tensor:
    """[n, n] bool: pairs that count as positives (always the diagonal)."""
    mask = torch.eye(n, dtype=torch.bool)
    if class_ids is not None:
        mask |= class_ids[:, None] == class_ids[None, :]
    if caption_ids is not None:
        mask |= caption_ids[:, None] == caption_ids[None, :]
    return mask


def clap_loss(audio: torch.Tensor, text: torch.Tensor, logit_scale: torch.Tensor,
              pos: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, float]]:
    """Symmetric (multi-positive) InfoNCE on L2-normalised embeddings.

    With `pos`, each row's loss is -log of the softmax mass on all its positives
    (reduces to standard InfoNCE when `pos` is the identity).
    """
    a = F.normalize(audio.float(), dim=-1)
    t = F.normalize(text.float(), dim=-1)
    scale = logit_scale.clamp(max=MAX_LOGIT_SCALE).exp()
    logits = scale * a @ t.T  # [Na, Nt]
    if pos is None:
        target = torch.arange(len(a))
        loss_a = F.cross_entropy(logits, target)
        loss_t = F.cross_entropy(logits.T, target)
    else:
        pos = pos.to(logits.device)
        neg_inf = torch.finfo(logits.dtype).min
        loss_a = (torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~pos, neg_inf), 1)).mean()
        loss_t = (torch.logsumexp(logits.T, 1) - torch.logsumexp(logits.T.masked_fill(~pos.T, neg_inf), 1)).mean()
    loss = 0.5 * (loss_a + loss_t)
    with torch.no_grad():
        top1 = (logits.argmax(1) == torch.arange(len(a))).float()
        if pos is not None:
            top1 = pos[torch.arange(len(a)), logits.argmax(1)].float()
    return loss, {"loss": float(loss.detach()), "a2t": float(loss_a.detach()), "t2a": float(loss_t.detach()),
                  "temperature": float(1.0 / scale.detach()), "batch_top1": float(top1.mean())}


# --- SLAP --------------------------------------------------------------------------------
def regression_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """BYOL's normalised MSE, 2 - 2 cos(p, sg(z)), averaged over the batch."""
    p = F.normalize(prediction.float(), dim=-1)
    z = F.normalize(target.detach().float(), dim=-1)
    return (2.0 - 2.0 * (p * z).sum(-1)).mean()


def slap_loss(qa: torch.Tensor, qt: torch.Tensor, za_target: torch.Tensor, zt_target: torch.Tensor,
              intra_weight: float = 0.5, za_target_intra: torch.Tensor | None = None,
              zt_target_intra: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, float]]:
    """SLAP loss from online predictions (qa: audio->, qt: text->) and target projections.

    cross = d(qa, sg zt_target) + d(qt, sg za_target)
    intra = d(qa, sg za_target') + d(qt, sg zt_target')   (other views when given)
    total = (1 - intra_weight) * cross + intra_weight * intra
    """
    cross_a = regression_loss(qa, zt_target)
    cross_t = regression_loss(qt, za_target)
    cross = cross_a + cross_t
    intra = torch.zeros((), dtype=cross.dtype)
    if intra_weight > 0:
        intra = (regression_loss(qa, za_target if za_target_intra is None else za_target_intra)
                 + regression_loss(qt, zt_target if zt_target_intra is None else zt_target_intra))
    total = (1.0 - intra_weight) * cross + intra_weight * intra
    return total, {"loss": float(total.detach()), "cross_a2t": float(cross_a.detach()), "cross_t2a": float(cross_t.detach()),
                   "intra": float(intra.detach())}


def make_target(module: nn.Module) -> nn.Module:
    """A frozen copy of `module` to be updated by EMA (no gradients; dropout off)."""
    target = copy.deepcopy(module)
    for p in target.parameters():
        p.requires_grad_(False)
    set_target_mode(target)
    return target


def set_target_mode(target: nn.Module) -> None:
    """Targets run BatchNorm in train mode (batch statistics, as in BYOL) but no dropout."""
    target.train()
    for m in target.modules():
        if isinstance(m, nn.Dropout):
            m.eval()


@torch.no_grad()
def ema_update(target: nn.Module, online: nn.Module, tau: float) -> None:
    """target <- tau * target + (1 - tau) * online, parameter by parameter."""
    for pt, po in zip(target.parameters(), online.parameters()):
        pt.lerp_(po.detach().to(pt.dtype), 1.0 - tau)


def ema_tau(progress: float, base: float = 0.99, final: float = 1.0) -> float:
    """BYOL's cosine momentum schedule: base at the start, final at progress = 1."""
    progress = min(max(progress, 0.0), 1.0)
    return final - (final - base) * (math.cos(math.pi * progress) + 1.0) / 2.0


def param_distance(a: nn.Module, b: nn.Module) -> float:
    """Relative L2 distance between the parameters of two same-shaped modules."""
    num, den = 0.0, 0.0
    for pa, pb in zip(a.parameters(), b.parameters()):
        num += float((pa.detach().float() - pb.detach().float()).pow(2).sum())
        den += float(pb.detach().float().pow(2).sum())
    return math.sqrt(num / max(den, 1e-12))


# --- objectives as used by `train.loop.training_step` -----------------------------------------
class ClapObjective:
    """Multi-positive symmetric InfoNCE between `model.audio(audio0)` and `model.text(text0)`."""

    name = "clap"

    def loss(self, model: nn.Module, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        a, t = model.audio(batch["audio0"]), model.text(batch["text0"])
        pos = positive_mask(batch.get("class_ids"), batch.get("caption_ids0"), len(a))
        return clap_loss(a, t, model.logit_scale, pos)

    def after_step(self, model: nn.Module, progress: float) -> dict[str, float]:
        return {}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class SlapObjective(nn.Module):
    """SLAP: the online predictors regress EMA targets of both modalities (no negatives).

    Holds the EMA target copies of `model.audio` and `model.text` (so they travel with
    the objective's state_dict into checkpoints). The targets see the batch's second
    view (`audio1`, `text1`: another crop/augmentation, another caption of the clip).
    """

    name = "slap"

    def __init__(self, model: nn.Module, intra_weight: float = 0.5, ema_base: float = 0.99) -> None:
        super().__init__()
        if model.audio_predictor is None or model.text_predictor is None:
            raise ValueError("SLAP needs a model with predictors (predictor_hidden > 0)")
        self.intra_weight = intra_weight
        self.ema_base = ema_base
        self.target_audio = make_target(model.audio)
        self.target_text = make_target(model.text)

    def loss(self, model: nn.Module, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        za, zt = model.audio(batch["audio0"]), model.text(batch["text0"])
        qa, qt = model.audio_predictor(za), model.text_predictor(zt)
        with torch.no_grad():
            za_target = self.target_audio(batch.get("audio1", batch["audio0"]))
            zt_target = self.target_text(batch.get("text1", batch["text0"]))
        return slap_loss(qa, qt, za_target, zt_target, self.intra_weight)

    @torch.no_grad()
    def after_step(self, model: nn.Module, progress: float) -> dict[str, float]:
        tau = ema_tau(progress, self.ema_base)
        ema_update(self.target_audio, model.audio, tau)
        ema_update(self.target_text, model.text, tau)
        return {"tau": tau}

    def train(self, mode: bool = True) -> "SlapObjective":
        super().train(mode)
        set_target_mode(self.target_audio)  # targets always use batch statistics, never dropout
        set_target_mode(self.target_text)
        return self

    def target_distance(self, model: nn.Module) -> float:
        return param_distance(self.target_audio, model.audio)


def make_objective(name: str, model: nn.Module, intra_weight: float = 0.5, ema_base: float = 0.99):
    if name == "clap":
        return ClapObjective()
    if name == "slap":
        return SlapObjective(model, intra_weight, ema_base)
    raise ValueError(f"unknown objective {name!r} (clap or slap)")


def is_collapsed(stats: dict[str, float], min_std_ratio: float = 0.1, max_mean_cosine: float = 0.95) -> bool:
    """`app.analysis.metrics.collapse_stats` output that looks collapsed: every vector alike."""
    return stats["std_ratio"] < min_std_ratio or stats["mean_pairwise_cosine"] > max_mean_cosine
