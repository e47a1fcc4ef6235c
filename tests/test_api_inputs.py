"""Input checks of the API (issue 9, defects 3 and 5): one k validator, model names by name only."""
from __future__ import annotations

import json

import pytest

from app.context import AppContext
from app.embedders import UnknownModelError
from app.search import MAX_K, check_k
from app.settings import Settings
from tests.test_ui_api import served  # noqa: F401  (the module-scoped server fixture)


@pytest.mark.parametrize("bad", [0, -1, 10**9, MAX_K + 1, 2.5, True, None, "10"])
def test_k_outside_one_to_max_is_refused_not_replaced(bad):
    with pytest.raises(ValueError, match=f"k must be an integer between 1 and {MAX_K}"):
        check_k(bad)


def test_k_accepts_whole_numbers():
    assert (check_k(1), check_k(MAX_K), check_k(5.0)) == (1, MAX_K, 5)


def _model_folder(tmp_path):
    folder = tmp_path / "private-model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "clap", "secret": "do not tell"}))
    return folder


def test_model_names_are_checked_by_name_only(tmp_path):
    ctx = AppContext(Settings(models=("mini-clap",), store_dir=tmp_path / "store"), bootstrap=False)
    folder = _model_folder(tmp_path)
    errors = []
    for name in (str(folder), str(tmp_path / "no-such-folder"), "x" * 10_000):
        with pytest.raises(UnknownModelError) as info:
            ctx.check_model(name)
        errors.append(str(info.value))
    assert all(e.startswith("unknown model '") and "this server offers mini-clap" in e for e in errors)
    assert errors[0].replace(str(folder), "?") == errors[1].replace(str(tmp_path / "no-such-folder"), "?")
    assert len(errors[2]) < 400 and "secret" not in "".join(errors)
    configured = AppContext(Settings(models=(str(folder),), store_dir=tmp_path / "store"), bootstrap=False)
    assert configured.check_model(str(folder)) == str(folder)  # the operator's --model DIR is accepted


def test_api_sets_does_not_probe_server_folders(served, tmp_path):  # noqa: F811
    client, _, _ = served
    folder = _model_folder(tmp_path)
    messages = []
    for name in (str(folder), str(tmp_path / "missing"), "m" * 10_000):
        with pytest.raises(Exception) as info:
            client.predict(name, api_name="/sets")
        messages.append(str(info.value))
    assert all("unknown model" in m and "internal error" not in m for m in messages), messages
    assert messages[0].replace(str(folder), "?") == messages[1].replace(str(tmp_path / "missing"), "?")
    assert "secret" not in "".join(messages)


@pytest.mark.parametrize("k", [0, -1, 10**9])
def test_every_k_endpoint_refuses_out_of_range(served, tiny_clap_dir, k):  # noqa: F811
    from gradio_client import handle_file

    client, _, root = served
    clip = handle_file(str(root / "lib" / "tone440.wav"))
    model = str(tiny_clap_dir)
    calls = {"/search_text": ("a tone", model, "", k), "/search_hybrid": ("a tone", model, "", k),
             "/search_audio": (clip, model, "", k), "/compare": (clip, "a tone", model, model, k),
             "/caption": (clip, model, k)}
    for api_name, args in calls.items():
        with pytest.raises(Exception, match=f"k must be an integer between 1 and {MAX_K}"):
            client.predict(*args, api_name=api_name)


def test_api_ingest_reports_warnings_and_refusals_by_file(served, tiny_clap_dir):  # noqa: F811
    import numpy as np
    import soundfile as sf

    client, _, root = served
    folder = root / "lib" / "odd"
    folder.mkdir()
    sf.write(folder / "silence.wav", np.zeros(16000, np.float32), 16000)
    sf.write(folder / "blip.wav", np.ones(32, np.float32) * 0.1, 16000)  # 2 ms
    (folder / "escape.wav").symlink_to(root / "broken.wav")  # outside the library root
    out = client.predict(str(folder), "odd", str(tiny_clap_dir), api_name="/ingest")
    assert out["indexed"] == 1 and out["warnings"] == [{"file": str(folder / "silence.wav"),
                                                        "warning": "the audio is silent"}]
    reasons = {f["file"]: f["reason"] for f in out["failed"]}
    assert reasons[str(folder / "blip.wav")].startswith("too short (2.0 ms")
    assert "outside" in reasons[str(folder / "escape.wav")]
