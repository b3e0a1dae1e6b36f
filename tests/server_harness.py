"""A real ``shuangyong serve`` in a subprocess on a free localhost port, for the server tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["LiveServer", "free_port", "KEY", "REVEAL_KEY", "SMALL_KEY", "write_keys"]

KEY = "test-key-county-0001"
REVEAL_KEY = "test-key-reveal-0002"
SMALL_KEY = "test-key-small-00003"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_keys(folder: Path, rate: int = 100000, burst: int = 100000) -> Path:
    path = folder / "keys.toml"
    path.write_text(
        f'[[key]]\nkey = "{KEY}"\nname = "county"\nrate_per_minute = {rate}\nburst = {burst}\nmax_upload_bytes = 50000000\n\n'
        f'[[key]]\nkey = "{REVEAL_KEY}"\nname = "letters"\nreveal = true\nrate_per_minute = {rate}\nburst = {burst}\n\n'
        f'[[key]]\nkey = "{SMALL_KEY}"\nname = "small"\nrate_per_minute = 60\nburst = 3\nmax_body_bytes = 2000\nmax_upload_bytes = 4000\n',
        encoding="utf-8")
    return path


class LiveServer:
    """``python -m shuangyong serve`` with a key file and a job folder; stderr (the access log) kept in a file."""

    def __init__(self, folder: Path, *extra: str, port: int | None = None, env: dict[str, str] | None = None,
                 uvicorn_http: str | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.job_dir = folder / "jobs"
        self.log_path = folder / f"server-{self.port}.log"
        keys = folder / "keys.toml"
        if not keys.exists():
            write_keys(folder)
        self.args = [sys.executable, "-m", "shuangyong", "serve", "--port", str(self.port), "--api-keys", str(keys),
                     "--job-dir", str(self.job_dir), *extra]
        self.env = {**os.environ, **(env or {})}
        self.env.pop("SHUANGYONG_API_KEYS", None)
        if uvicorn_http is not None:
            # uvicorn run directly with this HTTP protocol (``extra`` is ignored), the settings handed over as `serve` does.
            from shuangyong.server.config import ENV_CONFIG, ServerConfig

            self.job_dir.mkdir(parents=True, exist_ok=True)
            self.env[ENV_CONFIG] = ServerConfig(job_dir=str(self.job_dir), api_keys_file=str(keys)).to_env()
            self.args = [sys.executable, "-c", "import uvicorn; uvicorn.run('shuangyong.server.app:app_from_env', factory=True, "
                         f"host='127.0.0.1', port={self.port}, http={uvicorn_http!r}, server_header=False, access_log=False)"]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> LiveServer:
        import httpx

        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not become ready: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def run_doc_curl_blocks(url: str, key: str, marker: str, folder: Path) -> list[str]:
    """Run each ``<!-- check: {marker} -->`` sh block of docs/http-api.md against a live server; their stdouts.

    A block runs in ``folder`` (with ``src`` linked there, as the docs' commands expect) under
    ``bash -e -o pipefail``, with ``$SY`` the server's URL and ``$KEY`` the key; a failing block fails the test.
    Skips when curl is not installed.
    """
    import re
    import shutil

    import pytest

    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "http-api.md").read_text("utf-8")
    blocks = re.findall(rf"^<!-- check: {re.escape(marker)} -->\n```sh\n(.*?)^```$", text, re.M | re.S)
    (folder / "src").symlink_to(root / "src")
    env = {**os.environ, "SY": url, "KEY": key, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    out = []
    for block in blocks:
        r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block], cwd=folder, env=env, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, block + r.stdout[-2000:] + r.stderr[-2000:]
        out.append(r.stdout)
    return out
