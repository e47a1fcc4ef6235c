"""The model zoo: each family's adapter against the family's own reference computation.

Tiny random checkpoints are built and saved by `tests/zoo_checkpoints.py` and loaded back
through the registry (family detected from the directory's files). Packages that are
optional extras (msclap, muq) are tested when installed and skipped with a reason otherwise.
"""
from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from app.embedders import (FAMILIES, REGISTRY, ModelUnavailableError, TextUnsupportedError, load_embedder,
                           require_text, resolve)
from app.embedders.models_file import ModelsFileError, read_models_file, use_models_file
from tests.conftest import noise, tone
from tests.zoo_checkpoints import build_tiny_audio_encoder, build_tiny_mert_like, build_tiny_pe_audio


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(_unit(a) * _unit(b), axis=-1)


@pytest.fixture(scope="module")
def pe_dir(tmp_path_factory):
    return build_tiny_pe_audio(tmp_path_factory.mktemp("tiny-pe-audio"))


@pytest.fixture(scope="module", params=["hubert", "wav2vec2", "ast"])
def encoder_dir(request, tmp_path_factory):
    return request.param, build_tiny_audio_encoder(tmp_path_factory.mktemp(f"tiny-{request.param}"), request.param)


@pytest.fixture()
def models_file(tmp_path):
    """Write a models.toml, register it, and unregister it after the test."""
    def write(text: str):
        path = tmp_path / "models.toml"
        path.write_text(text)
        return use_models_file(path)
    yield write
    use_models_file(None)


# --- registry ---------------------------------------------------------------------
def test_registry_lists_family_dim_rate_licence_and_text_tower():
    for spec in REGISTRY.values():
        assert spec.family in FAMILIES and spec.licence and spec.sample_rate, spec.name
    assert resolve("facebook/pe-a-frame-base").family == "pe-audio"
    row = resolve("mert-v1-95m").as_row()
    assert row["has_text"] is False and row["dim"] == 768 and row["sample_rate"] == 24000
    assert row["options"] == {"trust_remote_code": True} and "NC" in row["licence"]
    assert resolve("muq-mulan-large").has_text and resolve("larger-clap-music").dim == 512


def test_hub_models_offline_fail_in_one_line(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError, match="PE-Audio checkpoint 'facebook/pe-a-frame-base'.*--model"):
        load_embedder("pe-a-frame-base")
    with pytest.raises(ModelUnavailableError, match="audio encoder 'm-a-p/MERT-v1-95M'.*--model"):
        load_embedder("mert-v1-95m")


@pytest.mark.parametrize("name,package,command", [("ms-clap-2023", "msclap", "pip install msclap"),
                                                  ("muq-mulan-large", "muq", "pip install muq")])
def test_missing_optional_package_names_the_install_command(monkeypatch, name, package, command):
    monkeypatch.setitem(sys.modules, package, None)  # makes `import package` fail, installed or not
    with pytest.raises(ModelUnavailableError) as err:
        load_embedder(name)
    assert command in str(err.value) and "\n" not in str(err.value)


# --- PE-Audio -----------------------------------------------------------------------
def _pe_reference(pe_dir, waves, texts):
    """PeAudioModel.forward on the checkpoint's own feature extractor and tokenizer."""
    import torch
    from transformers import AutoTokenizer, PeAudioFeatureExtractor, PeAudioModel

    model = PeAudioModel.from_pretrained(pe_dir).eval()
    extractor = PeAudioFeatureExtractor.from_pretrained(pe_dir)
    tokens = AutoTokenizer.from_pretrained(pe_dir)(texts, padding=True, return_tensors="pt")
    audio, text = [], None
    with torch.no_grad():
        for wave in waves:  # one clip per call: no batch padding
            inputs = extractor(wave, sampling_rate=48000, return_tensors="pt")
            out = model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"],
                        input_values=inputs["input_values"], padding_mask=inputs["padding_mask"])
            audio.append(out.audio_embeds[0].numpy())
            text = out.text_audio_embeds.numpy()
    return np.stack(audio), text


