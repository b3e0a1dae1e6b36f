"""Schemathesis, driven by the server's own /openapi.json, against a live server for a bounded time.

Checks: no 5xx on any generated request, and no unmasked ID-shaped value in any
response (``schemathesis_hooks.no_unmasked_id``).  Bounded by ``--max-time``
(45 s) so the whole suite stays short.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("schemathesis")

from server_harness import KEY, LiveServer  # noqa: E402

HERE = Path(__file__).resolve().parent


def _schemathesis() -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("schemathesis") or shutil.which("st")
    if found is None:
        pytest.skip("schemathesis command not found")
    return [found]


def test_fuzz_live_server_no_5xx_no_unmasked_id(tmp_path: Path) -> None:
    with LiveServer(tmp_path) as server:
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
               "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
        r = subprocess.run(
            [*_schemathesis(), "run", server.url + "/openapi.json", "--checks", "not_a_server_error,no_unmasked_id",
             "--max-time", "45", "--max-examples", "40", "-H", f"Authorization: Bearer {KEY}",
             "--generation-database", "none", "-w", "1", "--seed", "20261203"],
            env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path)  # its cache stays out of the repository
        log = server.log()
    assert r.returncode == 0, r.stdout[-8000:] + r.stderr[-2000:]
    assert '"event": "error"' not in log, log[-3000:]
