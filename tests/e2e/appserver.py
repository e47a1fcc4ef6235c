"""Start `python -m app` as a real server process on a free port, for browser and API tests.

    with AppServer(tmp_path, "--library-root", str(lib)) as server:
        requests.get(server.url)

The server gets its own data dir, store and gradio temp dir under `tmp`, so tests never
touch `data/` and never share uploads. Models: the shipped defaults when they exist
(models/mini-clap/config.json), else a tiny random CLAP built in `tmp` (`--model DIR`).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.served import free_port

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "models" / "mini-clap", ROOT / "models" / "mini-slap"]


def shipped_models_present() -> bool:
    return all((d / "config.json").is_file() and any(d.glob("*.safetensors")) for d in SHIPPED)


def tiny_model_args(tmp: Path) -> list[str]:
    """`--model DIR` for a tiny random CLAP saved under tmp (built once per tmp)."""
    from tests.conftest import build_tiny_clap

    target = tmp / "tiny-clap"
    if not (target / "config.json").is_file():
        build_tiny_clap(target)
    return ["--model", str(target)]


class AppServer:
    """`python -m app --port <free> --store <tmp>/store ...` in a subprocess."""

    def __init__(self, tmp: Path, *args: str, env: dict[str, str] | None = None,
                 start_timeout: float = 150.0) -> None:
        self.tmp = Path(tmp)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = ["--port", str(self.port), "--store", str(self.tmp / "store"), *args]
        self.log_path = self.tmp / "app.log"
        self.gradio_tmp = self.tmp / "gradio-tmp"
        self.env = dict(os.environ)
        for key in ("QDRANT_URL", "QDRANT_API_KEY", "AEB_AUTH", "AEB_LIBRARY_ROOTS", "AEB_MODELS"):
            self.env.pop(key, None)  # a developer's shell must not change what is tested
        self.env.update({"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1",
                         "HF_HUB_DISABLE_TELEMETRY": "1", "TOKENIZERS_PARALLELISM": "false",
                         "AEB_DATA_DIR": str(self.tmp / "data"), "GRADIO_TEMP_DIR": str(self.gradio_tmp),
                         "PYTHONUNBUFFERED": "1"})
        self.env.update(env or {})
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "AppServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.gradio_tmp.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "app", *self.args], cwd=ROOT, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"app did not answer on {self.url} within {self.start_timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"


def call_raw(server: AppServer, api: str, data: list, cookies=None, timeout: float = 180) -> tuple[str, object]:
    """Call `/api` through Gradio's plain HTTP API (no client-side upload or result rewriting).

    Returns (event, payload): ("complete", [outputs...]) or ("error", message), or
    ("http <status>", body) when the call is refused before it is queued.
    (For requests gradio_client would not send as they are, e.g. a forged file argument.)
    """
    import httpx

    with httpx.Client(base_url=server.url, timeout=timeout, cookies=cookies) as http:
        resp = http.post(f"/gradio_api/call/{api}", json={"data": data})
        if resp.status_code != 200:
            return f"http {resp.status_code}", resp.text
        event_id = resp.json()["event_id"]
        event, payload = "none", None
        with http.stream("GET", f"/gradio_api/call/{api}/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    raw = line.split(":", 1)[1].strip()
                    try:
                        payload = json.loads(raw)
                    except json.JSONDecodeError:
                        payload = raw
                    if event in ("complete", "error"):
                        return event, payload
        return event, payload