def test_pe_audio_detected_and_agrees_with_its_own_forward(pe_dir):
    emb = load_embedder(str(pe_dir))
    info = emb.info()
    assert (info.family, info.sample_rate, info.dim, info.has_text) == ("pe-audio", 48000, 64, True)
    waves, texts = [tone(440, 3.0), noise(7.5, seed=2)], ["a dog barking", "a sad slow violin"]
    ours_a, ours_t = emb.embed_audio(waves), emb.embed_text(texts)
    ref_a, ref_t = _pe_reference(pe_dir, waves, texts)
    assert ours_a.dtype == np.float32 and ours_a.shape == (2, 64)
    np.testing.assert_allclose(np.linalg.norm(ours_a, axis=1), 1.0, atol=1e-5)
    assert np.all(_cosines(ours_a, ref_a) >= 0.9999) and np.all(_cosines(ours_t, ref_t) >= 0.9999)


def test_pe_audio_long_clip_is_mean_of_consecutive_windows(pe_dir):
    emb = load_embedder(str(pe_dir))
    wave = np.concatenate([tone(300, 10.0), noise(10.0, seed=1), tone(900, 4.0)])
    ours = emb.embed_audio([wave])[0]
    ref, _ = _pe_reference(pe_dir, [wave[:480000], wave[480000:960000], wave[960000:]], ["x"])
    assert float(ours @ _unit(_unit(ref).mean(axis=0))) >= 0.9999
    np.testing.assert_array_equal(ours, emb.embed_audio([wave])[0])  # deterministic


# --- audio-only encoders ------------------------------------------------------------
def _hidden_reference(model_dir, wave, layer=-1, remote=False):
    """AutoFeatureExtractor + AutoModel(output_hidden_states) -> the layer's mean over frames."""
    import torch
    from transformers import AutoFeatureExtractor, AutoModel

    model = AutoModel.from_pretrained(model_dir, trust_remote_code=remote).eval()
    extractor = AutoFeatureExtractor.from_pretrained(model_dir, trust_remote_code=remote)
    with torch.no_grad():
        out = model(**extractor(wave, sampling_rate=extractor.sampling_rate, return_tensors="pt"),
                    output_hidden_states=True)
    return out.hidden_states[layer][0].mean(dim=0).numpy()


def test_audio_encoder_agrees_with_pooled_hidden_states(encoder_dir):
    kind, path = encoder_dir
    emb = load_embedder(str(path))
    assert (emb.family, emb.has_text, emb.dim, emb.sample_rate) == ("hf-audio", False, 32, 16000)
    wave = noise(4.0, 16000, seed=4) + tone(500, 4.0, 16000)
    ours = emb.embed_audio([wave])[0]
    assert ours.dtype == np.float32 and abs(np.linalg.norm(ours) - 1) < 1e-5
    assert _cosines(ours, _hidden_reference(path, wave)) >= 0.9999
    long = np.concatenate([wave, noise(10.0, 16000, seed=5), tone(200, 12.0, 16000)])  # 26 s -> 10+10+6
    windows = [long[:160000], long[160000:320000], long[320000:]]
    pooled = _unit(np.mean([_unit(_hidden_reference(path, w)) for w in windows], axis=0))
    assert float(emb.embed_audio([long])[0] @ pooled) >= 0.9999
    np.testing.assert_array_equal(emb.embed_audio([long]), emb.embed_audio([long]))


def test_audio_only_model_refuses_text_with_one_clear_error(encoder_dir):
    _, path = encoder_dir
    emb = load_embedder(str(path))
    with pytest.raises(TextUnsupportedError, match="has no text tower.*audio→audio"):
        emb.embed_text(["a dog"])
    with pytest.raises(ValueError, match="no text tower"):  # a ValueError: the UI shows it as a user error
        require_text(emb)
    assert emb.embed_audio([tone(440, 0.01, 16000)]).shape == (1, 32)  # shorter than the conv front end


