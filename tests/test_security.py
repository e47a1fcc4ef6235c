"""Public-link safety, tested against a real `python -m app` server over HTTP.

What a stranger holding a `--share` link (or reaching a server) can try:
- read a file through Gradio's file route: `/gradio_api/file=/etc/passwd`, `..`, repo files;
- hand an API endpoint a server path instead of an upload (FileData with a foreign path);
- make the Library index a folder outside the library roots (`../../etc`, absolute, symlink);
- name a server directory as the "model" of an API call;
- forge the table a "click a row to play" event sends back, with a foreign path in it;
- upload something larger than `--max-upload-mb`;
- call anything without logging in when `--auth` (or AEB_AUTH) is set.

Each attack is paired with a positive control (the allowed variant works), so a refusal
can't come from a broken server. "Nothing was read" is checked with a canary: a valid,
unique audio file outside the allowed folders; had the server decoded it the call would
have succeeded, and its bytes must never appear in Gradio's upload/cache folder.
The server runs restricted (`--library-root`), as it does on a share link or a network host.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest

from tests.conftest import tone
from tests.e2e.appserver import ROOT, AppServer, call_raw, tiny_model_args

httpx = pytest.importorskip("httpx")
pytest.importorskip("gradio_client")
pytestmark = pytest.mark.skipif(not (ROOT / "app" / "__main__.py").is_file(), reason="app/__main__.py not written yet")

UPLOAD_LIMIT_MB = 1


def _write_wav(path: Path, freq: float, seconds: float = 1.0, rate: int = 16000, seed: int = 0) -> Path:
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    noise = np.random.default_rng(seed).standard_normal(int(seconds * rate)).astype(np.float32) * 0.01
    sf.write(path, tone(freq, seconds, rate) + noise, rate)
    return path


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """tmp/lib (the library root), tmp/secret (outside it, with a canary), a symlink lib -> secret."""
    tmp = tmp_path_factory.mktemp("security")
    lib, secret = tmp / "lib", tmp / "secret"
    _write_wav(lib / "allowed.wav", 440)
    canary = _write_wav(secret / "canary.wav", 523.25, seed=7)
    (secret / "notes.txt").write_text("top secret")
    (lib / "escape").symlink_to(secret, target_is_directory=True)
    return {"tmp": tmp, "lib": lib, "secret": secret, "canary": canary}


@pytest.fixture(scope="module")
def server(sandbox):
    tmp = sandbox["tmp"]
    with AppServer(tmp / "srv", *tiny_model_args(tmp), "--library-root", str(sandbox["lib"]),
                   "--max-upload-mb", str(UPLOAD_LIMIT_MB)) as srv:
        yield srv


@pytest.fixture(scope="module")
def model(sandbox) -> str:
    return tiny_model_args(sandbox["tmp"])[1]


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server.url, verbose=False)


def file_data(path: str) -> dict:
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def assert_canary_not_copied(server: AppServer, canary: Path) -> None:
    secret_bytes = canary.read_bytes()
    for p in server.gradio_tmp.rglob("*"):
        if p.is_file() and p.stat().st_size == len(secret_bytes):
            assert p.read_bytes() != secret_bytes, f"the canary was copied into gradio's folder: {p}"


# --------------------------------------------------------------------------- file route


def test_file_route_refuses_files_outside_allowed_folders(server, sandbox):
    canary = sandbox["canary"]
    attempts = [
        "/etc/passwd",
        str(canary),
        str(sandbox["secret"] / "notes.txt"),
        str(sandbox["lib"] / ".." / "secret" / "notes.txt"),
        str(sandbox["lib"] / "escape" / "notes.txt"),  # symlink out of the library root
        str(server.gradio_tmp / ".." / "secret" / "notes.txt"),
        str(ROOT / "app" / "settings.py"),  # the app's own source (its working directory)
        "app/settings.py",
        "../../../../../../etc/passwd",
    ]
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for target in attempts:
            for url in (f"/gradio_api/file={target}", f"/gradio_api/file={quote(target, safe='')}"):
                resp = http.get(url)
                assert resp.status_code in (403, 404), f"{url} -> {resp.status_code}"
                assert b"root:" not in resp.content and b"top secret" not in resp.content
                assert canary.read_bytes()[:64] not in resp.content
        # positive control: a file under the library root is served (that is what playback uses)
        ok = http.get(f"/gradio_api/file={sandbox['lib'] / 'allowed.wav'}")
        assert ok.status_code == 200 and ok.content == (sandbox["lib"] / "allowed.wav").read_bytes()


# ------------------------------------------------------------------ API file arguments


def test_api_audio_argument_must_be_an_upload(server, sandbox, client, model):
    from gradio_client import handle_file

    # positive control: a real upload through the client works
    ok = client.predict(handle_file(str(sandbox["lib"] / "allowed.wav")), "a sine tone", model, api_name="/similarity")
    assert -1.0 <= ok["cosine"] <= 1.0

    canary = sandbox["canary"]
    foreign = [str(canary), "../../etc/passwd", "/etc/passwd",
               str(server.gradio_tmp / ".." / "secret" / "canary.wav"),
               str(sandbox["lib"] / "allowed.wav")]  # even a library file is not an *upload*
    for path in foreign:
        for api, data in [("similarity", [file_data(path), "a sine tone", model]),
                          ("caption", [file_data(path), model, 5]),
                          ("search_audio", [file_data(path), model, "", 5]),
                          ("rank_texts", [file_data(path), "a\nb", model])]:
            event, payload = call_raw(server, api, data)
            assert event != "complete", f"/{api} accepted the server path {path}: {payload}"
    assert_canary_not_copied(server, canary)


def test_ingest_refuses_folders_outside_library_roots(server, sandbox, client, model):
    from gradio_client.exceptions import AppError

    secret, lib = sandbox["secret"], sandbox["lib"]
    attempts = ["/etc", "../../etc", "../../../../../../../etc", str(secret), str(lib / ".." / "secret"),
                str(lib / "escape"), f"{lib}/../../", "~", "/"]
    for folder in attempts:
        with pytest.raises(AppError) as err:
            client.predict(folder, "evil", model, api_name="/ingest")
        assert "library root" in str(err.value) or "not an existing folder" in str(err.value), str(err.value)
    sets = client.predict(model, api_name="/sets")
    assert "evil" not in sets, f"something outside the roots was indexed: {sets}"
    # positive control: the library root itself can be indexed
    report = client.predict(str(lib), "mine", model, api_name="/ingest")
    assert report["indexed"] + report["skipped"] >= 1 and not report["failed"]
    rows = client.predict("sine tone", model, "", 100, api_name="/search_hybrid")
    paths = [r["file"] for r in rows]
    assert any(p.endswith("allowed.wav") for p in paths)
    assert not any("secret" in p or "canary" in p for p in paths), paths


def test_model_argument_cannot_name_a_server_directory(server, sandbox, client):
    """API `model` arguments are free text: only the models this server offers may load,
    never an arbitrary server directory (and the error must not reveal what a path holds)."""
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    # a perfectly valid model directory, but not one this server was configured with
    rogue = sandbox["secret"] / "rogue-model"
    if not rogue.exists():
        shutil.copytree(tiny_model_args(sandbox["tmp"])[1], rogue)
    upload = handle_file(str(sandbox["lib"] / "allowed.wav"))
    for name in (str(rogue), str(sandbox["secret"]), "/etc", "../../etc"):
        with pytest.raises(AppError) as err:
            client.predict(upload, "a tone", name, api_name="/similarity")
        assert "config.json" not in str(err.value), f"leaks what {name} contains: {err.value}"
        assert "unknown model" in str(err.value), str(err.value)


# ------------------------------------------------- forged UI events (the browser's own queue)


def _queue_call(server: AppServer, fn_index: int, trigger_id: int, data: list, event_data: dict) -> dict:
    """Send one UI event the way the page does (queue/join + SSE), return process_completed."""
    session = uuid.uuid4().hex[:12]
    with httpx.Client(base_url=server.url, timeout=60) as http:
        resp = http.post("/gradio_api/queue/join", json={"data": data, "event_data": event_data, "fn_index": fn_index,
                                                         "trigger_id": trigger_id, "session_hash": session})
        assert resp.status_code == 200, resp.text
        with http.stream("GET", f"/gradio_api/queue/data?session_hash={session}") as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    msg = json.loads(line[5:])
                    if msg.get("msg") == "process_completed":
                        return msg
    raise AssertionError("no process_completed message")


def _has_file(value) -> bool:
    if isinstance(value, dict):
        return value.get("meta", {}).get("_type") == "gradio.FileData" or any(_has_file(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_file(v) for v in value)
    return False


def test_forged_result_rows_cannot_play_foreign_files(server, sandbox):
    """Clicking a result row sends the whole table back to the server; a forged table with
    a foreign path must be refused by every "click a row to play" handler."""
    config = httpx.get(server.url + "/config", timeout=30).json()
    components = {c["id"]: c for c in config["components"]}
    handlers = []
    for index, dep in enumerate(config["dependencies"]):
        for target, event in dep["targets"]:
            comp = components.get(target, {})
            if event != "select" or comp.get("type") != "dataframe":
                continue
            value = (comp.get("props") or {}).get("value")
            headers = list(value.get("headers") or []) if isinstance(value, dict) else []
            if "path" in headers:
                handlers.append((index, target, headers, comp["props"].get("label")))
    assert len(handlers) >= 2, "expected the Library and Ranking result tables"

    def click(index, target, headers, path):
        row = ["x"] * len(headers)
        row[headers.index("path")] = path
        if "name" in headers:
            row[headers.index("name")] = Path(path).name
        frame = {"headers": headers, "data": [row], "metadata": None}
        msg = _queue_call(server, index, target, [frame],
                          {"index": [0, headers.index("path")], "value": path, "row_value": row, "selected": True})
        return msg.get("output", {}).get("data", [])

    foreign = ["/etc/passwd", str(sandbox["canary"]), str(sandbox["lib"] / ".." / "secret" / "canary.wav"),
               str(sandbox["lib"] / "escape" / "canary.wav"), "../../../../etc/passwd"]
    for index, target, headers, label in handlers:
        for path in foreign:
            out = click(index, target, headers, path)
            assert not _has_file(out), f"{label}: played {path}: {out}"
        # positive control: a file under the library root plays
        out = click(index, target, headers, str(sandbox["lib"] / "allowed.wav"))
        assert _has_file(out), f"{label}: a library file did not play: {out}"
    assert_canary_not_copied(server, sandbox["canary"])


FILE_COMPONENTS = {"audio", "file", "image", "video", "uploadbutton"}


def test_every_file_input_refuses_foreign_paths(server, sandbox):
    """Sweep: every UI event taking an audio/file input, sent with a server path instead of an
    upload, is refused by gradio before the handler runs (so nothing is decoded)."""
    config = httpx.get(server.url + "/config", timeout=30).json()
    components = {c["id"]: c for c in config["components"]}
    swept = 0
    for index, dep in enumerate(config["dependencies"]):
        kinds = [components.get(i, {}).get("type") for i in dep["inputs"]]
        if not any(k in FILE_COMPONENTS for k in kinds) or dep.get("queue") is False:
            continue
        for path in (str(sandbox["canary"]), str(server.gradio_tmp / ".." / "secret" / "canary.wav")):
            data = []
            for comp_id, kind in zip(dep["inputs"], kinds):
                props = components[comp_id].get("props") or {}
                if kind in FILE_COMPONENTS:
                    one = file_data(path)
                    data.append([one] if props.get("file_count") in ("multiple", "directory") else one)
                else:
                    data.append(props.get("value"))
            target = dep["targets"][0][0] if dep["targets"] else None
            msg = _queue_call(server, index, target, data, None)
            assert msg.get("success") is False, (
                f"event {dep.get('api_name')} (#{index}) accepted the server path {path}: {str(msg)[:300]}")
        swept += 1
    assert swept >= 5, f"only {swept} events with file inputs found"
    assert_canary_not_copied(server, sandbox["canary"])


# ------------------------------------------------------------------------ upload limit


def test_upload_size_is_limited(server, sandbox):
    big = b"RIFF" + bytes(int(UPLOAD_LIMIT_MB * 1.5 * 1024 * 1024))
    small = sandbox["lib"] / "allowed.wav"
    with httpx.Client(base_url=server.url, timeout=60) as http:
        resp = http.post("/gradio_api/upload", files={"files": ("big.wav", big, "audio/wav")})
        assert resp.status_code == 413, (resp.status_code, resp.text[:200])
        resp = http.post("/gradio_api/upload", files={"files": (small.name, small.read_bytes(), "audio/wav")})
        assert resp.status_code == 200 and resp.json()


# ------------------------------------------------------------------------------- auth


@pytest.fixture(scope="module")
def auth_server(sandbox):
    """Auth given through the environment (AEB_AUTH), as compose and the Space do."""
    tmp = sandbox["tmp"]
    with AppServer(tmp / "srv-auth", *tiny_model_args(tmp), "--library-root", str(sandbox["lib"]),
                   env={"AEB_AUTH": "alice:s3cret-pw"}) as srv:
        yield srv


def test_auth_refuses_unauthenticated_requests(auth_server, sandbox, model):
    from gradio_client import Client, handle_file

    upload = handle_file(str(sandbox["lib"] / "allowed.wav"))
    with httpx.Client(base_url=auth_server.url, timeout=30) as http:
        assert http.get("/").status_code == 200  # the login page (the Docker health check asks for it)
        for path in ("/gradio_api/info", "/config", f"/gradio_api/file={sandbox['lib'] / 'allowed.wav'}"):
            resp = http.get(path)
            assert resp.status_code in (401, 403), f"{path} -> {resp.status_code} without login"
        resp = http.post("/gradio_api/call/models", json={"data": []})
        assert resp.status_code in (401, 403), f"API call without login -> {resp.status_code}"
        resp = http.post("/gradio_api/upload", files={"files": ("a.wav", b"RIFF0000", "audio/wav")})
        assert resp.status_code in (401, 403), f"upload without login -> {resp.status_code}"
        bad = http.post("/login", data={"username": "alice", "password": "wrong"})
        assert bad.status_code in (400, 401)
    with pytest.raises(Exception):
        Client(auth_server.url, verbose=False).predict(upload, "a tone", model, api_name="/similarity")
    with pytest.raises(Exception):
        Client(auth_server.url, auth=("alice", "wrong"), verbose=False)
    # positive control: with the password the same call works
    authed = Client(auth_server.url, auth=("alice", "s3cret-pw"), verbose=False)
    assert -1.0 <= authed.predict(upload, "a tone", model, api_name="/similarity")["cosine"] <= 1.0
    # a result's audio url needs the same login
    authed.predict(str(sandbox["lib"]), "mine", model, api_name="/ingest")
    url = authed.predict("a tone", model, "mine", 1, api_name="/search_text")[0]["url"]
    with httpx.Client(timeout=30) as http:
        assert http.get(url).status_code == 401
        ok = http.get(url, cookies=authed.cookies)
        assert ok.status_code == 200 and ok.content == (sandbox["lib"] / "allowed.wav").read_bytes()


def test_malformed_auth_is_rejected_at_start():
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False")
    env.pop("AEB_AUTH", None)
    for bad in ("nocolon", ":pw", "user:"):
        proc = subprocess.run([sys.executable, "-m", "app", "--auth", bad, "--port", "1"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and "user:password" in proc.stderr, (bad, proc.stderr[-500:])
