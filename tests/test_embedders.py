"""Registry and the transformers CLAP embedder, checked against direct transformers calls."""
from __future__ import annotations

import json

import numpy as np
import pytest

from app.embedders import UnknownModelError, available_models, load_embedder, resolve
from app.embedders.base import ModelUnavailableError
from tests.conftest import noise, tone


def _direct_audio(model_dir, waves):
    """Reference: the checkpoint's own ClapProcessor + ClapModel.get_audio_features."""
    import torch
    from transformers import ClapModel, ClapProcessor

    model = ClapModel.from_pretrained(model_dir).eval()
    processor = ClapProcessor.from_pretrained(model_dir)
    inputs = processor(audio=waves, sampling_rate=48000, return_tensors="pt")
    with torch.no_grad():
        out = model.get_audio_features(**inputs).pooler_output.numpy()
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_unknown_name_lists_valid_ones():
    with pytest.raises(UnknownModelError) as err:
        resolve("clap-does-not-exist")
    for name in ("mini-clap", "mini-slap", "clap-htsat-unfused", "larger-clap-music"):
        assert name in str(err.value)
    assert available_models()[:2] == ["mini-clap", "mini-slap"]


def test_hub_id_resolves_to_registered_spec():
    assert resolve("laion/larger_clap_music").name == "larger-clap-music"


def test_dir_without_model_is_rejected(tmp_path):
    with pytest.raises(UnknownModelError, match="no config.json"):
        resolve(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(UnknownModelError, match="holds no model this browser knows"):
        resolve(str(tmp_path))


def test_hub_model_offline_fails_with_one_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError, match="pass that directory as --model"):
        load_embedder("clap-htsat-unfused")


def test_short_clip_matches_transformers_exactly(tiny_clap_dir):
    emb = load_embedder(str(tiny_clap_dir))
    waves = [tone(440, 3.0), noise(10.0, seed=3)]
    ours = emb.embed_audio(waves)
    ref = _direct_audio(tiny_clap_dir, waves)
    assert ours.dtype == np.float32 and ours.shape == (2, 32)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert np.all(np.sum(ours * ref, axis=1) >= 0.9999)


def test_long_clip_is_mean_of_consecutive_windows(tiny_clap_dir):
    emb = load_embedder(str(tiny_clap_dir))
    wave = np.concatenate([tone(300, 10.0), noise(10.0, seed=1), tone(900, 5.0)])
    ours = emb.embed_audio([wave])[0]
    windows = _direct_audio(tiny_clap_dir, [wave[:480000], wave[480000:960000], wave[960000:]])
    pooled = windows.mean(axis=0)
    pooled /= np.linalg.norm(pooled)
    assert float(ours @ pooled) >= 0.9999
    np.testing.assert_array_equal(ours, emb.embed_audio([wave])[0])  # deterministic


def test_text_matches_transformers(tiny_clap_dir):
    import torch
    from transformers import ClapModel, ClapProcessor

    texts = ["a dog barking", "a sad slow violin", "white noise"]
    ours = load_embedder(str(tiny_clap_dir)).embed_text(texts)
    model = ClapModel.from_pretrained(tiny_clap_dir).eval()
    inputs = ClapProcessor.from_pretrained(tiny_clap_dir)(text=texts, return_tensors="pt", padding=True)
    with torch.no_grad():
        ref = model.get_text_features(**inputs).pooler_output.numpy()
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    assert np.all(np.sum(ours * ref, axis=1) >= 0.9999)


def test_paths_and_arrays_agree(tiny_clap_dir, tmp_path):
    import soundfile as sf

    wave = tone(523, 2.0)
    sf.write(tmp_path / "c.wav", wave, 48000, subtype="FLOAT")
    emb = load_embedder(str(tiny_clap_dir))
    from_path, from_array = emb.embed_audio([tmp_path / "c.wav", wave])
    assert float(from_path @ from_array) >= 0.9999


def test_fused_checkpoint_is_deterministic(tiny_clap_fused_dir):
    emb = load_embedder(str(tiny_clap_fused_dir))
    assert emb.fused
    first = emb.embed_audio([noise(25.0, seed=2), tone(440, 4.0)])
    np.testing.assert_array_equal(first, emb.embed_audio([noise(25.0, seed=2), tone(440, 4.0)]))


def test_bf16_agrees_with_fp32(tiny_clap_dir):
    waves = [tone(440, 3.0), noise(4.0, seed=5)]
    fp32 = load_embedder(str(tiny_clap_dir)).embed_audio(waves)
    bf16_emb = load_embedder(str(tiny_clap_dir), precision="bf16")
    assert bf16_emb.info().precision == "bf16"
    bf16 = bf16_emb.embed_audio(waves)
    assert np.all(np.sum(fp32 * bf16, axis=1) > 0.98)
    with pytest.raises(ValueError, match="precision"):
        load_embedder(str(tiny_clap_dir), precision="int4")


def test_invalid_waveform_rejected(tiny_clap_dir):
    emb = load_embedder(str(tiny_clap_dir))
    with pytest.raises(ValueError, match="NaN or Inf"):
        emb.embed_audio([np.array([0.0, np.nan], np.float32)])
    assert emb.embed_audio([]).shape == (0, 32)