def test_mert_like_remote_code_needs_an_explicit_opt_in(tmp_path, models_file):
    path = build_tiny_mert_like(tmp_path / "mert-like")
    with pytest.raises(ModelUnavailableError, match="trust_remote_code = true"):
        load_embedder(str(path))
    models_file(f'[models.my-mert]\nsource = "{path}"\nlicence = "CC-BY-NC-4.0"\n'
                'options = { layer = 2, trust_remote_code = true, window_seconds = 5 }\n')
    emb = load_embedder("my-mert")
    assert (emb.family, emb.sample_rate, emb.layer, emb.licence) == ("hf-audio", 24000, 2, "CC-BY-NC-4.0")
    wave = noise(3.0, 24000, seed=7)
    assert _cosines(emb.embed_audio([wave])[0], _hidden_reference(path, wave, layer=2, remote=True)) >= 0.9999
    assert emb.window == 5 * 24000


# --- models file --------------------------------------------------------------------
def test_models_file_registers_without_code(tmp_path, models_file, encoder_dir):
    _, path = encoder_dir
    names = models_file(f'[models.enc-layer1]\nsource = "{path}"\ndescription = "layer 1"\n'
                        'options = { layer = 1, pooling = "max" }\n'
                        '[models.hub-pe]\nfamily = "pe-audio"\nsource = "someone/pe-audio-finetune"\n')
    assert names == ["enc-layer1", "hub-pe"]
    spec = resolve("enc-layer1")
    assert spec.family == "hf-audio" and spec.option("layer") == 1 and not spec.has_text
    assert resolve("someone/pe-audio-finetune").name == "hub-pe"
    emb = load_embedder("enc-layer1")
    assert (emb.layer, emb.pooling) == (1, "max")


@pytest.mark.parametrize("body,message", [
    ('[models.x]\nfamily = "nope"\nsource = "a/b"\n', "unknown model family 'nope'"),
    ('[models.x]\nfamily = "pe-audio"\nsource = "a/b"\noptions = { layer = 3 }\n', "option 'layer' does not apply"),
    ('[models.x]\nsource = "a/b"\n', "'family' is required for a hub id"),
    ('[models.mini-clap]\nfamily = "mini"\nsource = "a/b"\n', "is built in"),
    ('[models.x]\nfamily = "hf-audio"\n', "'source'"),
    ('[models.x]\nfamily = "hf-audio"\nsource = "a/b"\noptions = { layer = "six" }\n', "must be int"),
    ('[models.x\n', "not valid TOML"),
])
def test_models_file_mistakes_name_the_file_and_model(tmp_path, body, message):
    path = tmp_path / "models.toml"
    path.write_text(body)
    with pytest.raises(ModelsFileError, match=message) as err:
        read_models_file(path)
    assert str(path) in str(err.value)


# --- optional packages with random weights ------------------------------------------
@pytest.mark.skipif(importlib.util.find_spec("muq") is None, reason="muq not installed (optional: pip install muq)")
def test_muq_mulan_random_weights_agree_with_muq_own_forward():
    from muq import MuQMuLan

    from app.embedders.muq_mulan import MuQMuLanEmbedder

    try:
        model = MuQMuLan.from_pretrained("OpenMuQ/MuQ-MuLan-large", local_files_only=True)
    except Exception as exc:  # its config and sub-models come from the hub or the local cache
        pytest.skip(f"MuQ-MuLan config not in the local HF cache ({type(exc).__name__})")
    emb = MuQMuLanEmbedder(model, "muq")
    wave = noise(10.0, 24000, seed=1)
    import torch

    with torch.no_grad():
        ref = model(wavs=torch.from_numpy(wave)[None]).numpy()[0]
    assert _cosines(emb.embed_audio([wave])[0], ref) >= 0.9999


@pytest.mark.skipif(importlib.util.find_spec("msclap") is None,
                    reason="msclap not installed (optional: pip install msclap)")
def test_msclap_agrees_with_its_own_audio_path(tmp_path):
    import msclap
    import torch

    from app.embedders.ms_clap import MSClapEmbedder

    try:
        wrapper = msclap.CLAP(model_fp=_random_msclap_weights(tmp_path), version="2023", use_cuda=False)
    except OSError as exc:
        pytest.skip(f"msclap's GPT-2 text encoder is not in the local HF cache ({type(exc).__name__})")
    emb = MSClapEmbedder(wrapper, "ms-clap")
    wave = noise(7.0, 44100, seed=1)
    ref = wrapper._get_audio_embeddings(torch.from_numpy(wave)[None, None]).numpy()[0]
    assert _cosines(emb.embed_audio([wave])[0], ref) >= 0.9999


def _random_msclap_weights(tmp_path):
    """msclap's own CLAP module for version 2023, random weights, saved as its weights file."""
    import torch
    from msclap.models.clap import CLAP

    torch.manual_seed(0)
    clap = CLAP(audioenc_name="HTSAT", sample_rate=44100, window_size=1024, hop_size=320, mel_bins=64, fmin=50,
                fmax=8000, classes_num=527, out_emb=768, text_model="gpt2", transformer_embed_dim=768, d_proj=1024)
    path = tmp_path / "CLAP_weights_2023.pth"
    torch.save({"model": clap.state_dict()}, path)
    return str(path)


def test_models_file_default_places_and_bad_file_at_startup(tmp_path, monkeypatch, capsys, models_file):
    from app.__main__ import main
    from app.embedders import models_file as mf

    (tmp_path / "models.toml").write_text('[models.from-data-dir]\nfamily = "pe-audio"\nsource = "a/b"\n')
    monkeypatch.setenv("AEB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("AEB_MODELS_FILE", raising=False)
    monkeypatch.setattr(mf, "_USER", None)  # read again from the default places
    assert resolve("from-data-dir").source == "a/b"
    bad = tmp_path / "bad.toml"
    bad.write_text('[models.x]\nfamily = "hf-audio"\nsource = "a/b"\noptions = { layers = 3 }\n')
    assert main(["--models-file", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.toml: model 'x': option 'layers' does not apply" in err


def test_family_detected_from_directory_files(tmp_path, pe_dir, monkeypatch):
    import json

    msclap_dir, muq_dir, bad = tmp_path / "msclap", tmp_path / "muq", tmp_path / "bad"
    for d in (msclap_dir, muq_dir, bad):
        d.mkdir()
    (msclap_dir / "CLAP_weights_2022.pth").write_bytes(b"")
    (muq_dir / "config.json").write_text(json.dumps({"mulan": {}, "audio_model": {}, "text_model": {}}))
    (bad / "config.json").write_text("[1, 2]")
    assert [resolve(str(d)).family for d in (msclap_dir, muq_dir, pe_dir)] == ["ms-clap", "muq-mulan", "pe-audio"]
    with pytest.raises(ValueError, match="not a JSON object"):
        resolve(str(bad))
    monkeypatch.setitem(sys.modules, "msclap", None)
    with pytest.raises(ModelUnavailableError, match="pip install msclap"):
        load_embedder(str(msclap_dir))


def test_pickers_mark_audio_only_models():
    from app.embedders.registry import model_label

    assert model_label("mert-v1-95m") == "mert-v1-95m · audio only"
    assert model_label("mini-clap") == "mini-clap" and model_label("no-such-model") == "no-such-model"


def test_bf16_agrees_with_fp32_for_pe_audio_and_encoders(pe_dir, encoder_dir):
    _, enc = encoder_dir
    for path, rate in ((pe_dir, 48000), (enc, 16000)):
        waves = [tone(440, 3.0, rate), noise(4.0, rate, seed=5)]
        fp32 = load_embedder(str(path)).embed_audio(waves)
        bf16_emb = load_embedder(str(path), precision="bf16")
        assert bf16_emb.info().precision == "bf16"
        assert np.all(_cosines(fp32, bf16_emb.embed_audio(waves)) > 0.98)
